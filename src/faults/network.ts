import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CommandFailedError, InvalidInputError } from '../errors.js';
import { CLIENT_PORT, PEER_PORT } from '../topology/plan.js';
import type { MemberInfo } from '../topology/cluster.js';
import { waitFor } from '../wait.js';
import { defineFault, type FaultContext, type FaultRecord } from './fault.js';
import { delayOptions, refuseJitterOverDelay } from './delay-options.js';
import { endHelpers, helperCommand } from './helper-process.js';

/**
 * Network faults, made with iptables inside each member's own network namespace (entered with
 * nsenter), so nothing outside the project's containers is touched. Each fault owns one chain,
 * which heal removes whole.
 */

/** Where the latency proxy listens inside the member's namespace. */
const PROXY_PORT = 12_380;
/** What the latency fault reads to see its delay: a key nobody writes. */
const LATENCY_PROBE_KEY = '/etcd-drill/latency-probe';

async function iptables(ctx: FaultContext, member: string, args: string[]): Promise<void> {
  const result = await ctx.runtime.netnsExec(ctx.cluster.member(member).containerId, ['iptables', '-w', ...args]);
  if (result.exitCode !== 0) throw new CommandFailedError(`iptables ${args.join(' ')} (in ${member})`, result.exitCode, result.stderr);
}

async function memberIps(ctx: FaultContext): Promise<Record<string, string>> {
  const ips: Record<string, string> = {};
  await Promise.all(
    ctx.cluster.members.map(async (m) => {
      const state = await ctx.runtime.inspect(m.containerId).catch(() => undefined);
      const ip = state && Object.values(state.ips)[0];
      if (ip) ips[m.name] = ip;
    }),
  );
  return ips;
}

function newChain(): string {
  return `DRILL-${randomBytes(4).toString('hex')}`;
}

/** Creates `chain` in the member's filter table with `rules`, hooked into INPUT and OUTPUT. */
async function installChain(ctx: FaultContext, member: string, chain: string, rules: string[][]): Promise<void> {
  await iptables(ctx, member, ['-N', chain]);
  for (const rule of rules) await iptables(ctx, member, ['-A', chain, ...rule]);
  await iptables(ctx, member, ['-I', 'INPUT', '-j', chain]);
  await iptables(ctx, member, ['-I', 'OUTPUT', '-j', chain]);
}

/** Removes the chain; a member whose container stopped since has lost its namespace, and the rules with it. */
async function removeChain(ctx: FaultContext, member: string, chain: string, table = 'filter', hooks = ['INPUT', 'OUTPUT']): Promise<void> {
  const { containerId } = ctx.cluster.member(member);
  if (!(await ctx.runtime.inspect(containerId).catch(() => undefined))?.running) return;
  for (const hook of hooks) await iptables(ctx, member, ['-t', table, '-D', hook, '-j', chain]).catch(() => undefined);
  await iptables(ctx, member, ['-t', table, '-F', chain]).catch(() => undefined);
  await iptables(ctx, member, ['-t', table, '-X', chain]);
}

function dropBetween(ip: string): string[][] {
  return [
    ['-s', ip, '-j', 'DROP'],
    ['-d', ip, '-j', 'DROP'],
  ];
}

async function healChains(ctx: FaultContext, record: FaultRecord): Promise<undefined> {
  const chains = record.undo.chains as Record<string, string>;
  await Promise.all(Object.entries(chains).map(([member, chain]) => removeChain(ctx, member, chain)));
  return undefined;
}

const scope = z.enum(['peer', 'client', 'both']).default('peer');

