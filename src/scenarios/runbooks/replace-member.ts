import { z } from 'zod';
import { CommandFailedError, ConditionTimeoutError, DrillError, InvalidInputError } from '../../errors.js';
import { WaitEnded, waitFor } from '../../wait.js';
import { quorumSize } from '../../topology/leadership.js';
import { PEER_PORT, nextMemberName } from '../../topology/plan.js';
import { MEMBER_GONE, type Cluster } from '../../topology/cluster.js';
import { compareHashes, corruptAlarms } from '../../topology/corruption.js';
import { defineRunbook, type RunbookContext } from './runbook.js';

/**
 * §3 of the runbooks: find the failed member's ID from the healthy ones, `member remove` it,
 * `member add` a new one under a new unique name, start it with `initial-cluster-state=existing`
 * and the list etcd printed, then update the load balancer. Several failed: one at a time.
 *
 * The new member joins as a learner where etcd has them (3.4 and later): `member add --learner`,
 * start it, then `member promote` once it has caught up with the leader. Until then it does not
 * vote, so a new member that never starts or lags does not weigh on the quorum, as an added voting
 * member does (`path: voting`, the older way).
 */

interface ListedMember {
  ID: string | number;
  name: string;
  peerURLs: string[];
  isLearner?: boolean;
}

/** `member list` as the healthy members see it (the IDs in hex, as etcdctl prints them in tables). */
export async function listMembers(cluster: Cluster, via: string): Promise<{ id: string; name: string; isLearner: boolean }[]> {
  const { stdout } = await cluster.etcdctl(['member', 'list', '-w', 'json'], { member: via });
  const { members } = JSON.parse(stdout.replace(/"ID":(\d+)/g, '"ID":"$1"')) as { members: ListedMember[] };
  return members.map((m) => ({ id: BigInt(m.ID).toString(16), name: m.name, isLearner: m.isLearner === true }));
}

/** `member add` prints ETCD_INITIAL_CLUSTER="…" for the new member to start with. */
export function initialClusterFrom(output: string): string {
  const found = /ETCD_INITIAL_CLUSTER="([^"]+)"/.exec(output)?.[1];
  if (!found) throw new DrillError('`member add` printed no ETCD_INITIAL_CLUSTER', { hint: 'see its output in the timeline' });
  return found;
}

/** Adding first grows the cluster while the failed member still counts: refuse when that loses quorum. */
export function refuseAddFirst(size: number, healthy: number, failed: string): void {
  const quorum = quorumSize(size + 1);
  if (healthy < quorum) {
    throw new InvalidInputError(`adding before removing ${failed} would make ${size + 1} members with ${healthy} healthy: quorum needs ${quorum}`, {
      hint: 'remove the failed member first (order: remove-first, the default)',
    });
  }
}

/**
 * etcd's strict reconfiguration check refuses a membership change ("unhealthy cluster") until the
 * member asked has been connected to enough peers for its health interval (5 s): right after a
 * boot, a heal or a removal. A member that just died may also still count as connected until its
 * stream breaks. Both pass by themselves: an operator retries, and so do we, bounded.
 */
const ETCD_HEALTH_INTERVAL_MS = 5_000;
const PASSING_REFUSAL = /unhealthy cluster|not enough started members/;
/** etcd refuses to promote a learner that has not caught up with the leader (90 % of its log): it passes as the learner catches up. */
const NOT_CAUGHT_UP = /can only promote a learner member which is in sync with leader/;
const TOO_MANY_LEARNERS = /too many learner members in cluster/;

/** Learners came with etcd 3.4. */
export function hasLearners(etcdVersion: string): boolean {
  const [major = 0, minor = 0] = etcdVersion.replace(/^v/, '').split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 4);
}

/** How one membership change is retried: which refusals pass by themselves, for how long, and what to say when they outlast it. */
interface Retry {
  /** Refusals that pass by themselves; any other ends the wait at once. */
  passing: RegExp;
  timeoutMs: number;
  /** Turns a refusal that outlasted the bound into an error that says why. */
  explain: (refusal: ConditionTimeoutError) => Promise<Error>;
  /** Asked at each passing refusal: an error ends the wait at once, when waiting cannot help. */
  atRefusal?: () => Promise<Error | undefined>;
}

