import { sequenceOf, type History } from '../faults/history.js';
import { verdictOf, type Verdict } from './verdict.js';

export interface RestoreFacts {
  startedAt: number;
  endedAt: number;
  /** The revision the snapshot held. */
  snapshotRevision: number;
  /** Every observed key as the restored cluster held it, before the API servers came back. */
  restoredValues: Map<string, string | undefined>;
}

/**
 * What a restore lost must be exactly what the snapshot could not hold: every write acknowledged
 * at or before the snapshot's revision is there, every one after it is gone and counted (the
 * RPO), and no API server wrote while etcd was being rebuilt (§6.5: stop them first).
 */
export function restoreRpo(history: History, restore: RestoreFacts): { verdict: Verdict; lostWrites: number } {
  const violations: string[] = [];
  const during = history.operations.filter((o) => o.start >= restore.startedAt && o.start <= restore.endedAt);
  if (during.length > 0) {
    const acked = during.filter((o) => o.ok && o.kind === 'put').length;
    violations.push(
      `API servers were not stopped: ${during.length} operations issued while etcd was being restored (${acked} writes acknowledged mid-restore, not counted in the RPO; first at +${during[0]!.start - restore.startedAt} ms)`,
    );
  }
  const before = history.operations.filter((o) => o.kind === 'put' && o.ok && o.end <= restore.startedAt);
  let lostWrites = 0;
  for (const put of before) {
    const restored = sequenceOf(restore.restoredValues.get(put.key));
    const written = sequenceOf(put.value) as number;
    const survived = restored !== undefined && restored >= written;
    const inSnapshot = put.revision !== undefined && put.revision <= restore.snapshotRevision;
    if (inSnapshot && !survived) violations.push(`${put.key} = ${put.value} (op ${put.id}, revision ${put.revision}) was in the snapshot but is gone after the restore`);
    if (!inSnapshot && survived && restored === written) violations.push(`${put.key} = ${put.value} (op ${put.id}, revision ${put.revision}) is after the snapshot yet survived: the restore did not use the snapshot`);
    if (!inSnapshot) lostWrites += 1;
  }
  const verdict = verdictOf('restore-rpo', violations, `RPO: ${lostWrites} acknowledged writes after revision ${restore.snapshotRevision} lost, exactly those after the snapshot`);
  return { verdict, lostWrites };
}
