import { noop } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';
import { z } from 'zod';
import { describeError, InvalidInputError } from '../errors.js';
import { generateCa, issueClientCert, readTls } from '../topology/tls.js';
import { isWrite, showsAvailability } from '../workload/history.js';
import type { Workload } from '../workload/workload.js';
import { claimOf, type Cluster } from '../topology/cluster.js';
import { leaderOf } from '../topology/leadership.js';
import { keyHolds, keyHoldsArgs, putArgs, putCondition, quorumLeader } from './kv-conditions.js';
import { operatorSignals, signalArgs } from './signal-conditions.js';
import type { MemberCounters } from '../workload/operator-signals.js';

/**
 * Conditions a scenario waits for or expects. Each is polled until it holds or its timeout (derived
 * from the election timeout) runs out; the answer when it does not hold says why, for the report.
 */
export interface ConditionContext {
  cluster: Cluster;
  workload: Workload | undefined;
  /** When the step began: "writes fail" means writes started since then fail. */
  since: number;
  /** Who led before the latest fault, for `new-leader`. */
  leaderBeforeLastFault: string | undefined;
  /** Each member's counters as the run began, for `operator-signals`. */
  signalsBaseline?: Map<string, MemberCounters> | undefined;
}

/** `true` when the condition holds, else a short reason. */
export type Condition = (ctx: ConditionContext, args: Record<string, unknown>) => Promise<true | string>;

/** A registered condition: how it is judged, what it means, and the arguments a scenario may give it (checked before any cluster starts). */
export type DefinedCondition = Condition & { readonly args: z.ZodType<Record<string, unknown>>; readonly summary: string };

function defineCondition(judge: Condition, args: z.ZodType<Record<string, unknown>>, summary: string): DefinedCondition {
  return Object.assign(judge, { args, summary });
}

const NO_ARGS = z.object({}).strict();
const CLIENT_KINDS = ['no-cert', 'foreign-ca', 'expired', 'plain-http'] as const;

const leader: Condition = async ({ cluster }) => ((await cluster.leader()) ? true : 'no member is leader');

const newLeader: Condition = async ({ cluster, leaderBeforeLastFault }) => {
  const now = await cluster.leader();
  if (!now) return 'no member is leader';
  return now.name !== leaderBeforeLastFault ? true : `${now.name} still leads`;
};

/**
 * The workload's writes started since the step began, or `after` ms later ("writes still go on 3 s
 * into the fault"), those whose outcome shows availability (`showsAvailability`).
 */
function writesSince(ctx: ConditionContext, args: Record<string, unknown> = {}) {
  if (!ctx.workload) return undefined;
  const from = ctx.since + (typeof args.after === 'number' ? args.after : 0);
  return ctx.workload.history.operations.filter((o) => showsAvailability(o) && o.start >= from);
}

const writesSucceed: Condition = async (ctx, args) => {
  const puts = writesSince(ctx, args);
  if (puts) return puts.some((o) => o.ok) ? true : `no write acknowledged since the step began (${puts.length} tried)`;
  await ctx.cluster.client({ faultHandling: 'none' }).put('/etcd-drill/probe').value(String(Date.now()));
  return true;
};

/**
 * Judged on the writes that store data: etcd accepts a delete under the NOSPACE alarm (it frees
 * space), so a delete acknowledged then is no sign of a cluster taking writes. An acknowledged
 * delete without quorum is still caught, by the quorum-semantics check.
 */
const writesFail: Condition = async (ctx) => {
  const puts = writesSince(ctx)?.filter((o) => o.kind !== 'delete');
  if (puts) {
    const failed = puts.filter((o) => !o.ok);
    const acked = puts.filter((o) => o.ok);
    if (acked.length) return `${acked.length} writes were acknowledged since the step began`;
    return failed.length ? true : 'no write has failed yet';
  }
  try {
    await ctx.cluster.client({ faultHandling: 'none' }).put('/etcd-drill/probe').value(String(Date.now()));
    return 'a write was acknowledged';
  } catch {
    return true;
  }
};

/**
 * `workload-progress`: since the step began the workload has had at least `writes` writes
 * acknowledged and `reads` linearizable reads answered — how a scenario does enough work for its
 * checks' floors.
 */
