import { randomBytes } from 'node:crypto';
import { DrillError, InvalidInputError, describeError } from '../errors.js';
import { Random, randomSeed } from '../random.js';
import { claimOf, type Cluster } from '../topology/cluster.js';
import { leaderOf } from '../topology/leadership.js';
import type { FaultContext, FaultRecord } from './fault.js';
import { addToLedger, readLedger, removeFromLedger } from './ledger.js';
import { lookupFault } from './registry.js';
import { formatTarget, parseTarget, resolveTarget, type MemberView, type Target } from './target.js';

export function faultContext(cluster: Cluster, options: { seed?: number } = {}): FaultContext {
  return { cluster, runtime: cluster.containers, random: new Random(options.seed ?? randomSeed()), events: cluster.eventBus };
}

/**
 * Each member as target resolution sees it, read just before a fault acts: up means its process
 * runs unfrozen and no fault in force has cut it off; the leader is `leaderOf` the statuses.
 */
export async function memberViews(ctx: FaultContext): Promise<MemberView[]> {
  const [statuses, ledger] = await Promise.all([ctx.cluster.status(), readLedger(ctx.cluster)]);
  const cutOff = new Set(ledger.filter((r) => r.takesMembersDown).flatMap((r) => r.members));
  const leader = leaderOf(statuses.map(claimOf));
  return Promise.all(
    ctx.cluster.members.map(async (member) => {
      const state = await ctx.runtime.inspect(member.containerId).catch(() => undefined);
      const running = state !== undefined && state.running && !state.paused;
      return { name: member.name, up: running && !cutOff.has(member.name), isLeader: member.name === leader?.name };
    }),
  );
}

export interface FaultRequest {
  kind: string;
  target?: Target | string | undefined;
  options?: Record<string, unknown> | undefined;
}

/** Validates, resolves the target on the live cluster, injects, records. Refusals touch nothing. */
export async function injectFault(ctx: FaultContext, request: FaultRequest): Promise<FaultRecord> {
  const fault = lookupFault(request.kind);
  const parsed = fault.options.safeParse(request.options ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
    throw new InvalidInputError(`fault ${fault.kind}: ${problems}`, { hint: `\`etcd-drill fault ${fault.kind} --help\` lists its options` });
  }
  const options = parsed.data;
  const target = typeof request.target === 'string' ? parseTarget(request.target) : (request.target ?? fault.defaultTarget);
  const views = await memberViews(ctx);
  const names = resolveTarget(target, views, ctx.random);
  fault.refuse?.({ members: names, views, cluster: ctx.cluster, options });
  const members = names.map((n) => ctx.cluster.member(n));
  const startedAt = Date.now();
  const injection = await fault.inject(ctx, members, options);
  const injectedAt = Date.now();
  const record: FaultRecord = {
    id: `${fault.kind}-${randomBytes(3).toString('hex')}`,
    kind: fault.kind,
    target: formatTarget(target),
    members: injection.members ?? names,
    options,
    startedAt,
    injectedAt,
    clusterSize: ctx.cluster.members.length,
    leaderBefore: views.find((v) => v.isLeader)?.name,
    takesMembersDown: fault.takesMembersDown,
    undo: injection.undo ?? {},
    effect: injection.effect,
  };
  if (!fault.instant) await addToLedger(ctx.cluster, record);
  ctx.events.emit({ type: 'fault.injected', cluster: ctx.cluster.name, id: record.id, kind: record.kind, target: record.target, members: record.members, takesMembersDown: record.takesMembersDown, effect: record.effect });
  return record;
}

export async function healFault(ctx: FaultContext, id: string): Promise<FaultRecord> {
  const record = (await readLedger(ctx.cluster)).find((r) => r.id === id);
  if (!record) {
    const known = (await readLedger(ctx.cluster)).map((r) => r.id);
    throw new InvalidInputError(`no fault '${id}' is in force on '${ctx.cluster.name}'`, { hint: known.length ? `in force: ${known.join(', ')}` : 'nothing to heal' });
  }
  const healStartedAt = Date.now();
  // A member replaced since (replace-member took it out of the cluster) has nothing left to heal.
  const present = record.members.filter((name) => ctx.cluster.members.some((m) => m.name === name));
  const replaced = record.members.filter((name) => !present.includes(name));
  const gone = replaced.length ? `${replaced.join(', ')} replaced since: nothing to heal there` : undefined;
  const note = present.length === 0 && replaced.length > 0 ? gone : [await lookupFault(record.kind).heal(ctx, { ...record, members: present }), gone].filter(Boolean).join('; ') || undefined;
  await removeFromLedger(ctx.cluster, id);
  ctx.events.emit({ type: 'fault.healed', cluster: ctx.cluster.name, id, kind: record.kind, members: record.members, note, healStartedAt });
  return record;
}

/** Heals every fault in force, newest first (a pause on top of a CPU limit unwinds in order). */
export interface HealFailure {
  record: FaultRecord;
  error: string;
}

/** Some faults in force could not be undone; each is named with its id and why. */
export class HealFailedError extends DrillError {
  constructor(failed: HealFailure[], hint: string) {
    super(`could not heal ${failed.map((f) => `${f.record.kind} ${f.record.id} (${f.error})`).join('; ')}`, { hint });
  }
}

export async function healAll(ctx: FaultContext): Promise<{ healed: FaultRecord[]; failed: HealFailure[] }> {
  const records = (await readLedger(ctx.cluster)).sort((a, b) => b.injectedAt - a.injectedAt);
  const healed: FaultRecord[] = [];
  const failed: HealFailure[] = [];
  for (const record of records) {
    try {
      healed.push(await healFault(ctx, record.id));
    } catch (err) {
      failed.push({ record, error: describeError(err) });
    }
  }
  return { healed, failed };
}
