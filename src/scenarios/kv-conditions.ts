import { z } from 'zod';
import { ConditionViolatedError, describeError, InvalidInputError } from '../errors.js';
import { readLedger } from '../faults/ledger.js';
import { quorumSize } from '../topology/leadership.js';
import { claimOf, type Cluster, type MemberStatus } from '../topology/cluster.js';
import { leaderOf } from '../topology/leadership.js';
import type { Condition } from './conditions.js';
import { waitFor } from '../wait.js';

/**
 * Conditions on single keys, so that a scenario can say what a property drill checked: a given put
 * is acknowledged (or refused, while quorum is lost), a key holds one of the values a model allows.
 *
 * ```yaml
 * - expect: { condition: put, key: /fuzz/k0, value: '3' }                    # acknowledged (polled until it is)
 * - expect: { condition: put, key: /fuzz/k0, value: '4', outcome: refused }  # no member may acknowledge it
 * - expect: { condition: key-holds, key: /fuzz/k0, values: ['3', '4'] }      # null in the list: absent
 * ```
 */

/** How a client saw one put: acknowledged at a revision, or not (refused, timed out: it may still apply). */
export type PutOutcome = { acked: true; revision: number } | { acked: false; error: string };

/** Sends one put to one member and says how it ended: what the `put` condition judges by. */
async function recordPut(cluster: Cluster, endpoint: string, key: string, value: string): Promise<PutOutcome> {
  const client = cluster.client({ hosts: [endpoint], faultHandling: 'none' });
  try {
    const response = await client.put(key).value(value).exec();
    return { acked: true, revision: Number(response.header.revision) };
  } catch (err) {
    return { acked: false, error: describeError(err) };
  } finally {
    client.close();
  }
}

function stringArg(args: Record<string, unknown>, name: string, condition: string): string {
  const value = args[name];
  if (typeof value !== 'string' || value === '') {
    throw new InvalidInputError(`condition ${condition} needs \`${name}\` as text`, { hint: `e.g. { condition: ${condition}, key: /fuzz/k0, value: '1' }` });
  }
  return value;
}

/**
 * Members that answered a status call (they run and are not frozen), and the leader a majority of
 * the members follow, unless a fault in force has cut it off: a leader isolated from its peers is
 * still named by its followers until their election timeout, yet can commit nothing.
 */
async function answering(cluster: Cluster): Promise<{ alive: MemberStatus[]; leader: MemberStatus | undefined }> {
  const [statuses, ledger] = await Promise.all([cluster.status(), readLedger(cluster)]);
  const cutOff = new Set(ledger.filter((r) => r.takesMembersDown).flatMap((r) => r.members));
  const alive = statuses.filter((s) => s.revision !== undefined);
  const leader = leaderOf(statuses.map(claimOf));
  const withQuorum = leader && leader.followers.length >= quorumSize(statuses.length) && !cutOff.has(leader.name) ? leader : undefined;
  return { alive, leader: alive.find((s) => s.name === withQuorum?.name) };
}

/** `quorum-leader`: a leader that a majority of the members follow and no fault has cut off (what a fault on `leader` needs). */
export const quorumLeader: Condition = async ({ cluster }) => {
  const { leader } = await answering(cluster);
  return leader ? true : 'no leader is followed by a majority of the members';
};

/** What `put` takes, judged when a scenario file is read. */
export const putArgs = z.object({ key: z.string().min(1), value: z.string().min(1), outcome: z.enum(['acknowledged', 'refused']).optional() }).strict();

/**
 * `put`: with `outcome: acknowledged` (the default) the put goes to the leader and holds once it is
 * acknowledged; with `outcome: refused` it goes to every member that answers and holds only if none
 * acknowledges it (one acknowledgement fails it at once: no later answer can undo it).
 */
export const putCondition: Condition = async ({ cluster }, args) => {
  const key = stringArg(args, 'key', 'put');
  const value = stringArg(args, 'value', 'put');
  const outcome = args.outcome ?? 'acknowledged';
  if (outcome !== 'acknowledged' && outcome !== 'refused') {
    throw new InvalidInputError(`condition put: outcome must be acknowledged or refused, not '${String(outcome)}'`, { hint: 'leave it out for acknowledged' });
  }
  const { alive, leader } = await answering(cluster);
  if (outcome === 'acknowledged') {
    if (!leader) return `no member is leader, so put ${key}=${value} cannot be acknowledged yet`;
    const result = await recordPut(cluster, leader.endpoint, key, value);
    return result.acked ? true : `put ${key}=${value} to ${leader.name} was not acknowledged: ${result.error}`;
  }
  const results = await Promise.all(alive.map(async (s) => ({ member: s.name, result: await recordPut(cluster, s.endpoint, key, value) })));
  const acked = results.find((r) => r.result.acked);
  if (acked) throw new ConditionViolatedError(`put ${key}=${value} was acknowledged by ${acked.member} although quorum is lost`);
  return true;
};

function describeValue(value: string | undefined): string {
  return value === undefined ? 'absent' : `'${value}'`;
}

/** What `key-holds` takes, judged when a scenario file is read. */
export const keyHoldsArgs = z.object({ key: z.string().min(1), values: z.array(z.string().nullable()).min(1) }).strict();

/** `key-holds`: a linearizable read through the leader finds one of `values` (null: absent). */
export const keyHolds: Condition = async ({ cluster }, args) => {
  const key = stringArg(args, 'key', 'key-holds');
  const values = args.values;
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => v === null || typeof v === 'string')) {
    throw new InvalidInputError('condition key-holds needs `values`: a list of texts, null for absent', { hint: "e.g. { condition: key-holds, key: /fuzz/k0, values: [null, '2'] }" });
  }
  const allowed = values.map((v: string | null) => v ?? undefined);
  // `expect` judges the first answer, and there is none without a leader to read through: an
  // election under way is waited out (as long as the condition's own bound), the read made once.
  const { timeouts } = cluster;
  const leader = await waitFor(async () => (await answering(cluster)).leader, {
    timeoutMs: 2 * timeouts.leaderElectionMs,
    intervalMs: timeouts.pollMs,
    description: `a leader a majority follows, to read ${key} through`,
  }).catch(() => undefined);
  if (!leader) return `no member is leader, so ${key} cannot be read linearizably`;
  const client = cluster.client({ hosts: [leader.endpoint], faultHandling: 'none' });
  try {
    const found = (await client.get(key).string()) ?? undefined;
    return allowed.includes(found) ? true : `${key} is ${describeValue(found)}, expected ${allowed.map(describeValue).join(' or ')}`;
  } finally {
    client.close();
  }
};