const workloadProgress: Condition = async (ctx, args) => {
  if (!ctx.workload) throw new InvalidInputError('condition workload-progress needs the workload', { hint: 'remove `workload: false` from the scenario' });
  const wantWrites = typeof args.writes === 'number' ? args.writes : 0;
  const wantReads = typeof args.reads === 'number' ? args.reads : 0;
  const ops = ctx.workload.history.operations.filter((o) => o.start >= ctx.since && o.ok);
  const writes = ops.filter(isWrite).length;
  const reads = ops.filter((o) => o.kind === 'get' || o.kind === 'range').length;
  return writes >= wantWrites && reads >= wantReads ? true : `${writes} of ${wantWrites} writes acknowledged, ${reads} of ${wantReads} linearizable reads answered`;
};

const serializableReadsAnswer: Condition = async ({ cluster }) => {
  for (const member of cluster.members) {
    try {
      await cluster.client({ hosts: [member.endpoint], faultHandling: 'none' }).get('/registry/').serializable(true).string();
      return true;
    } catch {
      // try the next member
    }
  }
  return 'no member answers a serializable read';
};

/**
 * `members-healthy`: every member (or `count` of them) follows the one leader that a majority
 * follows. A member that answers but still follows an old leader (cut off a moment ago, or not yet
 * told of the new term after a heal) is not healthy.
 */
const membersHealthy: Condition = async ({ cluster }, args) => {
  const statuses = await cluster.status();
  const wanted = typeof args.count === 'number' ? args.count : statuses.length;
  const leader = leaderOf(statuses.map(claimOf));
  if (!leader) return `no leader a majority of the ${statuses.length} members follows`;
  const astray = statuses.filter((s) => !leader.followers.includes(s.name));
  const healthy = leader.followers.length;
  if (healthy >= wanted) return true;
  return `${healthy} of ${statuses.length} members follow ${leader.name}, ${wanted} wanted; ${astray.map((s) => `${s.name} ${s.leaderId ? `follows ${s.leaderId}` : s.error ?? 'knows no leader'}`).join(', ')}`;
};

async function alarms(cluster: Cluster): Promise<string> {
  return (await cluster.etcdctl(['alarm', 'list'])).stdout;
}

const alarm: Condition = async ({ cluster }, args) => {
  const name = typeof args.name === 'string' ? args.name : 'NOSPACE';
  return (await alarms(cluster)).includes(`alarm:${name}`) ? true : `no ${name} alarm`;
};

const noAlarm: Condition = async ({ cluster }) => {
  const raised = (await alarms(cluster)).trim();
  return raised ? `alarms raised: ${raised}` : true;
};

const HOUR = 3_600_000;

/** §2.4 of the runbooks: who must be refused, and etcd's own reason for refusing them. */
const clientRefused: Condition = async ({ cluster }, args) => {
  const kind = String(args.client ?? '');
  const tls = cluster.clientTls;
  const dir = cluster.tlsDir;
  if (!tls || !dir) return 'the cluster runs without TLS: nobody is refused';
  // Refused by a member that is up: a member that is down refuses everyone, which proves nothing.
  const statuses = await cluster.status();
  const up = statuses.find((st) => st.raftTerm !== undefined);
  if (!up) return 'no member answers, so no refusal can be judged';
  const member = cluster.member(up.name);
  const ca = (await readTls(dir, [])).ca;
  const now = Date.now();
  const clients: Record<string, () => Promise<{ hosts: string[]; credentials: IOptions['credentials'] }>> = {
    'no-cert': async () => ({ hosts: [member.endpoint], credentials: { rootCertificate: Buffer.from(tls.ca) } }),
    'foreign-ca': async () => {
      const cert = await issueClientCert(await generateCa('someone else'), { commonName: 'k8sclient', notBefore: new Date(now - HOUR), notAfter: new Date(now + HOUR) });
      return { hosts: [member.endpoint], credentials: { rootCertificate: Buffer.from(tls.ca), certChain: Buffer.from(cert.cert), privateKey: Buffer.from(cert.key) } };
    },
    expired: async () => {
      const cert = await issueClientCert(ca, { commonName: 'k8sclient', notBefore: new Date(now - 48 * HOUR), notAfter: new Date(now - 24 * HOUR) });
      return { hosts: [member.endpoint], credentials: { rootCertificate: Buffer.from(tls.ca), certChain: Buffer.from(cert.cert), privateKey: Buffer.from(cert.key) } };
    },
    'plain-http': async () => ({ hosts: [member.endpoint.replace('https://', 'http://')], credentials: undefined }),
  };
  const make = clients[kind];
  if (!make) throw new InvalidInputError(`unknown client '${kind}'`, { hint: `one of ${Object.keys(clients).join(', ')}` });
  const { hosts, credentials } = await make();
  const client = new Etcd3({
    hosts,
    ...(credentials ? { credentials } : {}),
    grpcOptions: { 'grpc.ssl_target_name_override': 'localhost' },
    dialTimeout: cluster.timeouts.requestMs,
    defaultCallOptions: () => ({ deadline: Date.now() + cluster.timeouts.requestMs }),
    faultHandling: { host: () => noop, global: noop },
  });
  try {
    await client.get('/registry/secrets').string();
    return `a ${kind} client was let in by ${member.name}`;
  } catch (err) {
    // The kind of refusal, as etcd gives it: a TLS alert for a certificate, a failed handshake for plain HTTP.
    const message = describeError(err);
    if (REFUSALS[kind]?.test(message)) return true;
    return `${member.name} refused the ${kind} client, but not for its certificate: ${message.split('\n')[0]}`;
  } finally {
    client.close();
  }
};

