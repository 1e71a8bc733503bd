import { InvalidInputError } from '../errors.js';
import type { History } from '../workload/history.js';
import { ackedWritesDurable } from './acked-writes-durable.js';
import { backupEncrypted } from './backup-encrypted.js';
import { converged } from './converged.js';
import { linearizability } from './linearizability.js';
import { noStaleReads } from './no-stale-reads.js';
import { quorumSemantics } from './quorum-semantics.js';
import { restoreNewCluster } from './restore-new-cluster.js';
import { restoreRpo } from './restore-rpo.js';
import { serializableReads } from './serializable-reads.js';
import type { CheckDefinition, Floors, Verdict } from './verdict.js';
import { watchGuarantees } from './watch.js';

/** Every check by name: scenario files, `etcd-drill check` and the reports all go through here. */
export const CHECKS: ReadonlyMap<string, CheckDefinition> = new Map(
  [linearizability, noStaleReads, serializableReads, watchGuarantees, ackedWritesDurable, quorumSemantics, restoreRpo, restoreNewCluster, backupEncrypted, converged].map((c) => [c.name, c]),
);

/** The checks judged on every run with a workload, whether or not the scenario names them: a green run has looked at its history. */
export const WORKLOAD_CHECKS: readonly string[] = [linearizability.name, noStaleReads.name, serializableReads.name, watchGuarantees.name, ackedWritesDurable.name];

export function lookupCheck(name: string): CheckDefinition {
  const check = CHECKS.get(name);
  if (!check) throw new InvalidInputError(`unknown check '${name}'`, { hint: `known checks: ${[...CHECKS.keys()].join(', ')}` });
  return check;
}

/** One check's verdict with the floors a scenario set for it; a check that throws fails with the reason. */
export function judge(name: string, history: History, floors: Floors = {}): Verdict {
  const check = lookupCheck(name);
  try {
    return check.judge(history, floors[name] ?? {});
  } catch (err) {
    return { check: name, status: 'failed', ok: false, message: `the check itself failed: ${err instanceof Error ? err.message : String(err)}`, details: [], evidence: [] };
  }
}

/** Problems with a scenario's floors, each as `path: message`: unknown checks, unknown floor names, counts that are not whole numbers ≥ 0. */
export function floorProblems(floors: Floors): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const [name, set] of Object.entries(floors)) {
    const check = CHECKS.get(name);
    if (!check) {
      problems.push({ path: `floors.${name}`, message: `unknown check; known: ${[...CHECKS.keys()].join(', ')}` });
      continue;
    }
    for (const [floor, min] of Object.entries(set)) {
      if (!(floor in check.floors)) problems.push({ path: `floors.${name}.${floor}`, message: `${name} has no floor '${floor}'; its floors: ${Object.keys(check.floors).join(', ')}` });
      else if (!Number.isInteger(min) || min < 0) problems.push({ path: `floors.${name}.${floor}`, message: 'expected a whole number ≥ 0' });
    }
  }
  return problems;
}
