import { initialList, isIndeterminate, isWrite, writesOf, type History, type Operation } from '../workload/history.js';
import { defineCheck, evidenceOf, verdictOf, type Verdict } from './verdict.js';

/**
 * Serializable gets judged as etcd promises them — one member answers from what it has applied,
 * so the answer may lag, but:
 * - a value read was carried by some write of that key (acknowledged or indeterminate), or the
 *   key is absent;
 * - a member never goes back in time: a read that started after another read on the same member
 *   ended never answers at an older header revision, nor shows the same key at an older mod
 *   revision. A restore rewinds members on purpose, so reads on either side of one are not compared.
 */
export const serializableReads = defineCheck({
  name: 'serializable-reads',
  description: 'Serializable gets read only values some write carried, and no member answers older than it already had.',
  // `values`: reads that found a value to check against the writes; reads of keys nobody wrote only test a member's order.
  floors: { reads: 20, values: 5 },
  judge(history: History, floors: Record<string, number>): Verdict {
    const reads = history.operations.filter((op) => op.kind === 'get-serializable' && op.ok);
    const valued = reads.filter((read) => read.value !== undefined);
    const violations = [...unwrittenValues(history, valued), ...membersGoingBack(history, reads)];
    const evidence = evidenceOf(serializableReads, floors, [
      { floor: 'reads', what: 'serializable reads judged', count: reads.length },
      { floor: 'values', what: 'of them showed a value checked against the writes', count: valued.length },
    ]);
    return verdictOf('serializable-reads', violations, evidence, 'every value read was written and no member went back in time');
  },
});

function memberOf(read: Operation): string {
  return read.member ?? 'an unnamed member';
}

/** Reads (each showing a value) whose value no write of the history carried, nor the store held when the workload first listed it. */
function unwrittenValues(history: History, reads: readonly Operation[]): string[] {
  const carried = new Map<string, Set<string>>();
  const carry = (key: string, value: string) => {
    const values = carried.get(key);
    if (values) values.add(value);
    else carried.set(key, new Set([value]));
  };
  for (const kv of initialList(history)?.kvs ?? []) carry(kv.key, kv.value);
  for (const op of history.operations) {
    if (!isWrite(op) || !(op.ok || isIndeterminate(op))) continue;
    for (const { key, value } of writesOf(op)) if (value !== undefined) carry(key, value);
  }
  return reads
    .filter((read) => !carried.get(read.key)?.has(read.value as string))
    .map((read) => `${read.key} on ${memberOf(read)}: serializable read (op ${read.id}) returned ${read.value}, a value no write of ${read.key} carried`);
}

/**
 * Per member (and per stretch between restores), reads by start swept against reads by end: each
 * read is compared with the newest answers of the reads that ended before it started. O(n log n).
 */
function membersGoingBack(history: History, reads: readonly Operation[]): string[] {
  const restoreStarts = history.restores.map((r) => r.startedAt);
  const groups = new Map<string, Operation[]>();
  for (const read of reads) {
    const stretch = restoreStarts.filter((at) => at < read.start).length;
    const group = `${memberOf(read)}\n${stretch}`;
    const sameGroup = groups.get(group);
    if (sameGroup) sameGroup.push(read);
    else groups.set(group, [read]);
  }

  const violations: string[] = [];
  for (const group of groups.values()) {
    const byStart = [...group].sort((a, b) => a.start - b.start);
    const byEnd = [...group].sort((a, b) => a.end - b.end);
    let newest: Operation | undefined;
    const newestOfKey = new Map<string, Operation>();
    let next = 0;
    for (const read of byStart) {
      for (; next < byEnd.length && byEnd[next]!.end < read.start; next++) {
        const done = byEnd[next]!;
        if (done.revision !== undefined && (newest === undefined || done.revision > newest.revision!)) newest = done;
        // An absent key shows mod revision 0, which a delete makes legitimate: only present values are compared.
        const seen = newestOfKey.get(done.key);
        if (done.value !== undefined && done.modRevision !== undefined && (seen === undefined || done.modRevision > seen.modRevision!)) newestOfKey.set(done.key, done);
      }
      const member = memberOf(read);
      if (newest && read.revision !== undefined && read.revision < newest.revision!) {
        violations.push(
          `${read.key} on ${member}: serializable read (op ${read.id}) answered at revision ${read.revision}, after op ${newest.id} on ${member} had answered at revision ${newest.revision}: the member went back in time`,
        );
      }
      const seen = newestOfKey.get(read.key);
      if (seen && read.value !== undefined && read.modRevision !== undefined && read.modRevision < seen.modRevision!) {
        violations.push(
          `${read.key} on ${member}: serializable read (op ${read.id}) showed mod revision ${read.modRevision}, after op ${seen.id} on ${member} had shown ${read.key} at mod revision ${seen.modRevision}: the member went back in time`,
        );
      }
    }
  }
  return violations;
}
