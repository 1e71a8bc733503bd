import type { FaultWindow, History, Operation } from '../faults/history.js';
import { verdictOf, type Verdict } from './verdict.js';

/**
 * Taking members down must behave as Raft promises: with quorum lost, no write is acknowledged
 * yet survivors still answer serializable reads; with only a minority down, writes go on.
 * Each window is judged from `settleMs` after injection, as etcd needs up to an election timeout
 * to notice the loss.
 */
export function quorumSemantics(history: History, options: { settleMs: number }): Verdict {
  const windows = history.faults.filter((f) => f.takesMembersDown);
  if (windows.length === 0) return verdictOf('quorum-semantics', [], 'no fault took members down');

  const violations: string[] = [];
  for (const window of windows) violations.push(...judge(window, history.operations, options.settleMs));
  return verdictOf('quorum-semantics', violations, `${windows.length} fault window(s) behaved as quorum predicts`);
}

function judge(window: FaultWindow, operations: Operation[], settleMs: number): string[] {
  const from = window.injectedAt + settleMs;
  const to = window.healStartedAt ?? Infinity;
  const startsInside = (op: Operation) => op.start >= from && op.start < to;
  const fullyInside = (op: Operation) => startsInside(op) && op.end < to;
  const size = window.clusterSize;
  const down = window.members.length;
  const quorum = Math.floor(size / 2) + 1;
  const name = `${window.kind} ${window.id} of ${window.members.join(', ')}`;

  if (size - down < quorum) {
    const violations = operations
      .filter((op) => op.kind === 'put' && op.ok && fullyInside(op))
      .map((op) => `put of ${op.key} = ${op.value} (op ${op.id}) was acknowledged during quorum loss (${name}, ${down}/${size} down)`);
    const reads = operations.filter((op) => op.kind === 'get-serializable' && startsInside(op));
    if (reads.length === 0) {
      violations.push(`no serializable read was tried during quorum loss (${name})`);
    } else if (!reads.some((op) => op.ok)) {
      const first = reads[0]!;
      violations.push(
        `all ${reads.length} serializable reads during quorum loss (${name}) failed, first op ${first.id} on ${first.member ?? 'any member'}: ${first.error ?? 'unknown error'}`,
      );
    }
    return violations;
  }

  const puts = operations.filter((op) => op.kind === 'put' && startsInside(op));
  if (puts.length === 0) return [`no put was tried while a minority was down (${name}): window too short to judge`];
  if (!puts.some((op) => op.ok && fullyInside(op))) {
    const first = puts.find((op) => !op.ok) ?? puts[0]!;
    return [
      `no write succeeded while only a minority was down (${name}, ${down}/${size} down): ${puts.length} put(s) tried, first failure op ${first.id}: ${first.error ?? 'did not finish in the window'}`,
    ];
  }
  return [];
}
