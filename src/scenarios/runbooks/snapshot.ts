import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { z } from 'zod';
import { DrillError } from '../../errors.js';
import { writeImpact } from '../../workload/samples.js';
import { DATA_DIR, SCRATCH_DIR } from '../../topology/plan.js';
import { defineRunbook, type RunbookContext, type SnapshotArtifact } from './runbook.js';

/**
 * §4 of the runbooks: `etcdctl snapshot save` from a live member, `snapshot status -w table`, the
 * file encrypted with age (§4.3), and a copy of a stopped member's `member/snap/db` (§4.4).
 */

interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
}

/** Saves a snapshot inside a healthy member's RAM scratch space, and reads its status as the operator would. */
interface SavedSnapshot {
  member: string;
  remote: string;
  status: SnapshotStatus;
  table: string;
  /** The source's key-space hash and live key count at the snapshot's revision: what a restore must reproduce. */
  hashKV: number;
  keys: number;
  workloadP99Ms: number | undefined;
}

/**
 * Live keys of `member` at `revision`, asked of that member alone: a range's `count` is every key
 * in it whatever the limit (etcdctl 3.4 has no `--count-only`).
 */
export async function keyCount(cluster: RunbookContext['cluster'], member: string, revision?: number): Promise<number> {
  const args = ['get', '', '--prefix', '--keys-only', '--limit=1', '-w', 'json', `--endpoints=${cluster.member(member).clientUrl}`, ...(revision === undefined ? [] : [`--rev=${revision}`])];
  return (JSON.parse((await cluster.etcdctl(args, { member })).stdout) as { count?: number }).count ?? 0;
}

async function saveSnapshot(ctx: RunbookContext, memberName: string | undefined): Promise<SavedSnapshot> {
  const statuses = await ctx.cluster.status();
  const member = memberName ?? statuses.find((s) => s.healthy)?.name;
  if (!member) throw new DrillError('no healthy member to take a snapshot from', { hint: 'a snapshot needs a live member: restore from an earlier backup instead' });
  const remote = `${SCRATCH_DIR}/snapshot-${Date.now()}.db`;
  const started = Date.now();
  await ctx.cluster.etcdctl(['snapshot', 'save', remote], { member });
  const ended = Date.now();
  const table = (await ctx.cluster.snapshotTool(['snapshot', 'status', remote, '-w', 'table'], { member })).stdout;
  const status = JSON.parse((await ctx.cluster.snapshotTool(['snapshot', 'status', remote, '-w', 'json'], { member })).stdout) as SnapshotStatus;
  const [hashKV, keys] = await Promise.all([ctx.cluster.hashKV(member, status.revision), keyCount(ctx.cluster, member, status.revision)]);
  // "Without disturbing the workload": what the API servers saw while the snapshot was taken.
  const workloadP99Ms = ctx.workload ? writeImpact(ctx.workload.history.operations, started, ended).p99Ms : undefined;
  return { member, remote, status, table, hashKV, keys, workloadP99Ms };
}

/** Copies the snapshot out of the member and overwrites it there, so no plaintext stays behind. */
async function takeOut(ctx: RunbookContext, member: string, remote: string): Promise<Buffer> {
  const { containerId } = ctx.cluster.member(member);
  const bytes = await ctx.cluster.containers.copyFromContainer(containerId, remote);
  await ctx.cluster.containers.copyToContainer(containerId, [{ target: remote, content: Buffer.alloc(0), mode: 0o600 }]);
  return bytes;
}

const memberOption = z.object({ member: z.string().optional() }).strict();

export const snapshot = defineRunbook({
  name: 'snapshot',
  summary: '`etcdctl snapshot save` from a live member, then `snapshot status -w table`',
  options: memberOption,
  run: async (ctx, { member }) => {
    const saved = await saveSnapshot(ctx, member);
    const bytes = await takeOut(ctx, saved.member, saved.remote);
    const path = join(ctx.workdir, `snapshot-${ctx.artifacts.length + 1}.db`);
    await writeFile(path, bytes, { mode: 0o600 });
    ctx.artifacts.push({ kind: 'snapshot', path, revision: saved.status.revision, takenAt: Date.now(), sizeBytes: bytes.length, hashKV: saved.hashKV, keys: saved.keys });
    return {
      summary: `revision ${saved.status.revision}, ${saved.keys} keys, ${bytes.length} bytes from ${saved.member}${saved.workloadP99Ms === undefined ? '' : `; workload p99 ${saved.workloadP99Ms} ms meanwhile`}`,
      metrics: { snapshotRevision: saved.status.revision, snapshotKeys: saved.keys, snapshotBytes: bytes.length, ...(saved.workloadP99Ms === undefined ? {} : { workloadP99MsDuringSnapshot: saved.workloadP99Ms }) },
    };
  },
});