/** What a refusal of each kind of client looks like from the client's side. */
const REFUSALS: Record<string, RegExp> = {
  'no-cert': /bad certificate|certificate required|handshake/i,
  'foreign-ca': /bad certificate|unknown (authority|ca)|handshake/i,
  expired: /bad certificate|certificate (has )?expired|handshake/i,
  'plain-http': /UNAVAILABLE(?!.*ECONNREFUSED)|Connection dropped|protocol/i,
} satisfies Record<(typeof CLIENT_KINDS)[number], RegExp>;

export const CONDITIONS: ReadonlyMap<string, DefinedCondition> = new Map([
  ['client-refused', defineCondition(clientRefused, z.object({ client: z.enum(CLIENT_KINDS) }).strict(), 'every member refuses this kind of client (no certificate, a foreign CA, an expired certificate, plain HTTP) for that reason')],
  ['leader', defineCondition(leader, NO_ARGS, 'a majority of the members follow one leader')],
  ['new-leader', defineCondition(newLeader, NO_ARGS, 'a leader other than the one before the latest fault')],
  ['writes-succeed', defineCondition(writesSucceed, z.object({ after: z.number().int().min(0).optional() }).strict(), 'a write started since the step began (or `after` ms later) was acknowledged')],
  ['writes-fail', defineCondition(writesFail, NO_ARGS, 'writes that store data (deletes aside: etcd takes them under NOSPACE) started since the step began fail, and none is acknowledged')],
  ['serializable-reads-answer', defineCondition(serializableReadsAnswer, NO_ARGS, 'some member answers a serializable read (quorum or not)')],
  ['members-healthy', defineCondition(membersHealthy, z.object({ count: z.number().int().positive().optional() }).strict(), 'every member (or `count` of them) follows the leader a majority follows')],
  ['alarm', defineCondition(alarm, z.object({ name: z.enum(['NOSPACE', 'CORRUPT']).optional() }).strict(), 'etcd has raised this alarm (NOSPACE unless named)')],
  ['no-alarm', defineCondition(noAlarm, NO_ARGS, 'no alarm is raised')],
  ['workload-progress', defineCondition(workloadProgress, z.object({ writes: z.number().int().min(0).optional(), reads: z.number().int().min(0).optional() }).strict(), 'since the step began the workload had `writes` writes acknowledged and `reads` linearizable reads answered')],
  ['put', defineCondition(putCondition, putArgs, 'a put of `key` = `value` is acknowledged through the leader, or with `outcome: refused` no member acknowledges it')],
  ['key-holds', defineCondition(keyHolds, keyHoldsArgs, 'a linearizable read of `key` finds one of `values` (null: absent)')],
  ['operator-signals', defineCondition(operatorSignals, signalArgs as unknown as z.ZodType<Record<string, unknown>>, 'what etcd itself reports since the run began (its /metrics: wal-fsync-p99-ms, backend-commit-p99-ms, leader-changes, slow-applies, heartbeat-failures) is `atLeast` / `atMost` a bound, on the member showing the most (or `member`)')],
  ['quorum-leader', defineCondition(quorumLeader, NO_ARGS, 'a leader that a majority follows and no fault has cut off')],
]);

/**
 * Conditions on data: under `expect` they are judged on their first answer (once a leader can give one) — `expect` means now,
 * and a stale read must not be retried away. `wait-for` still polls them.
 */
export const JUDGED_ON_FIRST_ANSWER: ReadonlySet<string> = new Set(['put', 'key-holds', 'operator-signals']);

export function lookupCondition(name: string, registry: ReadonlyMap<string, Condition> = CONDITIONS): Condition {
  const condition = registry.get(name);
  if (!condition) throw new InvalidInputError(`unknown condition '${name}'`, { hint: `known conditions: ${[...registry.keys()].join(', ')}` });
  return condition;
}
