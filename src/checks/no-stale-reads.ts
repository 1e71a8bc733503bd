import { sequenceOf, type History, type Operation } from '../faults/history.js';
import { verdictOf, type Verdict } from './verdict.js';

/**
 * A linearizable get must see every put acknowledged before it started. Serializable gets may
 * legitimately lag, and a put still in flight when the get started may or may not be visible.
 * Per key, puts sorted by end and gets by start are swept together, keeping the highest sequence
 * acknowledged so far: O(n log n).
 */
export function noStaleReads(history: History): Verdict {
  const byKey = new Map<string, { puts: Operation[]; gets: Operation[] }>();
  const entry = (key: string) => {
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { puts: [], gets: [] }));
    return e;
  };
  for (const op of history.operations) {
    if (!op.ok) continue;
    if (op.kind === 'put') entry(op.key).puts.push(op);
    else if (op.kind === 'get') entry(op.key).gets.push(op);
  }

  const violations: string[] = [];
  let reads = 0;
  for (const [key, { puts, gets }] of byKey) {
    puts.sort((a, b) => a.end - b.end);
    gets.sort((a, b) => a.start - b.start);
    let next = 0;
    let latest: { seq: number; op: Operation } | undefined;
    for (const get of gets) {
      reads++;
      for (; next < puts.length && puts[next]!.end < get.start; next++) {
        const put = puts[next]!;
        const seq = sequenceOf(put.value) ?? -Infinity;
        if (!latest || seq > latest.seq) latest = { seq, op: put };
      }
      if (latest && (sequenceOf(get.value) ?? -Infinity) < latest.seq) {
        const read = get.value === undefined ? 'nothing' : get.value;
        violations.push(
          `stale read of ${key} (op ${get.id}) returned ${read} after put of ${key} = ${latest.op.value} (op ${latest.op.id}) was acknowledged`,
        );
      }
    }
  }
  return verdictOf('no-stale-reads', violations, `all ${reads} linearizable reads were fresh`);
}
