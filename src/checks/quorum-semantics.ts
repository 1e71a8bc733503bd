import { isWrite, showsAvailability, type FaultWindow, type Operation } from '../workload/history.js';
import { quorumSize } from '../topology/leadership.js';
import { defineCheck, evidenceOf, verdictOf } from './verdict.js';

/** A stretch of time during which the same members were down, by every fault in force together. */
export interface DownStretch {
  from: number;
  to: number;
  down: string[];
  clusterSize: number;
  faults: string[];
}

/**
 * Which members were down at each instant, across all faults that take members out: each change
 * (a fault injected, a heal begun) starts a new stretch, judged only from `settleMs` after that
 * change — etcd needs up to an election timeout to notice — until the next change.
 */
export function downStretches(faults: FaultWindow[], settleMs: number, end: number, restoredAt: number[] = []): DownStretch[] {
  // A restore rebuilds every member: a fault from before it no longer holds anyone down.
  const windows = faults
    .filter((f) => f.takesMembersDown)
    .map((f) => ({ ...f, healStartedAt: [f.healStartedAt ?? end, ...restoredAt.filter((t) => t > f.injectedAt)].reduce((a, b) => Math.min(a, b)) }));
  const changes = [...new Set(windows.flatMap((w) => [w.injectedAt, w.healStartedAt]))].filter((t) => t < end).sort((a, b) => a - b);
  const stretches: DownStretch[] = [];
  for (const [i, at] of changes.entries()) {
    const next = changes[i + 1] ?? end;
    const inForce = windows.filter((w) => w.injectedAt <= at && w.healStartedAt > at);
    if (inForce.length === 0 || at + settleMs >= next) continue;
    stretches.push({
      from: at + settleMs,
      to: next,
      down: [...new Set(inForce.flatMap((w) => w.members))].sort(),
      clusterSize: Math.max(...inForce.map((w) => w.clusterSize)),
      faults: inForce.map((w) => `${w.kind} ${w.id}`),
    });
  }
  return stretches;
}

/**
 * Taking members down must behave as Raft promises, judged on which members were down at each
 * instant across all faults: with quorum lost, no write is acknowledged, yet the survivors answer
 * serializable reads; with only a minority down, writes go on.
 */
export const quorumSemantics = defineCheck({
  name: 'quorum-semantics',
  description: 'no write acknowledged while quorum is lost, serializable reads answered then, writes go on with a minority down',
  floors: { stretches: 1 },
  judge(history, floors) {
    const end = history.operations.reduce((latest, o) => Math.max(latest, o.end), 0);
    const stretches = downStretches(history.faults, history.settleMs, end, history.restores.map((r) => r.startedAt));
    const t0 = Math.min(...history.faults.map((f) => f.injectedAt), history.operations.reduce((earliest, o) => Math.min(earliest, o.start), Infinity));
    const violations: string[] = [];
    let lost = 0;
    let judged = 0;
    for (const stretch of stretches) {
      const quorum = quorumSize(stretch.clusterSize);
      const what = `${stretch.down.join(', ')} down (${stretch.down.length}/${stretch.clusterSize}: ${stretch.faults.join(' + ')}) from +${stretch.from - t0} ms`;
      const startsInside = (op: Operation) => op.start >= stretch.from && op.start < stretch.to;
      if (stretch.clusterSize - stretch.down.length < quorum) {
        lost += 1;
        judged += 1;
        for (const op of history.operations.filter((o) => isWrite(o) && o.ok && startsInside(o) && o.end < stretch.to)) {
          violations.push(`${op.kind} of ${op.key} (op ${op.id}, revision ${op.revision}) was acknowledged while quorum was lost: ${what}`);
        }
        // The survivors must answer: reads sent to members that are down say nothing.
        const reads = history.operations.filter((o) => o.kind === 'get-serializable' && startsInside(o) && o.member !== undefined && !stretch.down.includes(o.member));
        if (reads.length > 0 && !reads.some((o) => o.ok)) {
          const first = reads[0] as Operation;
          violations.push(`all ${reads.length} serializable reads of the surviving members failed while quorum was lost (${what}), first op ${first.id} on ${first.member}: ${first.error ?? 'unknown error'}`);
        }
        continue;
      }
      // Writes still in flight when the stretch ended say nothing about it; with none that ended in it, it is not judged.
      const writes = history.operations.filter((o) => showsAvailability(o) && startsInside(o) && o.end < stretch.to);
      if (writes.length === 0) continue;
      judged += 1;
      if (!writes.some((o) => o.ok)) {
        const first = writes[0] as Operation; // none succeeded: the first is a failure
        violations.push(`no write succeeded with only a minority down (${what}): ${writes.length} tried, first failure op ${first.id} on ${first.key}: ${first.error ?? 'did not finish in time'}`);
      }
    }
    const evidence = evidenceOf(this, floors, [{ floor: 'stretches', what: `stretches of members down judged, ${lost} with quorum lost`, count: judged }]);
    return verdictOf(this.name, violations, evidence, 'each behaved as quorum predicts');
  },
});
