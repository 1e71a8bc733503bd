import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DrillError, describeError } from '../../errors.js';
import { formatBytes } from '../../event-lines.js';
import { ETCD_BIN_DIR } from '../../topology/image.js';
import { PEER_PORT, SCRATCH_DIR, clusterToken } from '../../topology/plan.js';
import type { Cluster } from '../../topology/cluster.js';
import { decryptBackup, keyCount } from './snapshot.js';
import { defineRunbook, latestArtifact, type RunbookContext, type SnapshotArtifact } from './runbook.js';

/**
 * §6 of the runbooks, in the seed's order: stop every API server, restore one new data dir per
 * member from the snapshot (`snapshot restore` with --name, --initial-cluster,
 * --initial-advertise-peer-urls and a new cluster token), start the members, then the API servers.
 */
const RESTORED_ROOT = '/var/lib/etcd-restored';
const RESTORED_DATA_SUBDIR = 'data';
const RESTORED_DATA_DIR = `${RESTORED_ROOT}/${RESTORED_DATA_SUBDIR}`;
/**
 * What keeps the restore workbench running: images of etcd have no shell or `sleep`, but every one
 * has etcd. It serves loopback only (the container has no network), its data in the in-memory volume.
 */
const WORKBENCH_KEEP_ALIVE = [`${ETCD_BIN_DIR}/etcd`, `--data-dir=${SCRATCH_DIR}/workbench`, '--log-level=error'];

/** The snapshot's bytes: a backup is decrypted in memory; a wrong key or damaged file stops here. */
export async function snapshotBytes(artifact: SnapshotArtifact, identityPath?: string): Promise<Uint8Array> {
  const bytes = await readFile(artifact.path).catch((err: Error) => {
    throw new DrillError(`cannot read ${artifact.path}: ${err.message}`, { hint: 'take a snapshot or a backup first' });
  });
  if (artifact.kind !== 'encrypted-backup') return bytes;
  const keyFile = identityPath ?? artifact.identityPath;
  if (!keyFile) throw new DrillError(`backup ${artifact.path} needs its age identity to be restored`, { hint: 'pass options.identity: the key file the backup was encrypted for' });
  const identity = (await readFile(keyFile, 'utf8')).split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-'));
  if (!identity) throw new DrillError(`${keyFile} holds no age identity`, { hint: 'an identity file has a line starting AGE-SECRET-KEY-' });
  return decryptBackup(bytes, identity, artifact.path);
}

/**
 * Removes every member's container, restores each from `snapshot` into a new volume (in
 * `workbench`, or one opened now) and starts it there. Resolves once a majority serves;
 * `everyMember` settles once all do.
 */
export async function restoreMembers(
  cluster: Cluster,
  snapshot: Uint8Array,
  options: { skipHashCheck: boolean; attempt: number },
  phase: PhaseTimer = (_name, work) => work(),
  opened?: RestoreWorkbench,
): Promise<{ everyMember: Promise<void> }> {
  const workbench = opened ?? (await RestoreWorkbench.open(cluster, options.attempt));
  const token = clusterToken(cluster.name, options.attempt);
  let volumes: Record<string, string>;
  try {
    await phase('old members removed', () => cluster.removeMemberContainers());
    volumes = await phase('data dirs restored', () => workbench.restore(snapshot, { skipHashCheck: options.skipHashCheck, token }));
  } finally {
    await workbench.close();
  }
  return phase('a majority of members started', () => cluster.startRestoredMembers(volumes, RESTORED_DATA_DIR, token));
}

/** Times one phase of a runbook and announces it (`runbook.phase`): where a restore spends its time, for the timeline and bench:restore. */
export type PhaseTimer = <T>(name: string, work: () => Promise<T>) => Promise<T>;

function phaseTimer(ctx: RunbookContext): PhaseTimer {
  return async (name, work) => {
    const started = Date.now();
    const result = await work();
    ctx.events.emit({ type: 'runbook.phase', cluster: ctx.cluster.name, runbook: 'restore', phase: name, durationMs: Date.now() - started });
    return result;
  };
}

/**
 * Where every member's new data dir (a volume) is made by `snapshot restore`: one offline
 * container whose snapshot (decrypted, when it came from a backup) lives in an in-memory volume,
 * so the plaintext never reaches a disk, and is gone with it. It touches nothing of the cluster's,
 * so it starts while the backup is still being decrypted.
 */