export const encryptedBackup = defineRunbook({
  name: 'encrypted-backup',
  summary: 'a snapshot encrypted with age to a recipient key; the plaintext never reaches a disk',
  options: z.object({ member: z.string().optional(), recipient: z.string().regex(/^age1[0-9a-z]+$/, 'must be an age recipient (age1…)').optional() }).strict(),
  checks: ['backup-encrypted'],
  run: async (ctx, options) => {
    const saved = await saveSnapshot(ctx, options.member);
    const plaintext = await takeOut(ctx, saved.member, saved.remote);
    let recipient = options.recipient;
    let identityPath: string | undefined;
    if (!recipient) {
      // No key given: make one for this run, kept beside the backup like an operator's key file.
      const identity = await generateX25519Identity();
      recipient = await identityToRecipient(identity);
      identityPath = join(ctx.workdir, `backup-${ctx.artifacts.length + 1}.key`);
      await writeFile(identityPath, `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`, { mode: 0o600 });
    }
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    const ciphertext = await encrypter.encrypt(plaintext);
    plaintext.fill(0);
    const path = join(ctx.workdir, `backup-${ctx.artifacts.length + 1}.db.age`);
    await writeFile(path, ciphertext, { mode: 0o600 });
    const artifact: SnapshotArtifact = { kind: 'encrypted-backup', path, revision: saved.status.revision, takenAt: Date.now(), sizeBytes: ciphertext.length, hashKV: saved.hashKV, keys: saved.keys, recipient, ...(identityPath ? { identityPath } : {}) };
    ctx.artifacts.push(artifact);
    return {
      summary: `revision ${saved.status.revision}, ${saved.keys} keys, encrypted to ${recipient.slice(0, 16)}… (${ciphertext.length} bytes)`,
      metrics: { snapshotRevision: saved.status.revision, snapshotKeys: saved.keys, backupBytes: ciphertext.length },
    };
  },
});

/** Decrypts a backup in memory; a wrong key or a damaged file stops here, before anything is touched. */
export async function decryptBackup(ciphertext: Uint8Array, identity: string, path: string): Promise<Uint8Array> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  try {
    return await decrypter.decrypt(ciphertext);
  } catch (err) {
    throw new DrillError(`backup ${path} cannot be decrypted (${(err as Error).message}): wrong key or damaged file; nothing was restored`, {
      hint: 'use the identity the backup was made for, or an earlier backup',
    });
  }
}

export const volumeSnapshot = defineRunbook({
  name: 'volume-snapshot',
  summary: "stop a member, copy its member/snap/db (as a volume snapshot would), start it again",
  options: memberOption,
  run: async (ctx, { member }) => {
    const statuses = await ctx.cluster.status();
    const name = member ?? statuses.find((s) => s.healthy && !s.isLeader)?.name ?? statuses.find((s) => s.healthy)?.name;
    if (!name) throw new DrillError('no healthy member to copy', { hint: 'restore from an earlier backup instead' });
    const revision = statuses.find((s) => s.name === name)?.revision ?? 0;
    const { containerId } = ctx.cluster.member(name);
    await ctx.cluster.containers.stop(containerId, 10);
    let bytes: Buffer;
    try {
      bytes = await ctx.cluster.containers.copyFromContainer(containerId, `${DATA_DIR}/member/snap/db`);
    } finally {
      await ctx.cluster.containers.start(containerId);
    }
    await ctx.cluster.waitForLeader();
    const path = join(ctx.workdir, `volume-${ctx.artifacts.length + 1}.db`);
    await writeFile(path, bytes, { mode: 0o600 });
    ctx.artifacts.push({ kind: 'volume-snapshot', path, revision, takenAt: Date.now(), sizeBytes: bytes.length });
    return { summary: `copied ${name}'s member/snap/db (${bytes.length} bytes, about revision ${revision}); restoring it needs --skip-hash-check` };
  },
});
