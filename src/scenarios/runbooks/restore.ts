import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DrillError } from '../../errors.js';
import { ETCD_BIN_DIR } from '../../topology/image.js';
import { PEER_PORT, SCRATCH_DIR } from '../../topology/plan.js';
import type { Cluster } from '../../topology/cluster.js';
import { decryptBackup } from './snapshot.js';
import { defineRunbook, latestArtifact, type RunbookContext, type SnapshotArtifact } from './runbook.js';

/**
 * §6 of the runbooks, in the seed's order: stop every API server, restore one new data dir per
 * member from the snapshot (`snapshot restore` with --name, --initial-cluster,
 * --initial-advertise-peer-urls and a new cluster token), start the members, then the API servers.
 */
const RESTORED_ROOT = '/var/lib/etcd-restored';
const RESTORED_DATA_SUBDIR = 'data';
export const RESTORED_DATA_DIR = `${RESTORED_ROOT}/${RESTORED_DATA_SUBDIR}`;
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

/** Removes every member's container, restores each from `snapshot` into a new volume and starts it there. */
export async function restoreMembers(cluster: Cluster, snapshot: Uint8Array, options: { skipHashCheck: boolean; attempt: number }): Promise<void> {
  await cluster.removeMemberContainers();
  const token = restoreToken(cluster, options.attempt);
  const volumes = await restoreDataDirs(cluster, snapshot, { ...options, token, members: cluster.members.map((m) => m.name) });
  await cluster.startRestoredMembers(volumes, RESTORED_DATA_DIR, token);
}

export function restoreToken(cluster: Cluster, attempt: number): string {
  return `etcd-drill-${cluster.name}-restore-${attempt}`;
}

/**
 * One new data dir (a volume) per member, each made by `snapshot restore`; returns member → volume.
 * The restores run in one workbench container whose snapshot (decrypted, when it came from a
 * backup) lives in an in-memory volume, so the plaintext never reaches a disk, and is gone with it.
 */
export async function restoreDataDirs(
  cluster: Cluster,
  snapshot: Uint8Array,
  options: { skipHashCheck: boolean; attempt: number; token: string; members: string[] },
): Promise<Record<string, string>> {
  const scheme = cluster.spec.tls ? 'https' : 'http';
  const { token } = options;
  const all = cluster.members.map((m) => m.name);
  const initialCluster = all.map((n) => `${n}=${scheme}://${n}:${PEER_PORT}`).join(',');
  const runtime = cluster.containers;
  const volumes = Object.fromEntries(options.members.map((name) => [name, restoreVolume(cluster, name, options.attempt)]));
  const scratch = `etcd-drill-${cluster.name}-restore-${options.attempt}-scratch`;
  let workbench: string | undefined;
  try {
    workbench = await runtime.startOffline(cluster.image.ref, WORKBENCH_KEEP_ALIVE, cluster.objectLabels, [
      { name: scratch, target: SCRATCH_DIR, inMemory: true },
      ...options.members.map((name) => ({ name: volumes[name] as string, target: `${RESTORED_ROOT}/${name}` })),
    ]);
    await runtime.copyToContainer(workbench, [{ target: `${SCRATCH_DIR}/snapshot.db`, content: Buffer.from(snapshot), mode: 0o600 }]);
    for (const name of options.members) {
      const args = [
        'snapshot', 'restore', `${SCRATCH_DIR}/snapshot.db`,
        `--name=${name}`,
        `--initial-cluster=${initialCluster}`,
        `--initial-cluster-token=${token}`,
        `--initial-advertise-peer-urls=${scheme}://${name}:${PEER_PORT}`,
        `--data-dir=${RESTORED_ROOT}/${name}/${RESTORED_DATA_SUBDIR}`,
        ...(options.skipHashCheck ? ['--skip-hash-check'] : []),
      ];
      const result = await cluster.snapshotTool(args, { offline: { containerId: workbench, name }, allowFailure: true });
      const output = result.stdout + result.stderr;
      if (result.exitCode !== 0) {
        throw new DrillError(`restoring ${name}'s data dir failed: ${output.trim().split('\n').pop()}`, {
          hint: /hash/i.test(output) ? 'a copied member/snap/db has no snapshot hash: restore it with skipHashCheck' : 'check the snapshot file',
        });
      }
    }
  } finally {
    await runtime.remove({ containers: workbench ? [{ id: workbench, name: '', labels: {}, state: '' }] : [], networks: [], volumes: [{ name: scratch, labels: {} }] });
  }
  return volumes;
}

export function restoreVolume(cluster: Cluster, member: string, attempt: number): string {
  return `etcd-drill-${cluster.name}-${member}-restore-${attempt}`;
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
    // Everything that can refuse does so before the cluster is touched.
    const bytes = await snapshotBytes(artifact, options.identity);
    const clusterIdBefore = await ctx.cluster.clusterId();
    const startedAt = Date.now();
    await ctx.workload?.stop();
    await restoreMembers(ctx.cluster, bytes, { skipHashCheck: artifact.kind === 'volume-snapshot', attempt: ctx.restores.length + 1 });
    await ctx.cluster.waitForLeader(ctx.cluster.timeouts.bootMs);
    await ctx.cluster.reloadLoadBalancer();
    const restoredValues = ctx.workload ? (await ctx.workload.readObjects()).values : {};
    const endedAt = Date.now();
    const members = ctx.cluster.members.map((m) => m.name);
    ctx.restores.push({ startedAt, endedAt, artifact, snapshotRevision: artifact.revision, restoredValues, members, clusterIdBefore, clusterIdAfter: await ctx.cluster.clusterId() });
    await ctx.workload?.start();
    return {
      summary: `restored ${ctx.cluster.members.length} members from the ${artifact.kind} at revision ${artifact.revision}${artifact.kind === 'volume-snapshot' ? ' (--skip-hash-check: a copied db has no snapshot hash)' : ''}`,
      metrics: { restoredFromRevision: artifact.revision, restoreMs: endedAt - startedAt },
    };
  },
});