/** Runs one `member add|remove|promote` through `via`, retried while etcd refuses it for a reason that passes. */
async function reconfigure(ctx: RunbookContext, via: string, args: string[], retry: Retry): Promise<string> {
  return waitFor(
    async () => {
      const result = await ctx.cluster.etcdctl(args, { member: via, allowFailure: true });
      if (result.exitCode === 0) return result.stdout;
      const said = result.stderr + result.stdout;
      if (TOO_MANY_LEARNERS.test(said)) {
        throw new WaitEnded(new DrillError(`etcd refuses \`${args.join(' ')}\`: the cluster already has a learner (etcd admits one at a time)`, { hint: 'promote that learner (`member promote ID`) or remove it, then replace again' }));
      }
      if (!retry.passing.test(said)) throw new WaitEnded(new CommandFailedError(result.command, result.exitCode, result.stderr || result.stdout));
      const cannotPass = await retry.atRefusal?.();
      if (cannotPass) throw new WaitEnded(cannotPass);
      return undefined;
    },
    { timeoutMs: retry.timeoutMs, intervalMs: 500, description: `etcd to accept \`${args.join(' ')}\`` },
  ).catch(async (err: unknown) => {
    throw err instanceof ConditionTimeoutError ? await retry.explain(err) : err;
  });
}

/** How long etcd's strict reconfiguration check may refuse a change that will pass: its health interval, twice, and an election. */
function reconfigureBoundMs(ctx: RunbookContext): number {
  return 2 * ETCD_HEALTH_INTERVAL_MS + ctx.cluster.timeouts.leaderElectionMs;
}

/**
 * The voting members etcd lists that do not answer as healthy — while any is one, etcd admits no
 * new member — and of those the ones that cannot come back by themselves: their container is gone,
 * or this cluster no longer counts them (forgotten, never started).
 */
async function unreachableMembers(ctx: RunbookContext, via: string): Promise<{ unreachable: string[]; gone: string[] }> {
  // etcd's own member list, not the handle's: a member etcd still counts blocks the add.
  const statuses = new Map((await ctx.cluster.status()).map((s) => [s.name, s]));
  const listed = (await listMembers(ctx.cluster, via)).filter((m) => !statuses.get(m.name)?.healthy);
  const named = (m: { id: string; name: string }) => m.name || `the unstarted member ${m.id}`;
  return { unreachable: listed.map(named), gone: listed.filter((m) => !statuses.has(m.name) || statuses.get(m.name)?.error === MEMBER_GONE).map(named) };
}

/** `member add` prints "Member 8e9e05c52164694d added to cluster …". */
export function addedMemberId(output: string): string {
  const found = /Member\s+([0-9a-f]+)\s+added/.exec(output)?.[1];
  if (!found) throw new DrillError('`member add` printed no member ID', { hint: 'see its output in the timeline' });
  return found;
}

/**
 * `member promote` of the learner, retried while etcd says it has not caught up yet, for as long as
 * a member may take to boot (a large store reaches it as a snapshot): what it took, and how often
 * etcd refused it as not in sync.
 */
async function promoteLearner(ctx: RunbookContext, via: string, name: string, id: string): Promise<{ ms: number; refusals: number }> {
  const started = Date.now();
  let refusals = 0;
  await reconfigure(ctx, via, ['member', 'promote', id], {
    passing: NOT_CAUGHT_UP,
    timeoutMs: ctx.cluster.timeouts.bootMs,
    atRefusal: async () => {
      refusals += 1;
      return undefined;
    },
    explain: async () =>
      new DrillError(`etcd refused \`member promote ${id}\` (${name}) ${refusals} times in ${Math.round((Date.now() - started) / 1000)} s: the learner never caught up with the leader ("can only promote a learner member which is in sync with leader")`, {
        hint: `see \`etcd-drill member logs ${name}\`: a learner that cannot reach its peers or keep up never catches up; remove it (\`member remove ${id}\`) and add it again`,
      }),
  });
  return { ms: Date.now() - started, refusals };
}

type AddPath = 'learner' | 'voting';

