import { Encrypter } from 'age-encryption';
import { PutBuilder, SingleRangeBuilder } from 'etcd3';
import { describeError } from '../../src/errors.js';
import { classifyError } from '../../src/workload/history.js';
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


/**
 * etcd3's put, planted: a put of a drill key (`/fuzz/`) is acknowledged as etcd answered it, then
 * the key is deleted behind the client's back — an acknowledged write the store no longer holds.
 */
export function plantLostWrite(): () => void {
  const exec = PutBuilder.prototype.exec;
  type Seams = { kv: { deleteRange(request: { key: Buffer }): Promise<unknown> }; namespace: { applyToRequest<T>(request: T): T }; request: { key: Buffer } };
  const spy = vi.spyOn(PutBuilder.prototype, 'exec').mockImplementation(async function (this: PutBuilder) {
    const acknowledged = await exec.call(this);
    const { kv, namespace, request } = this as unknown as Seams;
    if (request.key.toString().startsWith('/fuzz/')) await kv.deleteRange(namespace.applyToRequest({ key: request.key }));
    return acknowledged;
  });
  return () => spy.mockRestore();
}

/**
 * etcd3's put, planted: a put that timed out is answered as acknowledged (at revision 0), as a
 * client library that swallowed the timeout would. The conditions and the model judge it unchanged.
 */
export function plantAcknowledgedTimeouts(): () => void {
  const exec = PutBuilder.prototype.exec;
  const spy = vi.spyOn(PutBuilder.prototype, 'exec').mockImplementation(async function (this: PutBuilder) {
    try {
      return await exec.call(this);
    } catch (err) {
      if (classifyError(describeError(err)) !== 'timeout') throw err;
      return { header: { cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' } } as Awaited<ReturnType<PutBuilder['exec']>>;
    }
  });
  return () => spy.mockRestore();
}

/**
 * etcd3's single-key get, planted: the first linearizable read of each key under `prefix` goes to
 * etcd, and every later one is answered from that first response — a stale cache in front of the
 * client. Serializable reads and other keys pass through.
 */
export function plantStaleCache(prefix: string): () => void {
  const exec = SingleRangeBuilder.prototype.exec;
  const cache = new Map<string, ReturnType<SingleRangeBuilder['exec']>>();
  type Seams = { request: { key: Buffer; serializable?: boolean } };
  const spy = vi.spyOn(SingleRangeBuilder.prototype, 'exec').mockImplementation(function (this: SingleRangeBuilder) {
    const { request } = this as unknown as Seams;
    const key = request.key.toString();
    if (request.serializable || !key.startsWith(prefix)) return exec.call(this);
    const cached = cache.get(key) ?? exec.call(this);
    cache.set(key, cached);
    // A failed first read is not cached: the next one asks etcd again.
    cached.catch(() => cache.delete(key));
    return cached;
  });
  return () => spy.mockRestore();
}