export const isolate = defineFault({
  kind: 'isolate',
  summary: 'cut the member off: from its peers (scope peer), from clients (client), or both',
  defaultTarget: { kind: 'leader' },
  options: z.object({ scope }).strict(),
  takesMembersDown: true,
  inject: async (ctx, members, options) => {
    const ips = await memberIps(ctx);
    const chains: Record<string, string> = {};
    for (const member of members) {
      const rules: string[][] = [];
      if (options.scope !== 'client') {
        for (const [name, ip] of Object.entries(ips)) if (name !== member.name) rules.push(...dropBetween(ip));
      }
      // Loopback stays open: etcd's gateway dials itself there, and so does an operator's etcdctl inside.
      if (options.scope !== 'peer') rules.push(['!', '-s', '127.0.0.1', '-p', 'tcp', '--dport', String(CLIENT_PORT), '-j', 'DROP']);
      chains[member.name] = newChain();
      await installChain(ctx, member.name, chains[member.name] as string, rules);
    }
    return { undo: { chains }, effect: `${options.scope} traffic cut` };
  },
  heal: healChains,
});

/** "2|3" (group sizes, members drawn by the seeded random source) or "member1,member2|member3,member4,member5". */
export function parseGroups(spec: string, members: string[], shuffle: (names: string[]) => string[]): string[][] {
  const parts = spec.split('|').map((p) => p.trim());
  if (parts.length < 2) throw new InvalidInputError(`partition groups '${spec}' need at least two sides`, { hint: "write e.g. '2|3' or 'member1,member2|member3,member4,member5'" });
  if (parts.every((p) => /^\d+$/.test(p))) {
    const sizes = parts.map(Number);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== members.length || sizes.some((n) => n === 0)) {
      throw new InvalidInputError(`partition '${spec}' has ${total} members; the cluster has ${members.length}`, { hint: 'group sizes must add up to the cluster size, none empty' });
    }
    const shuffled = shuffle(members);
    return sizes.map((n, i) => shuffled.slice(sizes.slice(0, i).reduce((a, b) => a + b, 0), sizes.slice(0, i).reduce((a, b) => a + b, 0) + n));
  }
  const groups = parts.map((p) => p.split(',').map((n) => n.trim()).filter(Boolean));
  const named = groups.flat();
  const unknown = named.filter((n) => !members.includes(n));
  if (unknown.length) throw new InvalidInputError(`partition names unknown member(s) ${unknown.join(', ')}`, { hint: `members: ${members.join(', ')}` });
  if (new Set(named).size !== named.length) throw new InvalidInputError(`partition '${spec}' puts a member on two sides`);
  const rest = members.filter((m) => !named.includes(m));
  if (rest.length) (groups[groups.length - 1] as string[]).push(...rest);
  return groups;
}

export const partition = defineFault({
  kind: 'partition',
  summary: "split the members into groups that can't reach each other (default: the target against the rest)",
  defaultTarget: { kind: 'minority' },
  options: z.object({ groups: z.string().optional() }).strict(),
  takesMembersDown: true,
  inject: async (ctx, members, options) => {
    const names = ctx.cluster.members.map((m) => m.name);
    const targeted = members.map((m) => m.name);
    const groups = options.groups
      ? parseGroups(options.groups, names, (n) => ctx.random.shuffle(n))
      : [targeted, names.filter((n) => !targeted.includes(n))];
    const ips = await memberIps(ctx);
    const chains: Record<string, string> = {};
    for (const group of groups) {
      for (const member of group) {
        const others = names.filter((n) => !group.includes(n) && ips[n]);
        chains[member] = newChain();
        await installChain(ctx, member, chains[member] as string, others.flatMap((n) => dropBetween(ips[n] as string)));
      }
    }
    // Everyone outside the largest side has lost the cluster: those are the members this fault takes down.
    const largest = groups.reduce((a, b) => (b.length > a.length ? b : a));
    const cutOff = names.filter((n) => !largest.includes(n));
    return { undo: { chains, cutOff }, effect: groups.map((g) => g.join(',')).join(' | '), members: cutOff };
  },
  heal: healChains,
});

