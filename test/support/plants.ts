import { Encrypter } from 'age-encryption';
import { vi } from 'vitest';
import { Cluster } from '../../src/topology/cluster.js';
import { clusterToken } from '../../src/topology/plan.js';

/**
 * Bugs planted in the real code path, at its seam with the cluster handle or a library: each
 * returns how to undo it. Shared by the property drills and the scenario tests.
 */

/** Answers the real runbook's `member remove` as if it were done, and hands the real call to `instead`. */
function interceptMemberRemove(instead: (remove: () => Promise<unknown>) => void): { mockRestore(): void } {
  const etcdctl = Cluster.prototype.etcdctl;
  return vi.spyOn(Cluster.prototype, 'etcdctl').mockImplementation(function (this: Cluster, args, options) {
    if (args[0] !== 'member' || args[1] !== 'remove') return etcdctl.call(this, args, options);
    instead(() => etcdctl.call(this, args, options));
    return Promise.resolve({ command: `etcdctl ${args.join(' ')}`, exitCode: 0, stdout: 'answered by the planted bug', stderr: '', durationMs: 0 });
  });
}

/** The real replace runbook with its `member remove` calls held back until the new member has started: it adds before it removes. */
export function plantAddBeforeRemove(): () => void {
  const startAdded = Cluster.prototype.startAddedMember;
  const heldBack: (() => Promise<unknown>)[] = [];
  const removes = interceptMemberRemove((remove) => heldBack.push(remove));
  const adds = vi.spyOn(Cluster.prototype, 'startAddedMember').mockImplementation(async function (this: Cluster, name, initialCluster) {
    const added = await startAdded.call(this, name, initialCluster);
    for (const remove of heldBack.splice(0)) await remove();
    return added;
  });
  return () => {
    removes.mockRestore();
    adds.mockRestore();
  };
}

/** The real replace runbook with its `member remove` calls dropped: the failed member stays a voting member. */
export function plantForgottenRemove(): () => void {
  const removes = interceptMemberRemove(() => undefined);
  return () => removes.mockRestore();
}

/** The real restore runbook, its data dirs restored (`snapshot restore`) and started with the cluster's original token. */
export function plantOldToken(): () => void {
  const snapshotTool = Cluster.prototype.snapshotTool;
  const startRestored = Cluster.prototype.startRestoredMembers;
  const original = (cluster: Cluster) => clusterToken(cluster.name);
  const restores = vi.spyOn(Cluster.prototype, 'snapshotTool').mockImplementation(function (this: Cluster, args, options) {
    return snapshotTool.call(this, args.map((a) => (a.startsWith('--initial-cluster-token=') ? `--initial-cluster-token=${original(this)}` : a)), options);
  });
  const starts = vi.spyOn(Cluster.prototype, 'startRestoredMembers').mockImplementation(function (this: Cluster, volumes, dataDir) {
    return startRestored.call(this, volumes, dataDir, original(this));
  });
  return () => {
    restores.mockRestore();
    starts.mockRestore();
  };
}

/** The real encrypted-backup runbook with age's encryption doing nothing: the snapshot is written as it is. */
export function plantUnencryptedBackup(): () => void {
  const spy = vi.spyOn(Encrypter.prototype, 'encrypt').mockImplementation((async (plaintext: Uint8Array) => Uint8Array.from(plaintext)) as never);
  return () => spy.mockRestore();
}

/**
 * The real restore runbook, planted at its seam with the cluster handle: the last member is started
 * on a fresh, empty volume instead of the data dir restored for it.
 */
export function plantSkippedDataDir(): () => void {
  const start = Cluster.prototype.startRestoredMembers;
  const spy = vi.spyOn(Cluster.prototype, 'startRestoredMembers').mockImplementation(function (this: Cluster, volumes, dataDir, token) {
    const skipped = Object.keys(volumes).at(-1) as string;
    return start.call(this, { ...volumes, [skipped]: `${volumes[skipped]}-skipped` }, dataDir, token);
  });
  return () => spy.mockRestore();
}

