import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DrillError, InvalidInputError } from '../errors.js';
import type { Random } from '../random.js';
import type { MemberInfo } from '../topology/cluster.js';
import { compareHashes, corruptAlarms, type HashComparison } from '../topology/corruption.js';
import { STOP_GRACE_SECONDS } from '../topology/member-verbs.js';
import { DATA_DIR } from '../topology/plan.js';
import { WaitEnded, waitFor } from '../wait.js';
import { defineFault, type FaultContext } from './fault.js';
import { refuseUnlessUp } from './member-loss.js';
import { lastLogLine } from './etcd-log.js';

/**
 * Bit rot in a member's data, flipped while the member is stopped, found the way production finds
 * it. `file: db` flips bits inside the value of a probe key the fault writes first, in every copy of
 * it in the bbolt file: bbolt keeps no checksums, so etcd starts and serves the rotten value, and
 * only a hash comparison finds it — the leader's periodic corruption check (the CORRUPT alarm, on a
 * cluster whose spec sets `etcd.corruptCheckMs`) or `endpoint hashkv` across the members.
 * `file: wal` flips bits in the written part of the newest WAL segment: its records carry CRCs, and
 * etcd refuses to start. Which bits is drawn from the seed; heal puts the file back as it was.
 */

export const CORRUPT_PROBE_PREFIX = '/etcd-drill/corrupt-probe/';
const PROBE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

interface Flip {
  offset: number;
  bit: number;
}

interface CorruptedFile {
  member: string;
  path: string;
  /** The file as it was, kept on the host for heal. */
  original: string;
  flips: Flip[];
}

/** `--data-dir` of the running etcd: a restore may have moved it from the default. */
async function dataDirOf(pid: number): Promise<string> {
  const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  return args.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length) ?? DATA_DIR;
}

/** The newest WAL segment (names sort by sequence), read through the running process's root. */
async function newestWal(pid: number, dataDir: string): Promise<string> {
  const walDir = join(dataDir, 'member', 'wal');
  const newest = (await readdir(`/proc/${pid}/root${walDir}`)).filter((f) => f.endsWith('.wal')).sort().at(-1);
  if (!newest) throw new DrillError(`no WAL segment in ${walDir}`);
  return join(walDir, newest);
}

/** Flips `bits` distinct bits drawn from the seed inside every copy of `value` in `file` (bbolt leaves stale copies in freed pages). */
export function flipInValue(file: Buffer, value: Buffer, bits: number, random: Random): Flip[] {
  const copies: number[] = [];
  for (let at = file.indexOf(value); at >= 0; at = file.indexOf(value, at + 1)) copies.push(at);
  if (copies.length === 0) return [];
  const chosen = new Set<number>();
  while (chosen.size < Math.min(bits, value.length * 8)) chosen.add(random.int(value.length * 8));
  const flips = copies.flatMap((copy) => [...chosen].map((b) => ({ offset: copy + Math.floor(b / 8), bit: b % 8 })));
  for (const f of flips) file[f.offset] = (file[f.offset] as number) ^ (1 << f.bit);
  return flips;
}

/** Flips `bits` bits drawn from the seed in the written part of a preallocated WAL segment (up to its last non-zero byte). */
export function flipInWritten(file: Buffer, bits: number, random: Random): Flip[] {
  let end = file.length;
  while (end > 0 && file[end - 1] === 0) end -= 1;
  if (end === 0) return [];
  const flips: Flip[] = [];
  for (let i = 0; i < bits; i += 1) flips.push({ offset: random.int(end), bit: random.int(8) });
  for (const f of flips) file[f.offset] = (file[f.offset] as number) ^ (1 << f.bit);
  return flips;
}

/** Writes the probe through the cluster and waits until `member` serves it itself: the value is then in its data. */
async function writeProbe(ctx: FaultContext, member: MemberInfo, value: string): Promise<void> {
  const key = `${CORRUPT_PROBE_PREFIX}${member.name}`;
  const { leaderElectionMs, pollMs } = ctx.cluster.timeouts;
  const client = ctx.cluster.client();
  const own = ctx.cluster.client({ hosts: [member.endpoint], faultHandling: 'none' });
  try {
    await waitFor(async () => (await client.put(key).value(value), true), { timeoutMs: leaderElectionMs, intervalMs: pollMs, description: `the corruption probe ${key} to be written` });
    await waitFor(async () => ((await own.get(key).serializable(true).string()) === value ? true : undefined), {
      timeoutMs: leaderElectionMs,
      intervalMs: pollMs,
      description: `${member.name} to hold the corruption probe ${key}`,
    });
  } finally {
    client.close();
    own.close();
  }
}