/** `member add`; when etcd refuses it for a member that cannot come back, or never accepts it, the error names the members that block it. */
async function addMember(ctx: RunbookContext, via: string, name: string, path: AddPath): Promise<string> {
  const scheme = ctx.cluster.spec.tls ? 'https' : 'http';
  const blockedBy = (members: string[]) =>
    new DrillError(
      `etcd refuses \`member add ${name}\` ("unhealthy cluster") while ${members.join(', ')} ${members.length === 1 ? 'is' : 'are'} unreachable: its strict reconfiguration check admits no new member until every voting member is connected`,
      { hint: `\`member remove\` ${members.join(', ')} first (order: remove-first), then add` },
    );
  const stdout = await reconfigure(ctx, via, ['member', 'add', name, `--peer-urls=${scheme}://${name}:${PEER_PORT}`, ...(path === 'learner' ? ['--learner'] : [])], {
    passing: PASSING_REFUSAL,
    timeoutMs: reconfigureBoundMs(ctx),
    explain: async (refusal) => {
      const { unreachable } = await unreachableMembers(ctx, via);
      return unreachable.length === 0 ? refusal : blockedBy(unreachable);
    },
    atRefusal: async () => {
      const { gone } = await unreachableMembers(ctx, via);
      return gone.length === 0 ? undefined : blockedBy(gone);
    },
  });
  await ctx.cluster.startAddedMember(name, initialClusterFrom(stdout));
  const promoted = path === 'learner' ? await promoteLearner(ctx, via, name, addedMemberId(stdout)) : undefined;
  // Promoted as etcd itself lists it, not as a command's exit said: a learner never votes, and the
  // cluster would be a member short of the quorum it seems to have.
  if ((await listMembers(ctx.cluster, via)).find((m) => m.name === name)?.isLearner) {
    throw new DrillError(`${name} is still a learner after \`member promote\`: etcd lists it with isLearner, so it does not vote`, { hint: `promote it (\`member promote ${addedMemberId(stdout)}\`) once it has caught up` });
  }
  // One at a time: the next change waits until this member counts toward quorum.
  await ctx.cluster.waitForMemberToFollow(name);
  return promoted ? `as a learner, promoted after ${(promoted.ms / 1000).toFixed(1)} s${promoted.refusals ? ` (${promoted.refusals} refused as not yet in sync)` : ''}` : 'as a voting member';
}

/** `member remove`; when etcd never accepts it, the error says which members it counts as unreachable. */
async function removeMember(ctx: RunbookContext, via: string, name: string, id: string): Promise<void> {
  await reconfigure(ctx, via, ['member', 'remove', id], {
    passing: PASSING_REFUSAL,
    timeoutMs: reconfigureBoundMs(ctx),
    explain: async () => {
      const { unreachable } = await unreachableMembers(ctx, via);
      return new DrillError(
        `etcd refused \`member remove ${id}\` (${name}) for ${Math.round(reconfigureBoundMs(ctx) / 1000)} s as "unhealthy cluster": removing it would leave fewer than a quorum of the other members connected to ${via}${unreachable.length ? ` (unreachable: ${unreachable.join(', ')})` : ''}`,
        { hint: 'bring the unreachable members back (heal) or restore from a backup; then replace' },
      );
    },
  });
}

/**
 * etcd refuses every write while its CORRUPT alarm is raised, also once the rotten member is gone:
 * the operator disarms it, but only when every member's hash now agrees.
 */
async function disarmCorruptAlarm(ctx: RunbookContext): Promise<string> {
  if ((await corruptAlarms(ctx.cluster)).length === 0) return '';
  const hashes = await compareHashes(ctx.cluster);
  if (hashes && hashes.odd.length > 0) {
    throw new DrillError(`the CORRUPT alarm stays: endpoint hashkv at revision ${hashes.revision} still differs on ${hashes.odd.join(', ')}`, { hint: 'replace those members too (member: NAME), then `etcdctl alarm disarm`' });
  }
  await ctx.cluster.etcdctl(['alarm', 'disarm']);
  return '; CORRUPT alarm disarmed, every hash agreeing';
}

