import { spawn, execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { z } from 'zod';
import { DrillError, InvalidInputError, RuntimeUnavailableError, describeError } from '../errors.js';
import type { Cluster, MemberInfo } from '../topology/cluster.js';
import { quorumSize } from '../topology/leadership.js';
import { waitFor } from '../wait.js';
import { scrapeMember, syncsOver } from '../workload/operator-signals.js';
import { defineFault, type FaultContext } from './fault.js';
import { lastLogLine } from './etcd-log.js';
import { delayOptions, refuseJitterOverDelay } from './delay-options.js';
import { endHelpers, helperCommand } from './helper-process.js';
import { refuseUnlessUp } from './member-loss.js';
import { LOAD_PREFIX } from './starvation.js';
import { DISK_SYSCALLS, tracerArgs, type TracerPlan } from './syscall-tracer.js';

/**
 * Disks that stall and die, the failures that most often take etcd down in production: syncs that
 * take hundreds of milliseconds (the leader misses heartbeats, elections follow), and a sync or
 * write that fails with an I/O error (etcd stops at once). Each is strace on the member's etcd
 * process (syscall-tracer.ts), in force only once its effect is seen.
 */

const run = promisify(execFile);

async function requireStrace(): Promise<void> {
  await run('strace', ['-V']).catch(() => {
    throw new RuntimeUnavailableError('strace is not installed: the disk faults inject through it', { hint: 'run `npm run setup` (installs it on Debian/Ubuntu), or `apt-get install strace`' });
  });
}

/** Starts a tracer per member; returns their PIDs by member, for heal. */
async function attachTracers(ctx: FaultContext, members: MemberInfo[], planFor: (pid: number) => TracerPlan): Promise<Record<string, number>> {
  await requireStrace();
  const pids = await Promise.all(members.map(async (member) => (await ctx.runtime.inspect(member.containerId)).pid));
  for (const [i, pid] of pids.entries()) {
    const tracer = /^TracerPid:\s*(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (tracer && tracer !== '0') {
      throw new InvalidInputError(`${members[i]?.name}'s etcd is already traced (by process ${tracer}): a disk fault is in force on it`, { hint: 'heal that fault first (`etcd-drill heal --all`)' });
    }
  }
  const tracers: Record<string, number> = {};
  for (const [i, member] of members.entries()) {
    const pid = pids[i] as number;
    const [command, ...args] = helperCommand('syscall-tracer-main', tracerArgs(planFor(pid)));
    const child = spawn(command as string, args, { detached: true, stdio: 'ignore' });
    child.unref();
    if (child.pid === undefined) throw new RuntimeUnavailableError(`could not start the syscall tracer for ${member.name}`);
    tracers[member.name] = child.pid;
  }
  return tracers;
}

/** strace detaches on its way out: until it has exited the member's syscalls are still held. */
function detachTracers(ctx: FaultContext, tracers: Record<string, number>): Promise<void> {
  return endHelpers(Object.values(tracers), ctx.cluster.timeouts.requestMs, 'the syscall tracers to detach');
}

/** How long one put through `member` takes (a put waits for the member's own WAL sync before it answers). */
async function putThrough(cluster: Cluster, member: MemberInfo, key: string): Promise<number> {
  const client = cluster.client({ hosts: [member.endpoint], faultHandling: 'none' });
  try {
    const started = performance.now();
    await client.put(key).value(String(Date.now()));
    return Math.round(performance.now() - started);
  } finally {
    client.close();
  }
}

const SLOW_DISK_KEY = `${LOAD_PREFIX}slow-disk`;

export const slowDisk = defineFault({
  kind: 'slow-disk',
  summary: "delay each of the member's syncs (fdatasync, fsync: WAL appends and backend commits) by ms ± jitter, as a stalling disk does",
  defaultTarget: { kind: 'leader' },
  options: delayOptions(300),
  takesMembersDown: false,
  refuse: (input) => {
    refuseUnlessUp(input, 'slow the disk of');
    refuseJitterOverDelay(input.options, 'delay');
    if (input.views.filter((v) => v.up).length < quorumSize(input.views.length)) {
      throw new InvalidInputError('a slow disk shows on the writes through its member, and without quorum none commits', { hint: 'heal first (`etcd-drill heal --all`), then slow the disk' });
    }
  },
  inject: async (ctx, members, { ms, jitterMs }) => {
    // Right after another fault the cluster may still be electing: wait for a first put, as an operator would retry.
    const { leaderElectionMs, pollMs } = ctx.cluster.timeouts;
    const firstPut = (m: MemberInfo) => waitFor(() => putThrough(ctx.cluster, m, SLOW_DISK_KEY), { timeoutMs: leaderElectionMs, intervalMs: pollMs, description: `a put through ${m.name} before its disk is slowed` });
    const before = Object.fromEntries(await Promise.all(members.map(async (m) => [m.name, await firstPut(m)] as const)));
    const seed = ctx.random.int(2 ** 31);
    const tracers = await attachTracers(ctx, members, (pid) => ({ pid, syscalls: DISK_SYSCALLS.sync, delayMs: ms, jitterMs, seed }));
    const least = ms - jitterMs;
    const during: Record<string, string> = {};
    const seen: number[] = [];
    try {
      for (const member of members) {
        seen.length = 0;
        const counted = await scrapeMember(ctx.cluster, member.endpoint);
        // In force once etcd itself measures a WAL fsync that slow: a put through the member shows
        // it too unless leadership has moved on (a stall past the election timeout moves it).
        during[member.name] = await waitFor(
          async () => {
            seen.push(await putThrough(ctx.cluster, member, SLOW_DISK_KEY).catch(() => Number.NaN));
            const slow = syncsOver((await scrapeMember(ctx.cluster, member.endpoint)).walFsync, least);
            const slowBefore = syncsOver(counted.walFsync, least).count;
            return slow.count > slowBefore ? `etcd measured ${slow.count - slowBefore} WAL fsyncs over ${Math.round(slow.boundMs)} ms` : undefined;
          },
          // strace attaches within a moment; every commit then syncs its WAL.
          { timeoutMs: leaderElectionMs + 10 * (ms + jitterMs), intervalMs: pollMs, description: `etcd on ${member.name} to measure a WAL fsync of ${least} ms or more` },
        );
      }
    } catch (err) {
      // Not recorded, so nobody could heal it later: undo it now.
      await detachTracers(ctx, tracers);
      throw new DrillError(`slow-disk is not in force: ${describeError(err)}; puts through it took ${seen.map((t) => (Number.isNaN(t) ? 'failed' : t)).join(', ') || 'no answer'} ms`, { hint: 'the syscall tracer could not hold the syncs: may root ptrace the member (`strace -p PID`)?' });
    }
    const puts = members.map((m) => `${m.name}: ${during[m.name]}; a put through it ${before[m.name]} → ${seen.filter((t) => !Number.isNaN(t)).at(-1) ?? '?'} ms`).join('; ');
    return { undo: { tracers }, effect: `syncs delayed ${ms} ms${jitterMs ? ` ± ${jitterMs}` : ''}; ${puts}` };
  },
  heal: async (ctx, record) => {
    await detachTracers(ctx, record.undo.tracers as Record<string, number>);
    // The probe's key goes once the disk is fast again: under a stall past a request's deadline no
    // delete would commit in time. Through every endpoint, as another fault may have cut off one;
    // a key of ours that no check reads, so a cluster that cannot take the delete now keeps it.
    const client = ctx.cluster.client();
    try {
      const { leaderElectionMs, pollMs } = ctx.cluster.timeouts;
      await waitFor(async () => (await client.delete().key(SLOW_DISK_KEY), true), { timeoutMs: leaderElectionMs, intervalMs: pollMs, description: `the probe key ${SLOW_DISK_KEY} to be deleted` }).catch(() => undefined);
    } finally {
      client.close();
    }
    return undefined;
  },
});

function startAgain(ctx: FaultContext, names: string[]): Promise<unknown> {
  return Promise.all(names.map((name) => ctx.runtime.start(ctx.cluster.member(name).containerId)));
}

/** What etcd logged as it stopped for the failed disk, as "failed to commit tx: input/output error". */
export function ioErrorLine(logs: string): string | undefined {
  return lastLogLine(logs, (l) => /input\/output error/i.test(l));
}

export const diskFailure = defineFault({
  kind: 'disk-failure',
  summary: "fail the member's syncs (or writes) with an I/O error, at once or after N calls, as a dying disk does: etcd stops",
  defaultTarget: { kind: 'follower' },
  options: z.object({ syscalls: z.enum(['sync', 'write']).default('sync'), after: z.number().int().min(0).max(1_000_000).default(0) }).strict(),
  takesMembersDown: true,
  refuse: (input) => refuseUnlessUp(input, 'fail the disk of'),
  inject: async (ctx, members, { syscalls, after }) => {
    const tracers = await attachTracers(ctx, members, (pid) => ({ pid, syscalls: DISK_SYSCALLS[syscalls], error: 'EIO', after }));
    const targets = new Set(members.map((m) => m.name));
    // Writes make every member append to its WAL: the failing call comes with the first, or the (after+1)th.
    const through = ctx.cluster.members.filter((m) => !targets.has(m.name));
    const client = ctx.cluster.client({ hosts: (through.length ? through : ctx.cluster.members).map((m) => m.endpoint), faultHandling: 'none' });
    const stopped = async () => (await Promise.all(members.map(async (m) => !(await ctx.runtime.inspect(m.containerId)).running))).every(Boolean);
    let writes = 0;
    try {
      await waitFor(
        async () => {
          if (await stopped()) return true;
          // A write refused while the failing member was the leader is the fault taking hold: the next goes to the new one.
          await client.put(`${LOAD_PREFIX}disk-failure/${writes}`).value('x').catch(() => undefined);
          writes += 1;
          return undefined;
        },
        { timeoutMs: ctx.cluster.timeouts.leaderElectionMs + ctx.cluster.timeouts.requestMs * 5, intervalMs: 10, description: `${members.map((m) => m.name).join(', ')} to stop on the I/O error` },
      );
    } catch (err) {
      await detachTracers(ctx, tracers);
      throw new DrillError(`disk-failure is not in force: ${describeError(err)} (${writes} writes made)`, { hint: after > 0 ? 'lower --after: the writes did not reach that many calls' : 'may root ptrace the member (`strace -p PID`)?' });
    } finally {
      client.close();
    }
    const errors = await Promise.all(members.map(async (m) => ({ member: m.name, line: ioErrorLine(await ctx.runtime.logs(m.containerId)) })));
    const silent = errors.filter((e) => e.line === undefined).map((e) => e.member);
    if (silent.length > 0) {
      // Stopped, but not on the disk: not this fault's doing. Not recorded, so undone now.
      await detachTracers(ctx, tracers);
      await startAgain(ctx, members.map((m) => m.name));
      throw new DrillError(`disk-failure is not in force: ${silent.join(', ')} stopped without etcd's I/O error in the log`, { hint: `see \`etcd-drill member logs ${silent[0]}\`` });
    }
    return { undo: { tracers }, effect: `stopped on the failed disk after ${writes} writes — ${errors.map((e) => `${e.member}: ${e.line}`).join('; ')}` };
  },
  heal: async (ctx, record) => {
    await detachTracers(ctx, record.undo.tracers as Record<string, number>);
    // A new disk with the old data on it: etcd starts again where the failure left its WAL.
    await startAgain(ctx, record.members);
    await ctx.cluster.waitForLeader();
    await ctx.cluster.etcdctl(['del', '--prefix', `${LOAD_PREFIX}disk-failure/`]);
    return 'started again on its data, as on a repaired disk; in production, replace the member (replace-member)';
  },
});
