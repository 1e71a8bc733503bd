import { z } from 'zod';
import { DrillError } from '../../errors.js';
import { formatBytes } from '../../event-lines.js';
import type { Cluster, MemberStatus } from '../../topology/cluster.js';
import { waitFor } from '../../wait.js';
import { writeImpact, type WriteImpact } from '../../workload/samples.js';
import { defineRunbook, type RunbookContext } from './runbook.js';

/**
 * Defragmentation under load. A member defragmenting its backend stops applying, and answering,
 * until it is done: on the leader that stalls every write and lease renewal, so teams defragment
 * the followers first, one at a time, and move leadership away before the leader's turn
 * (kubernetes/kubernetes#93280). The strategies, to compare under the same load:
 * - all-at-once: every member at the same time (what `etcdctl defrag --cluster` in a loop of
 *   parallel jobs does): the cluster stalls as a whole;
 * - followers-first: the followers one after another, then the leader;
 * - move-leader (the default): the followers first, then `move-leader` to one of them, then the
 *   former leader, a follower by then.
 */
export const DEFRAG_STRATEGIES = ['all-at-once', 'followers-first', 'move-leader'] as const;
export type DefragStrategy = (typeof DEFRAG_STRATEGIES)[number];

/** What a defragmentation did and cost: for the summary, the metrics and the bench's table. */
export interface DefragOutcome {
  strategy: DefragStrategy;
  /** Members in the order they were defragmented (all-at-once: as they finished). */
  order: string[];
  movedLeader: { from: string; to: string } | undefined;
  durationMs: number;
  dbBytesBefore: number;
  dbBytesAfter: number;
  /** Raft terms that passed meanwhile, beyond the one move-leader takes: elections nobody asked for. */
  elections: number;
  /** What the API servers' writes saw meanwhile; undefined without a workload. */
  writes: WriteImpact | undefined;
}

const totalDbBytes = (statuses: MemberStatus[]) => statuses.reduce((sum, s) => sum + (s.dbSizeBytes ?? 0), 0);
const highestTerm = (statuses: MemberStatus[]) => Math.max(0, ...statuses.map((s) => s.raftTerm ?? 0));

/** Compacts the key space to its current revision, as operators do before defragmenting, so the old revisions' pages come free. */
async function compact(cluster: Cluster, via: string): Promise<void> {
  const { stdout } = await cluster.etcdctl(['endpoint', 'status', '-w', 'json'], { member: via });
  const revision = (JSON.parse(stdout) as { Status: { header: { revision: number } } }[])[0]?.Status.header.revision;
  if (!revision) return;
  const result = await cluster.etcdctl(['compaction', String(revision)], { member: via, allowFailure: true });
  // Compacted to that revision already (by etcd's auto-compaction or an earlier step): nothing more to free.
  if (result.exitCode !== 0 && !/required revision has been compacted/.test(result.stderr + result.stdout)) {
    throw new DrillError(`\`etcdctl compaction ${revision}\` failed: ${(result.stderr || result.stdout).trim()}`, { hint: 'see the timeline' });
  }
}

/** `etcdctl move-leader` through the leader, then waits until the members follow `to`. */
async function moveLeader(ctx: RunbookContext, from: string, to: string): Promise<void> {
  await ctx.cluster.etcdctl(['move-leader', ctx.cluster.member(to).id], { member: from });
  let leading: string | undefined;
  await waitFor(
    async () => {
      leading = (await ctx.cluster.leader())?.name;
      return leading === to ? true : undefined;
    },
    { timeoutMs: ctx.cluster.timeouts.leaderElectionMs, intervalMs: ctx.cluster.timeouts.pollMs, description: `${to} to lead after \`move-leader\` from ${from}` },
  ).catch(() => {
    // Defragmenting the member that still leads would stall every write: stop here instead.
    throw new DrillError(`${leading ?? 'no member'} still leads ${Math.round(ctx.cluster.timeouts.leaderElectionMs / 1000)} s after \`move-leader\` from ${from} to ${to}: ${from} was not defragmented, as it would stall every write while leading`, {
      hint: 'see the timeline for move-leader\'s answer; etcd moves leadership only to a follower that has caught up',
    });
  });
}