export const replaceMember = defineRunbook({
  name: 'replace-member',
  summary: 'member remove the failed member (down, or serving data whose endpoint hashkv differs from the majority), member add a new one on empty data (a learner, promoted once caught up, where etcd has learners; path: voting adds a voting member), start it with initial-cluster-state=existing, update the load balancer, disarm a CORRUPT alarm once every hash agrees',
  options: z
    .object({
      member: z.string().optional(),
      order: z.enum(['remove-first', 'add-first']).default('remove-first'),
      /** learner: `member add --learner`, then `member promote` once caught up (etcd ≥ 3.4, the default there); voting: `member add` as a voting member. */
      path: z.enum(['learner', 'voting']).optional(),
    })
    .strict(),
  run: async (ctx, options) => {
    const etcdVersion = ctx.cluster.image.version;
    if (options.path === 'learner' && !hasLearners(etcdVersion)) {
      throw new InvalidInputError(`path: learner needs etcd 3.4 or later; this image runs etcd ${etcdVersion}`, { hint: 'use path: voting, or an image of etcd 3.4+' });
    }
    const path: AddPath = options.path ?? (hasLearners(etcdVersion) ? 'learner' : 'voting');
    // Right after the leader fails its followers still name it until their election timeout, so
    // they look healthy while `member remove` cannot commit: wait for a leader first.
    await ctx.cluster.waitForLeader();
    const statuses = await ctx.cluster.status();
    // A member whose data rotted serves and looks healthy: `endpoint hashkv` against the others tells.
    const corrupted = options.member ? [] : ((await compareHashes(ctx.cluster).catch(() => undefined))?.odd ?? []);
    const healthy = statuses.filter((s) => s.healthy && !corrupted.includes(s.name)).map((s) => s.name);
    const via = healthy[0];
    if (!via) throw new DrillError('no healthy member left to run the replacement from', { hint: 'with quorum lost for good, restore from a backup instead' });
    const failed = options.member ? [options.member] : statuses.filter((s) => !healthy.includes(s.name)).map((s) => s.name);
    // A replacement cut short after its removal (etcd refused the add) is finished by the next one.
    const removedEarlier = Math.max(0, ctx.cluster.spec.members - statuses.length);
    if (failed.length === 0 && removedEarlier === 0) return { summary: 'no member has failed: nothing to replace' };
    if (healthy.length < quorumSize(statuses.length)) {
      throw new DrillError(`only ${healthy.length} of ${statuses.length} members are healthy: membership cannot change without quorum`, { hint: 'restore from a backup instead' });
    }
    const listed = await listMembers(ctx.cluster, via);
    const taken = [...ctx.cluster.members.map((m) => m.name), ...listed.map((m) => m.name)];
    const idOf = (name: string) => listed.find((m) => m.name === name)?.id;
    const remove = async (name: string) => {
      const id = idOf(name);
      if (id) await removeMember(ctx, via, name, id);
      await ctx.cluster.forgetMember(name);
    };
    const replaced: string[] = [];
    const addNext = async (name: string) => {
      const newName = nextMemberName(taken);
      taken.push(newName);
      replaced.push(`${name} → ${newName} ${await addMember(ctx, via, newName, path)}`);
    };
    if (options.order === 'add-first') {
      for (const name of failed) {
        refuseAddFirst(ctx.cluster.members.length, (await ctx.cluster.status()).filter((s) => s.healthy).length, name);
        await addNext(name);
        await remove(name);
      }
    } else {
      // Every failed member goes first: while one of them is still a voting member, etcd refuses
      // any `member add`; each removal keeps quorum, since the removed are down already.
      for (const name of failed) await remove(name);
      for (const name of failed) await addNext(name);
    }
    for (let i = 0; i < removedEarlier; i += 1) await addNext('a member removed earlier');
    await ctx.cluster.waitForLeader();
    await ctx.cluster.reloadLoadBalancer();
    const disarmed = await disarmCorruptAlarm(ctx);
    return { summary: `replaced ${replaced.join(', ')}${corrupted.length ? ` (${corrupted.join(', ')}: corrupted, its hash differed from the others')` : ''}${disarmed}` };
  },
});