export class RestoreWorkbench {
  private constructor(
    private readonly cluster: Cluster,
    private readonly containerId: string | undefined,
    private readonly scratch: string,
    readonly volumes: Record<string, string>,
  ) {}

  static async open(cluster: Cluster, attempt: number): Promise<RestoreWorkbench> {
    const members = cluster.members.map((m) => m.name);
    const volumes = Object.fromEntries(members.map((name) => [name, restoreVolume(cluster, name, attempt)]));
    const scratch = `etcd-drill-${cluster.name}-restore-${attempt}-scratch`;
    const containerId = await cluster.containers
      .startOffline(cluster.image.ref, WORKBENCH_KEEP_ALIVE, cluster.objectLabels, [
        { name: scratch, target: SCRATCH_DIR, inMemory: true },
        ...members.map((name) => ({ name: volumes[name] as string, target: `${RESTORED_ROOT}/${name}` })),
      ])
      .catch(async (err: unknown) => {
        await new RestoreWorkbench(cluster, undefined, scratch, volumes).close();
        throw err;
      });
    return new RestoreWorkbench(cluster, containerId, scratch, volumes);
  }

  /** Every member's data dir from `snapshot`, side by side (each restore waits on its own fsyncs); returns member → volume. */
  async restore(snapshot: Uint8Array, options: { skipHashCheck: boolean; token: string }): Promise<Record<string, string>> {
    const { cluster, containerId } = this;
    if (!containerId) throw new DrillError('the restore workbench is not running');
    const scheme = cluster.spec.tls ? 'https' : 'http';
    const names = Object.keys(this.volumes);
    const initialCluster = names.map((n) => `${n}=${scheme}://${n}:${PEER_PORT}`).join(',');
    await cluster.containers.copyToContainer(containerId, [{ target: `${SCRATCH_DIR}/snapshot.db`, content: Buffer.from(snapshot), mode: 0o600 }]);
    await Promise.all(
      names.map(async (name) => {
        const args = [
          'snapshot', 'restore', `${SCRATCH_DIR}/snapshot.db`,
          `--name=${name}`,
          `--initial-cluster=${initialCluster}`,
          `--initial-cluster-token=${options.token}`,
          `--initial-advertise-peer-urls=${scheme}://${name}:${PEER_PORT}`,
          `--data-dir=${RESTORED_ROOT}/${name}/${RESTORED_DATA_SUBDIR}`,
          ...(options.skipHashCheck ? ['--skip-hash-check'] : []),
        ];
        const result = await cluster.snapshotTool(args, { offline: { containerId, name }, allowFailure: true });
        const output = result.stdout + result.stderr;
        if (result.exitCode !== 0) {
          throw new DrillError(`restoring ${name}'s data dir failed: ${output.trim().split('\n').pop()}`, {
            hint: /hash/i.test(output) ? 'a copied member/snap/db has no snapshot hash: restore it with skipHashCheck' : 'check the snapshot file',
          });
        }
      }),
    );
    return this.volumes;
  }

  /** Removes the workbench and its in-memory snapshot; the restored volumes stay for the members. */
  async close(): Promise<void> {
    const containers = this.containerId ? [{ id: this.containerId, name: '', labels: {}, state: '' }] : [];
    await this.cluster.containers.remove({ containers, networks: [], volumes: [{ name: this.scratch, labels: {} }] });
  }
}

function restoreVolume(cluster: Cluster, member: string, attempt: number): string {
  return `etcd-drill-${cluster.name}-${member}-restore-${attempt}`;
}

/**
 * Every restored member holds exactly the snapshot: its key space at the snapshot's revision hashes
 * as the source's did when the snapshot was taken (`endpoint hashkv --rev`). A copied db
 * (volume-snapshot) has no such hash to compare with; its keys are still counted.
 */