/**
 * Each direction of each link touching a targeted member loses `percent` of its packets once: a
 * targeted member drops on the way out, and on the way in only from peers that do not already drop
 * on their way out. Dropping at both ends would compound (20 % twice is 36 %).
 */
export function lossRules(member: string, targeted: string[], ips: Record<string, string>, percent: number): string[][] {
  const drop = ['-m', 'statistic', '--mode', 'random', '--probability', String(percent / 100), '-j', 'DROP'];
  return Object.entries(ips)
    .filter(([name]) => name !== member)
    .flatMap(([name, ip]) => [['-d', ip, ...drop], ...(targeted.includes(name) ? [] : [['-s', ip, ...drop]])]);
}

export const loss = defineFault({
  kind: 'loss',
  summary: "drop a share of the member's peer packets at random",
  defaultTarget: { kind: 'all' },
  options: z.object({ percent: z.number().gt(0, 'must be more than 0').max(100, 'must be at most 100').default(30) }).strict(),
  takesMembersDown: false,
  inject: async (ctx, members, { percent }) => {
    const ips = await memberIps(ctx);
    const chains: Record<string, string> = {};
    const targeted = members.map((m) => m.name);
    for (const member of targeted) {
      chains[member] = newChain();
      await installChain(ctx, member, chains[member] as string, lossRules(member, targeted, ips, percent));
    }
    return { undo: { chains }, effect: `${percent}% of peer packets dropped` };
  },
  heal: healChains,
});

/** How many connections each peer has established to `port` in the member's namespace (loopback aside), by address. */
async function peersConnectedAt(ctx: FaultContext, containerId: string, port: number): Promise<Map<string, number>> {
  const { stdout } = await ctx.runtime.netnsExec(containerId, ['ss', '-Htn', 'state', 'established', `( sport = :${port} )`]);
  const counts = new Map<string, number>();
  for (const line of stdout.trim().split('\n')) {
    const peer = line.trim().split(/\s+/)[3]?.replace(/:\d+$/, '').replace(/^\[?(::ffff:)?/, '').replace(/\]$/, '');
    if (peer && peer !== '127.0.0.1') counts.set(peer, (counts.get(peer) ?? 0) + 1);
  }
  return counts;
}

/**
 * Each peer dials two raft streams to a member (messages, and appends), which carry what the
 * member sends it; while one is missing the member sends over pipelines it dials itself, which no
 * proxy in front of its port sees.
 */
const STREAMS_PER_PEER = 2;

/** The addresses of the member's peers whose processes run (a stopped or frozen one dials nobody). */
async function runningPeersOf(ctx: FaultContext, member: MemberInfo): Promise<string[]> {
  const peers = ctx.cluster.members.filter((m) => m.name !== member.name);
  const states = await Promise.all(peers.map((peer) => ctx.runtime.inspect(peer.containerId).catch(() => undefined)));
  return states.flatMap((state) => (state?.running && !state.paused ? Object.values(state.ips) : []));
}

