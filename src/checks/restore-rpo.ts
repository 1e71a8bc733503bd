import { isWrite, type History, type RestoreFacts } from '../workload/history.js';
import { showsWriteOrLater, writesByKey } from './key-order.js';
import { defineCheck, evidenceOf, verdictOf, type Verdict } from './verdict.js';

/**
 * What a restore lost must be exactly what the snapshot could not hold: every write acknowledged
 * at or before the snapshot's revision is there (or a later one of the snapshot), every one after
 * it is gone and counted (the RPO), and no API server worked while etcd was being rebuilt (§6.5:
 * stop them first).
 */
export function judgeRestore(history: History, restore: RestoreFacts, floors: Record<string, number> = {}): { verdict: Verdict; lostWrites: number } {
  const violations: string[] = [];
  const during = history.operations.filter((o) => o.start >= restore.startedAt && o.start <= restore.endedAt);
  if (during.length > 0) {
    const acked = during.filter((o) => o.ok && isWrite(o)).length;
    violations.push(
      `API servers were not stopped: ${during.length} operations issued while etcd was being restored (${acked} acknowledged mid-restore, not counted in the RPO; first at +${during[0]!.start - restore.startedAt} ms)`,
    );
  }
  // Judged on what was written since the restore before it: revisions start over at each restore.
  const since = Math.max(0, ...history.restores.filter((r) => r.endedAt <= restore.startedAt).map((r) => r.endedAt));
  const before = history.operations.filter((o) => o.start > since && o.end <= restore.startedAt);
  const byKey = writesByKey(before);
  let lostWrites = 0;
  let compared = 0;
  for (const [key, writes] of byKey) {
    if (!writes.some((w) => w.lease === undefined)) continue; // leased events may expire at any time
    const restored = restore.restoredValues[key];
    // What the snapshot held of this key: its writes up to the snapshot's revision (unknown outcomes may be there too).
    const inSnapshot = writes.filter((w) => !w.ok || (w.revision !== undefined && w.revision <= restore.snapshotRevision));
    for (const write of writes.filter((w) => w.ok)) {
      compared += 1;
      const what = `${key}: ${write.kind}${write.value === undefined ? '' : ` = ${write.value}`} (op ${write.id}, revision ${write.revision})`;
      if (write.revision !== undefined && write.revision <= restore.snapshotRevision) {
        if (!showsWriteOrLater(key, write, restored, inSnapshot, restore.startedAt)) {
          violations.push(`${what} was in the snapshot (revision ${restore.snapshotRevision}) but the restored store shows ${restored === undefined ? 'it absent' : restored}`);
        }
      } else {
        lostWrites += 1;
        if (write.value !== undefined && restored === write.value) violations.push(`${what} is after the snapshot (revision ${restore.snapshotRevision}) yet survived: the restore did not use the snapshot`);
      }
    }
  }
  const evidence = evidenceOf(restoreRpo, floors, [{ floor: 'writes', what: `acknowledged writes before the restore compared with the restored store`, count: compared }]);
  const verdict = verdictOf(restoreRpo.name, violations, evidence, `RPO ${lostWrites} acknowledged writes after revision ${restore.snapshotRevision}, exactly those after the snapshot`);
  return { verdict, lostWrites };
}

export const restoreRpo = defineCheck({
  name: 'restore-rpo',
  description: 'a restore keeps every write up to the snapshot, loses exactly those after it, and ran with the API servers stopped',
  floors: { writes: 20, restores: 1 },
  judge(history, floors) {
    if (history.restores.length === 0) {
      return verdictOf(this.name, [], evidenceOf(this, floors, [{ floor: 'restores', what: 'restores judged', count: 0 }]));
    }
    const verdicts = history.restores.map((r) => judgeRestore(history, r, floors).verdict);
    return verdicts.find((v) => !v.ok) ?? (verdicts[verdicts.length - 1] as Verdict);
  },
});