/** The line etcd logged as it refused to start (a fatal or panic line), or else its last line. */
function refusalLine(logs: string): string {
  return lastLogLine(logs, (l) => /"level":"(fatal|panic)"|panic:/.test(l)) ?? lastLogLine(logs, (l) => l.trim() !== '') ?? '';
}

/**
 * Waits for the damage to be found, the way it would be: etcd refusing to start, its CORRUPT alarm
 * (where the cluster runs the periodic check: given two check periods and an election after
 * `endpoint hashkv` first tells), or else `endpoint hashkv` naming the member; says which found it.
 * Once the member serves with the same hash as the others, nothing will: the fault is not in force.
 */
async function detect(ctx: FaultContext, member: MemberInfo): Promise<string> {
  const { corruptCheckMs } = ctx.cluster.spec.etcd;
  const { bootMs, leaderElectionMs, pollMs } = ctx.cluster.timeouts;
  let hashes: HashComparison | undefined;
  let hashkvToldAt: number | undefined;
  const byHashkv = (h: HashComparison) => `endpoint hashkv at revision ${h.revision}: ${member.name} hashes to ${h.hashes[member.name]}, the others to ${h.hashes[Object.keys(h.hashes).find((n) => n !== member.name) as string]}`;
  return waitFor(
    async () => {
      if (!(await ctx.runtime.inspect(member.containerId)).running) return `etcd refused to start: ${refusalLine(await ctx.runtime.logs(member.containerId))}`;
      hashes = (await compareHashes(ctx.cluster).catch(() => undefined)) ?? hashes;
      if (corruptCheckMs !== undefined) {
        const alarms = await corruptAlarms(ctx.cluster).catch(() => []);
        if (alarms.length > 0) {
          const named = alarms.flatMap((id) => ctx.cluster.members.find((m) => m.id === id)?.name ?? []);
          return `etcd's corruption check raised the CORRUPT alarm${named.length ? ` (for ${named.join(', ')})` : ''}: every write is refused${hashes?.odd.includes(member.name) ? `; ${byHashkv(hashes)}` : ''}`;
        }
      }
      if (hashes?.odd.includes(member.name)) {
        hashkvToldAt ??= Date.now();
        if (corruptCheckMs === undefined) return byHashkv(hashes);
        if (Date.now() - hashkvToldAt >= 2 * corruptCheckMs + leaderElectionMs) return `${byHashkv(hashes)} (etcd's corruption check raised no alarm in ${Math.round((Date.now() - hashkvToldAt) / 1000)} s)`;
      } else if (hashes && member.name in hashes.hashes && hashes.odd.length === 0) {
        throw new WaitEnded(new DrillError(`corrupt is not in force: ${member.name} serves with the same hash as every member (endpoint hashkv at revision ${hashes.revision}): no check can find its flipped bits`, { hint: 'flip more bits (bits: N), or corrupt the WAL (file: wal)' }));
      }
      return undefined;
    },
    { timeoutMs: bootMs + (corruptCheckMs !== undefined ? 2 * corruptCheckMs + leaderElectionMs : 0), intervalMs: pollMs, description: `the corruption of ${member.name} to be found (etcd refusing to start, its CORRUPT alarm, or endpoint hashkv)` },
  );
}