/** Defragments every member by `strategy`; what it cost the load is measured over exactly its span. */
async function defragment(ctx: RunbookContext, strategy: DefragStrategy, options: { compact: boolean }): Promise<DefragOutcome> {
  const { cluster } = ctx;
  const leader = (await cluster.waitForLeader()).name;
  if (options.compact) await compact(cluster, leader);
  const before = await cluster.status();
  const unhealthy = before.filter((s) => !s.healthy).map((s) => s.name);
  if (unhealthy.length > 0) throw new DrillError(`cannot defragment ${unhealthy.join(', ')}: not healthy`, { hint: 'heal or replace those members first' });
  const followers = before.filter((s) => s.name !== leader).map((s) => s.name);
  // A defrag holds the member until it is done: its etcdctl may wait far longer than a request.
  const commandTimeoutMs = cluster.timeouts.bootMs;
  const order: string[] = [];
  const defragOne = async (name: string) => {
    await cluster.etcdctl(['defrag', `--command-timeout=${Math.ceil(commandTimeoutMs / 1000)}s`], { member: name, timeoutMs: commandTimeoutMs + 5_000 });
    order.push(name);
  };
  let movedLeader: DefragOutcome['movedLeader'];
  const started = Date.now();
  if (strategy === 'all-at-once') {
    await Promise.all(before.map((s) => defragOne(s.name)));
  } else {
    for (const follower of followers) await defragOne(follower);
    const successor = followers[0];
    if (strategy === 'move-leader' && successor) {
      await moveLeader(ctx, leader, successor);
      movedLeader = { from: leader, to: successor };
    }
    await defragOne(leader);
  }
  const ended = Date.now();
  const after = await cluster.status();
  return {
    strategy,
    order,
    movedLeader,
    durationMs: ended - started,
    dbBytesBefore: totalDbBytes(before),
    dbBytesAfter: totalDbBytes(after),
    elections: Math.max(0, highestTerm(after) - highestTerm(before) - (movedLeader ? 1 : 0)),
    writes: ctx.workload ? writeImpact(ctx.workload.history.operations, started, ended) : undefined,
  };
}

/** "312 writes acknowledged (0 failed), p99 45 ms, longest gap 210 ms". */
function describeWrites(writes: WriteImpact): string {
  return `${writes.acknowledged} writes acknowledged (${writes.failed} failed), p99 ${writes.p99Ms === undefined ? '-' : `${Math.round(writes.p99Ms)} ms`}, longest gap ${writes.longestGapMs} ms`;
}

/** The bounds a scenario asserts on a defragmentation; each one exceeded fails the step, with what was seen. */
const bounds = z
  .object({
    writeP99Ms: z.number().positive().optional(),
    longestGapMs: z.number().positive().optional(),
    elections: z.number().int().nonnegative().optional(),
  })
  .strict();

export function exceededBounds(outcome: DefragOutcome, limits: z.infer<typeof bounds>): string[] {
  const found: string[] = [];
  const { writes } = outcome;
  if (limits.elections !== undefined && outcome.elections > limits.elections) found.push(`${outcome.elections} elections (at most ${limits.elections})`);
  if ((limits.writeP99Ms !== undefined || limits.longestGapMs !== undefined) && !writes) found.push('no API servers ran: the write bounds cannot be judged');
  if (writes && limits.writeP99Ms !== undefined && (writes.p99Ms ?? Number.POSITIVE_INFINITY) > limits.writeP99Ms) found.push(`write p99 ${writes.p99Ms === undefined ? 'unknown (no write acknowledged)' : `${Math.round(writes.p99Ms)} ms`} (at most ${limits.writeP99Ms} ms)`);
  if (writes && limits.longestGapMs !== undefined && writes.longestGapMs > limits.longestGapMs) found.push(`a ${writes.longestGapMs} ms gap between acknowledged writes (at most ${limits.longestGapMs} ms)`);
  return found;
}

export const defrag = defineRunbook({
  name: 'defrag',
  summary: 'compact, then defragment every member: all at once, followers first, or followers first with move-leader before the leader’s turn (default); reports the writes’ p99, longest gap and elections meanwhile',
  options: z
    .object({
      strategy: z.enum(DEFRAG_STRATEGIES).default('move-leader'),
      /** Compact to the current revision first, so the old revisions' pages come free. */
      compact: z.boolean().default(true),
      /** Fail the step when the defragmentation cost more than this. */
      bounds: bounds.optional(),
    })
    .strict(),
  run: async (ctx, options) => {
    const outcome = await defragment(ctx, options.strategy, { compact: options.compact });
    const how = outcome.movedLeader ? `${outcome.order.slice(0, -1).join(', ')}, then leadership ${outcome.movedLeader.from} → ${outcome.movedLeader.to}, then ${outcome.order.at(-1)}` : outcome.order.join(options.strategy === 'all-at-once' ? ' + ' : ', ');
    const summary = `${options.strategy}: defragmented ${how} in ${(outcome.durationMs / 1000).toFixed(1)} s; databases ${formatBytes(outcome.dbBytesBefore)} → ${formatBytes(outcome.dbBytesAfter)}; ${outcome.elections} elections${outcome.writes ? `; ${describeWrites(outcome.writes)}` : ''}`;
    const exceeded = options.bounds ? exceededBounds(outcome, options.bounds) : [];
    if (exceeded.length > 0) throw new DrillError(`the defragmentation cost more than its bounds: ${exceeded.join('; ')} — ${summary}`, { hint: 'defragment the followers first and move leadership away before the leader’s turn (strategy: move-leader)' });
    return {
      summary,
      // Keyed by strategy: a scenario comparing them keeps each one's figures in its report.
      metrics: Object.fromEntries(
        Object.entries({
          ms: outcome.durationMs,
          dbBytesBefore: outcome.dbBytesBefore,
          dbBytesAfter: outcome.dbBytesAfter,
          elections: outcome.elections,
          ...(outcome.writes ? { writeP99Ms: Math.round(outcome.writes.p99Ms ?? -1), longestGapMs: outcome.writes.longestGapMs, failedWrites: outcome.writes.failed } : {}),
        }).map(([name, value]) => [`defrag.${options.strategy}.${name}`, value]),
      ),
    };
  },
});
