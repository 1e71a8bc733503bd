import { ackedWritesDurable, converged, noStaleReads, quorumSemantics, restoreRpo, type Verdict } from '../checks/index.js';
import { memberSnapshots } from '../checks/snapshots.js';
import { InvalidInputError } from '../errors.js';
import type { History } from '../faults/history.js';
import type { Observer } from '../faults/observer.js';
import type { Cluster } from '../topology/cluster.js';
import type { RestoreRecord } from './runbooks/runbook.js';

/** What a scenario's checks judge: the cluster as it ended, and everything the API servers saw. */
export interface CheckInput {
  cluster: Cluster;
  apiServers: Observer | undefined;
  history: History;
  restores: RestoreRecord[];
}

/** After a restore, durability and freshness are judged on what came after it; the restore-rpo check judges the restore itself. */
function sinceLastRestore(input: CheckInput): History {
  const last = input.restores[input.restores.length - 1];
  if (!last) return input.history;
  return { ...input.history, operations: input.history.operations.filter((o) => o.start > last.endedAt) };
}

function needsWorkload(check: string, input: CheckInput): Verdict | undefined {
  return input.apiServers ? undefined : { check, ok: false, message: `${check} needs the API servers' history: give the scenario a workload`, details: [] };
}

export type ScenarioCheck = (input: CheckInput) => Promise<Verdict>;

export const CHECKS: ReadonlyMap<string, ScenarioCheck> = new Map<string, ScenarioCheck>([
  [
    'acked-writes-durable',
    async (input) => needsWorkload('acked-writes-durable', input) ?? ackedWritesDurable(sinceLastRestore(input), await (input.apiServers as Observer).finalValues()),
  ],
  ['no-stale-reads', async (input) => needsWorkload('no-stale-reads', input) ?? noStaleReads(sinceLastRestore(input))],
  ['quorum-semantics', async (input) => needsWorkload('quorum-semantics', input) ?? quorumSemantics(input.history, { settleMs: 2 * input.cluster.spec.etcd.electionTimeoutMs })],
  ['converged', async (input) => converged(await memberSnapshots(input.cluster), input.cluster.members.map((m) => m.name))],
  [
    'restore-rpo',
    async (input) => {
      const missing = needsWorkload('restore-rpo', input);
      if (missing) return missing;
      if (input.restores.length === 0) return { check: 'restore-rpo', ok: false, message: 'no restore ran in this scenario', details: [] };
      const verdicts = input.restores.map((r) =>
        restoreRpo(input.history, { startedAt: r.startedAt, endedAt: r.endedAt, snapshotRevision: r.artifact.revision, restoredValues: r.restoredValues }).verdict,
      );
      return verdicts.find((v) => !v.ok) ?? (verdicts[verdicts.length - 1] as Verdict);
    },
  ],
]);

export function lookupCheck(name: string): ScenarioCheck {
  const check = CHECKS.get(name);
  if (!check) throw new InvalidInputError(`unknown check '${name}'`, { hint: `known checks: ${[...CHECKS.keys()].join(', ')}` });
  return check;
}