/** Stops the member, flips the bits in its copy of the file, starts it again. */
async function corruptMember(ctx: FaultContext, member: MemberInfo, file: 'db' | 'wal', bits: number, stash: string): Promise<CorruptedFile> {
  // Letters the rest of the file is unlikely to hold by chance, drawn from the seed.
  const probe = Array.from({ length: 24 }, () => PROBE_ALPHABET[ctx.random.int(PROBE_ALPHABET.length)]).join('');
  if (file === 'db') await writeProbe(ctx, member, probe);
  const { pid } = await ctx.runtime.inspect(member.containerId);
  const dataDir = await dataDirOf(pid);
  const path = file === 'db' ? join(dataDir, 'member', 'snap', 'db') : await newestWal(pid, dataDir);
  await ctx.runtime.stop(member.containerId, STOP_GRACE_SECONDS);
  const original = join(stash, `${member.name}-${file}`);
  let flips: Flip[] = [];
  try {
    const content = await ctx.runtime.copyFromContainer(member.containerId, path);
    await writeFile(original, content);
    flips = file === 'db' ? flipInValue(content, Buffer.from(probe), bits, ctx.random) : flipInWritten(content, bits, ctx.random);
    if (flips.length > 0) await ctx.runtime.copyToContainer(member.containerId, [{ target: path, content, mode: 0o600 }]);
  } finally {
    // Whatever failed on the way, the member is not left stopped.
    await ctx.runtime.start(member.containerId);
  }
  if (flips.length === 0) {
    throw new DrillError(`corrupt found nothing to flip in ${member.name}'s ${path}`, { hint: file === 'db' ? 'the probe value never reached its bbolt file: try again' : 'its WAL segment is empty' });
  }
  return { member: member.name, path, original, flips };
}

export const corrupt = defineFault({
  kind: 'corrupt',
  summary: "flip bits in a stopped member's data (a value in its bbolt file, or its WAL) and start it: found by etcd's corruption check, endpoint hashkv, or its refusal to start",
  defaultTarget: { kind: 'follower' },
  options: z
    .object({
      file: z.enum(['db', 'wal']).default('db'),
      bits: z.number().int().min(1, 'must be at least 1').max(64, 'must be at most 64').default(1),
    })
    .strict(),
  takesMembersDown: true,
  refuse: (input) => {
    refuseUnlessUp(input, 'corrupt');
    if (input.options.file === 'db' && input.cluster.members.length < 3) {
      throw new InvalidInputError(`corrupt file: db needs three members or more: rot in one copy is found by comparing it with the others (the cluster has ${input.cluster.members.length})`, { hint: 'use file: wal, which etcd finds at start' });
    }
  },
  inject: async (ctx, members, { file, bits }) => {
    const stash = join(ctx.cluster.stateDir, 'corrupt', `${members.map((m) => m.name).join('-')}-${Date.now()}`);
    await mkdir(stash, { recursive: true });
    const corrupted: CorruptedFile[] = [];
    const found: string[] = [];
    try {
      for (const member of members) {
        corrupted.push(await corruptMember(ctx, member, file, bits, stash));
        found.push(`${member.name}: ${await detect(ctx, member)}`);
      }
    } catch (err) {
      // Not in force (or half done): undone now, since nothing is recorded to heal it later.
      await restoreFiles(ctx, corrupted);
      await rm(stash, { recursive: true, force: true });
      throw err;
    }
    const flipped = corrupted.map((c) => `${c.flips.length} bit${c.flips.length === 1 ? '' : 's'} of ${c.member}'s ${c.path} (at byte ${c.flips.map((f) => f.offset).join(', ')})`).join('; ');
    return { undo: { corrupted, stash }, effect: `flipped ${flipped}; found — ${found.join('; ')}` };
  },
  heal: async (ctx, record) => {
    const { corrupted, stash } = record.undo as { corrupted: CorruptedFile[]; stash: string };
    await restoreFiles(ctx, corrupted);
    await rm(stash, { recursive: true, force: true });
    await ctx.cluster.waitForLeader();
    if ((await corruptAlarms(ctx.cluster)).length > 0) await ctx.cluster.etcdctl(['alarm', 'disarm']);
    await ctx.cluster.etcdctl(['del', '--prefix', CORRUPT_PROBE_PREFIX]);
    return 'the data put back as it was and the CORRUPT alarm disarmed; in production, replace the member (replace-member) and `alarm disarm`';
  },
});

/** Puts each file back as it was before the flips (etcd replays its WAL past it) and starts the member. */
async function restoreFiles(ctx: FaultContext, corrupted: CorruptedFile[]): Promise<void> {
  for (const c of corrupted) {
    const { containerId } = ctx.cluster.member(c.member);
    await ctx.runtime.stop(containerId, STOP_GRACE_SECONDS);
    try {
      await ctx.runtime.copyToContainer(containerId, [{ target: c.path, content: await readFile(c.original), mode: 0o600 }]);
    } finally {
      await ctx.runtime.start(containerId);
    }
  }
}
