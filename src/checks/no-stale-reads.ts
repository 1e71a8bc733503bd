import { isWrite, linearizableReads, type KeyRead, type Operation } from '../workload/history.js';
import { showsWriteOrLater, writesByKey } from './key-order.js';
import { sinceLastRestore } from './since-restore.js';
import { defineCheck, evidenceOf, verdictOf } from './verdict.js';

/**
 * A linearizable read must see every write acknowledged before it started: it shows the latest such
 * write or one after it. Only reads of a key with an acknowledged write before them are compared
 * (and counted); the rest say nothing about freshness. The linearizability check judges the whole
 * history; this one says the same about staleness in one line a person can check.
 */
export const noStaleReads = defineCheck({
  name: 'no-stale-reads',
  description: 'every linearizable read sees every write acknowledged before it began',
  floors: { reads: 20 },
  judge(history, floors) {
    const operations = sinceLastRestore(history);
    const byKey = writesByKey(operations);
    const violations: string[] = [];
    let compared = 0;
    const readKeys = new Set<string>();
    for (const read of linearizableReads(operations)) {
      const writes = byKey.get(read.key) ?? [];
      const latest = latestAckedBefore(writes, read.op.start);
      if (!latest) continue;
      compared += 1;
      readKeys.add(read.key);
      if (!showsWriteOrLater(read.key, latest, read.value, writes, read.op.end)) violations.push(describeStale(read, latest));
    }
    const acked = operations.filter((o) => o.ok && isWrite(o)).length;
    const evidence = evidenceOf(this, floors, [{ floor: 'reads', what: `reads compared with an earlier acknowledged write (of ${acked} acknowledged writes, on ${readKeys.size} keys)`, count: compared }]);
    return verdictOf(this.name, violations, evidence, 'none was stale');
  },
});

/** The acknowledged write with the highest revision among those that ended before `instant`. */
function latestAckedBefore(writes: Operation[], instant: number): Operation | undefined {
  let latest: Operation | undefined;
  for (const w of writes) if (w.ok && w.end < instant && (!latest || (w.revision ?? 0) > (latest.revision ?? 0))) latest = w;
  return latest;
}

function describeStale(read: KeyRead, latest: Operation): string {
  const seen = read.value === undefined ? 'nothing' : read.value;
  const wrote = latest.kind === 'delete' ? 'delete' : `${latest.kind} = ${latest.value}`;
  return `stale read of ${read.key} (op ${read.op.id}, ${read.op.kind}) returned ${seen} after ${wrote} (op ${latest.id}, revision ${latest.revision}) was acknowledged`;
}