export async function proveRestored(cluster: Cluster, artifact: SnapshotArtifact): Promise<{ keys: number; dbSizeBytes: number; summary: string }> {
  const names = cluster.members.map((m) => m.name);
  const statuses = await cluster.status();
  const dbSizeBytes = Math.max(0, ...statuses.map((s) => s.dbSizeBytes ?? 0));
  const keys = await keyCount(cluster, names[0] as string, artifact.revision);
  const { hashKV } = artifact;
  if (hashKV === undefined) return { keys, dbSizeBytes, summary: `${keys} keys, ${formatBytes(dbSizeBytes)} database` };
  const hashes = await Promise.allSettled(names.map((name) => cluster.hashKV(name, artifact.revision)));
  const wrong = names.flatMap((name, i) => {
    const hash = hashes[i] as PromiseSettledResult<number>;
    if (hash.status === 'rejected') return [`${name} cannot tell its hash (${describeError(hash.reason).split('\n')[0]})`];
    return hash.value === hashKV ? [] : [`${name} hashes to ${hash.value}`];
  });
  if (wrong.length > 0) {
    throw new DrillError(`the restored members do not all hold the snapshot: at revision ${artifact.revision} the source hashed to ${hashKV}, but ${wrong.join('; ')}`, {
      hint: 'restore every member from the same snapshot into an empty data dir',
    });
  }
  return { keys, dbSizeBytes, summary: `${keys} keys, ${formatBytes(dbSizeBytes)} database, every member's key space at that revision identical to the source's (hashKV ${hashKV})` };
}

export const restore = defineRunbook({
  name: 'restore',
  summary: 'stop the API servers, restore every member from the last snapshot or backup with a new cluster token, start them, start the API servers',
  options: z
    .object({
      from: z.enum(['snapshot', 'encrypted-backup', 'volume-snapshot']).optional(),
      identity: z.string().optional(),
    })
    .strict(),
  checks: ['restore-new-cluster'],
  run: async (ctx: RunbookContext, options) => {
    const artifact = latestArtifact(ctx, options.from);
    if (!artifact) throw new DrillError(`nothing to restore from: no ${options.from ?? 'snapshot or backup'} was taken in this run`, { hint: 'add a snapshot or encrypted-backup step before the restore' });
    const phase = phaseTimer(ctx);
    const attempt = ctx.restores.length + 1;
    // Everything that can refuse does so before the cluster is touched; the workbench, which
    // touches nothing of it, starts meanwhile.
    const [decrypted, opened] = await Promise.allSettled([phase('snapshot read and decrypted', () => snapshotBytes(artifact, options.identity)), RestoreWorkbench.open(ctx.cluster, attempt)]);
    if (decrypted.status === 'rejected' || opened.status === 'rejected') {
      if (opened.status === 'fulfilled') await opened.value.close();
      throw decrypted.status === 'rejected' ? decrypted.reason : (opened as PromiseRejectedResult).reason;
    }
    // What the members said before they failed; asking dead members again only costs time.
    const clusterIdBefore = ctx.cluster.reportedClusterId ?? (await ctx.cluster.clusterId());
    const startedAt = Date.now();
    await phase('API servers stopped', async () => ctx.workload?.stop());
    const { everyMember } = await restoreMembers(ctx.cluster, decrypted.value, { skipHashCheck: artifact.kind === 'volume-snapshot', attempt }, phase, opened.value);
    await phase('leader elected', () => ctx.cluster.waitForLeader(ctx.cluster.timeouts.bootMs));
    await ctx.cluster.reloadLoadBalancer();
    const restoredValues = ctx.workload ? (await ctx.workload.readObjects()).values : {};
    const endedAt = Date.now();
    const members = ctx.cluster.members.map((m) => m.name);
    ctx.restores.push({ startedAt, endedAt, artifact, snapshotRevision: artifact.revision, restoredValues, members, clusterIdBefore, clusterIdAfter: await ctx.cluster.clusterId() });
    // The API servers come back once the cluster takes writes, as etcd's clients allow: the
    // members still starting join meanwhile.
    await ctx.workload?.start();
    await phase('every member started', () => everyMember);
    // After the API servers are back: the proof reads only revisions up to the snapshot's, which their writes do not touch.
    const proof = await phase('restored data proven', () => proveRestored(ctx.cluster, artifact));
    return {
      summary: `restored ${ctx.cluster.members.length} members from the ${artifact.kind} at revision ${artifact.revision}: ${proof.summary}${artifact.kind === 'volume-snapshot' ? ' (--skip-hash-check: a copied db has no snapshot hash)' : ''}`,
      metrics: { restoredFromRevision: artifact.revision, restoreMs: endedAt - startedAt, restoredKeys: proof.keys, dbSizeBytes: proof.dbSizeBytes },
    };
  },
});