export const latency = defineFault({
  kind: 'latency',
  summary: "delay the member's peer traffic by a latency ± jitter, through a proxy in its network namespace",
  defaultTarget: { kind: 'all' },
  options: delayOptions(100),
  takesMembersDown: false,
  refuse: ({ options }) => refuseJitterOverDelay(options, 'latency'),
  inject: async (ctx, members, { ms, jitterMs }) => {
    const proxies: Record<string, number> = {};
    const chains: Record<string, string> = {};
    for (const member of members) {
      const { pid } = await ctx.runtime.inspect(member.containerId);
      proxies[member.name] = await ctx.runtime.netnsSpawn(
        member.containerId,
        helperCommand('latency-proxy-main', ['--listen', String(PROXY_PORT), '--target', `127.0.0.1:${PEER_PORT}`, '--latency', String(ms), '--jitter', String(jitterMs), '--exit-with', String(pid)]),
      );
      await waitFor(
        async () => {
          const { stdout } = await ctx.runtime.netnsExec(member.containerId, ['ss', '-Hltn', `sport = :${PROXY_PORT}`]);
          return stdout.trim() ? true : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50, description: `the latency proxy in ${member.name} to listen` },
      );
      const chain = newChain();
      chains[member.name] = chain;
      // New peer connections go through the proxy; established ones are killed so etcd redials through it.
      await iptables(ctx, member.name, ['-t', 'nat', '-N', chain]);
      await iptables(ctx, member.name, ['-t', 'nat', '-A', chain, '-p', 'tcp', '--dport', String(PEER_PORT), '-j', 'REDIRECT', '--to-ports', String(PROXY_PORT)]);
      await iptables(ctx, member.name, ['-t', 'nat', '-I', 'PREROUTING', '-j', chain]);
      const peers = await runningPeersOf(ctx, member);
      const killDirect = () => ctx.runtime.netnsExec(member.containerId, ['ss', '-K', '-Htn', 'state', 'established', `( sport = :${PEER_PORT} )`, 'and', 'not', 'dst', '127.0.0.1']);
      await killDirect();
      // Until its peers' streams are back through the proxy the member sends over undelayed
      // pipelines, and a connection whose handshake was under way when the rule went in never
      // passes the proxy: the fault is in force once every running peer has its streams to the
      // member again, through the proxy only (not only those connected just now: one restarted a
      // moment ago, still dialing, would come in through the proxy later and be sent to undelayed
      // until then).
      await waitFor(
        async () => {
          if ((await peersConnectedAt(ctx, member.containerId, PEER_PORT)).size > 0) {
            await killDirect();
            return undefined;
          }
          const throughProxy = await peersConnectedAt(ctx, member.containerId, PROXY_PORT);
          return peers.every((peer) => (throughProxy.get(peer) ?? 0) >= STREAMS_PER_PEER) ? true : undefined;
        },
        { timeoutMs: ctx.cluster.timeouts.leaderElectionMs, intervalMs: 50, description: `${member.name}'s peers to reconnect through the latency proxy` },
      );
      await confirmDelayed(ctx, member, ms - jitterMs, killDirect);
    }
    return { undo: { chains, proxies }, effect: `${ms} ms ± ${jitterMs} ms on peer traffic` };
  },
  heal: async (ctx, record) => {
    const chains = record.undo.chains as Record<string, string>;
    const proxies = record.undo.proxies as Record<string, number>;
    for (const [member, chain] of Object.entries(chains)) await removeChain(ctx, member, chain, 'nat', ['PREROUTING']);
    // A proxy still closing would hold its port against the next latency fault on this member.
    await endHelpers(Object.values(proxies), ctx.cluster.timeouts.requestMs, 'the latency proxies to exit');
    return undefined;
  },
});

/**
 * The fault is in force once the member's traffic is seen delayed, not once the rules are in:
 * a linearizable read through it needs a round of messages from it to its peers (the leader's
 * heartbeats, a follower's read index request), so it takes at least the least delay. Until then
 * the member still talks over connections the proxy missed, which are cut again.
 */
async function confirmDelayed(ctx: FaultContext, member: MemberInfo, leastDelayMs: number, cutDirect: () => Promise<unknown>): Promise<void> {
  const client = ctx.cluster.client({ hosts: [member.endpoint], faultHandling: 'none' });
  try {
    await waitFor(
      async () => {
        const started = performance.now();
        await client.get(LATENCY_PROBE_KEY).exec();
        if (performance.now() - started >= leastDelayMs) return true;
        await cutDirect();
        return undefined;
      },
      {
        timeoutMs: ctx.cluster.timeouts.leaderElectionMs,
        intervalMs: ctx.cluster.timeouts.pollMs,
        description: `a read through ${member.name} to show the delay`,
        hint: 'the proxy is in place but the member still talks over connections it missed; heal and inject again',
      },
    );
  } finally {
    client.close();
  }
}
