import { totalmem } from 'node:os';
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { Cluster } from '../topology/cluster.js';
import { delay, waitFor } from '../wait.js';
import { defineFault, type FaultContext } from './fault.js';
import { classifyError } from '../topology/client.js';

/**
 * Resource starvation, which the seed names as the cause of late heartbeats and elections: too
 * little CPU, too little memory, a full backend (NOSPACE), a slow disk.
 */

const CPU_PERIOD_US = 100_000;
/** Keys the faults write to create load; deleted again when healed. */
export const LOAD_PREFIX = '/etcd-drill/load/';
/** etcd refuses requests over 1.5 MiB; stay under it. */
const LOAD_VALUE_BYTES = 1024 * 1024;

async function eachMember<T>(ctx: FaultContext, names: string[], act: (containerId: string, name: string) => Promise<T>): Promise<T[]> {
  return Promise.all(names.map((name) => act(ctx.cluster.member(name).containerId, name)));
}

export const cpu = defineFault({
  kind: 'cpu',
  summary: 'cap the member at a sliver of one CPU, so heartbeats go out late and followers call an election',
  defaultTarget: { kind: 'leader' },
  options: z.object({ cpus: z.number().min(0.01, 'Docker allows at least 0.01').max(64).default(0.02) }).strict(),
  takesMembersDown: false,
  inject: async (ctx, members, { cpus }) => {
    const original: Record<string, { nanoCpus: number; cpuQuota: number; cpuPeriod: number }> = {};
    await Promise.all(
      members.map(async (m) => {
        const { resources } = await ctx.runtime.inspect(m.containerId);
        original[m.name] = { nanoCpus: resources.nanoCpus, cpuQuota: resources.cpuQuota, cpuPeriod: resources.cpuPeriod };
        // Docker refuses to mix NanoCpus with a CFS quota: keep to whichever the member started with.
        await ctx.runtime.updateResources(
          m.containerId,
          resources.nanoCpus > 0 ? { nanoCpus: Math.round(cpus * 1e9) } : { cpuPeriod: CPU_PERIOD_US, cpuQuota: Math.round(cpus * CPU_PERIOD_US) },
        );
      }),
    );
    return { undo: { original }, effect: `${cpus} CPU each` };
  },
  heal: async (ctx, record) => {
    const original = record.undo.original as Record<string, { nanoCpus: number; cpuQuota: number; cpuPeriod: number }>;
    await eachMember(ctx, record.members, async (id, name) => {
      const was = original[name];
      if (!was) return;
      await ctx.runtime.updateResources(id, was.nanoCpus > 0 ? { nanoCpus: was.nanoCpus } : { cpuQuota: was.cpuQuota === 0 ? -1 : was.cpuQuota, cpuPeriod: was.cpuPeriod || CPU_PERIOD_US });
    });
    return undefined;
  },
});

/**
 * Writes 1 MiB values through `hosts` until `done` says stop or `maxBytes` are written; returns the
 * bytes written. A failed put is the fault taking hold (a member dying under it): look at `done`
 * again before giving up, and give up only when puts keep failing.
 */
async function writeLoad(cluster: Cluster, hosts: string[], tag: string, maxBytes: number, done: () => Promise<boolean>): Promise<number> {
  const client = cluster.client({ hosts, faultHandling: 'none' });
  const value = Buffer.alloc(LOAD_VALUE_BYTES, 'x');
  let written = 0;
  let failedInRow = 0;
  try {
    for (let i = 0; written < maxBytes; i += 1) {
      if (await done()) break;
      try {
        await client.put(`${LOAD_PREFIX}${tag}/${i}`).value(value);
        written += value.length;
        failedInRow = 0;
      } catch (err) {
        if (await done()) break;
        failedInRow += 1;
        if (failedInRow >= 5) throw err;
        await delay(cluster.timeouts.pollMs);
      }
    }
  } finally {
    client.close();
  }
  return written;
}

async function deleteLoad(cluster: Cluster, tag: string): Promise<void> {
  await cluster.etcdctl(['del', '--prefix', `${LOAD_PREFIX}${tag}/`]);
}

export const memory = defineFault({
  kind: 'memory',
  summary: 'set a memory limit, then write until the member is OOM-killed (reports OOMKilled)',
  defaultTarget: { kind: 'follower' },
  // Default: a little above what the member uses now, so the load, not the limit itself, does the killing.
  options: z.object({ limitMb: z.number().int().min(16, 'etcd does not even start under 16 MB').optional() }).strict(),
  takesMembersDown: true,
  inject: async (ctx, members, options) => {
    const original: Record<string, { memoryBytes: number; memorySwapBytes: number }> = {};
    const usage = Math.max(...(await Promise.all(members.map(async (m) => (await ctx.runtime.usage(m.containerId)).memoryBytes))));
    const mb = (bytes: number) => Math.ceil(bytes / 1024 / 1024);
    if (options.limitMb !== undefined && options.limitMb * 1024 * 1024 <= usage) {
      throw new InvalidInputError(`a ${options.limitMb} MB limit is below what the member already uses (${mb(usage)} MB)`, {
        hint: `pick --limit-mb above ${mb(usage)}, or leave it out`,
      });
    }
    const limitMb = options.limitMb ?? mb(usage) + 16;
    const limit = limitMb * 1024 * 1024;
    await Promise.all(
      members.map(async (m) => {
        const { resources } = await ctx.runtime.inspect(m.containerId);
        original[m.name] = { memoryBytes: resources.memoryBytes, memorySwapBytes: resources.memorySwapBytes };
        // Swap equal to the limit: no swap, so going over the limit means the OOM killer, not slowness.
        await ctx.runtime.updateResources(m.containerId, { memoryBytes: limit, memorySwapBytes: limit });
      }),
    );
    const allOomKilled = async () =>
      (await Promise.all(members.map(async (m) => (await ctx.runtime.inspect(m.containerId)).oomKilled))).every(Boolean);
    // The load goes through the other members and reaches the targets by replication: every member
    // keeps the entries since its last raft snapshot in memory, so a few times the limit is enough.
    const targets = new Set(members.map((m) => m.name));
    const through = ctx.cluster.members.filter((m) => !targets.has(m.name)).map((m) => m.endpoint);
    try {
      const written = await writeLoad(ctx.cluster, through.length ? through : ctx.cluster.endpoints, 'memory', 8 * limit, allOomKilled);
      await waitFor(async () => ((await allOomKilled()) ? true : undefined), {
        timeoutMs: ctx.cluster.timeouts.requestMs * 5,
        intervalMs: ctx.cluster.timeouts.pollMs,
        description: `${members.map((m) => m.name).join(', ')} to be OOM-killed`,
      });
      return { undo: { original }, effect: `OOMKilled after ${Math.round(written / 1024 / 1024)} MB written under a ${limitMb} MB limit` };
    } catch (err) {
      // Not recorded, so nobody could heal it later: undo it now.
      await liftMemoryLimits(ctx, [...targets], original);
      throw err;
    }
  },
  heal: async (ctx, record) => {
    await liftMemoryLimits(ctx, record.members, record.undo.original as Record<string, { memoryBytes: number; memorySwapBytes: number }>);
    await ctx.cluster.waitForLeader();
    await deleteLoad(ctx.cluster, 'memory');
    return undefined;
  },
});

async function liftMemoryLimits(ctx: FaultContext, names: string[], original: Record<string, { memoryBytes: number; memorySwapBytes: number }>): Promise<void> {
  await eachMember(ctx, names, async (id, name) => {
    const was = original[name];
    // Docker cannot lift a memory limit on a running container; the machine's memory is as good as none.
    const memoryBytes = was && was.memoryBytes > 0 ? was.memoryBytes : totalmem();
    await ctx.runtime.updateResources(id, { memoryBytes, memorySwapBytes: was && was.memorySwapBytes > 0 ? was.memorySwapBytes : -1 });
    await ctx.runtime.start(id);
  });
}

/** The operator's cure for NOSPACE: drop the junk, compact, defragment every member, disarm the alarm. */
export async function cureNospace(cluster: Cluster, junkPrefix: string): Promise<void> {
  await cluster.etcdctl(['del', '--prefix', junkPrefix]);
  const { stdout } = await cluster.etcdctl(['endpoint', 'status', '-w', 'json']);
  const revision = (JSON.parse(stdout) as { Status: { header: { revision: number } } }[])[0]?.Status.header.revision;
  if (revision) await cluster.etcdctl(['compaction', String(revision)]);
  await cluster.etcdctl(['defrag', '--cluster']);
  await cluster.etcdctl(['alarm', 'disarm']);
}

export const nospace = defineFault({
  kind: 'nospace',
  summary: 'fill the backend past --quota-backend-bytes: etcd raises the NOSPACE alarm and refuses writes',
  defaultTarget: { kind: 'all' },
  options: z.object({}).strict(),
  takesMembersDown: false,
  refuse: ({ cluster }) => {
    const quota = cluster.spec.etcd.quotaBackendBytes;
    if (quota === undefined || quota > 256 * 1024 * 1024) {
      throw new InvalidInputError('nospace needs a cluster started with a small --quota-backend-bytes', {
        hint: 'e.g. `etcd-drill up --quota-backend-bytes 16777216` (16 MiB) so the backend fills in seconds',
      });
    }
  },
  inject: async (ctx) => {
    const quota = ctx.cluster.spec.etcd.quotaBackendBytes as number;
    let refused: string | undefined;
    const written = await writeLoad(ctx.cluster, ctx.cluster.endpoints, 'nospace', 4 * quota, async () => refused !== undefined).catch((err: Error) => {
      if (classifyError(err.message) !== 'nospace') throw err;
      refused = err.message;
      return 0;
    });
    const { stdout } = await ctx.cluster.etcdctl(['alarm', 'list']);
    if (!/NOSPACE/.test(stdout)) throw new InvalidInputError(`wrote ${written} bytes but no NOSPACE alarm was raised`, { hint: 'lower --quota-backend-bytes' });
    return { effect: `NOSPACE alarm raised; writes refused (${refused ?? 'database space exceeded'})` };
  },
  heal: async (ctx) => {
    await cureNospace(ctx.cluster, `${LOAD_PREFIX}nospace/`);
    return 'compacted, defragmented every member, alarm disarmed';
  },
});

export const diskIo = defineFault({
  kind: 'disk-io',
  summary: "throttle the member's disk writes (WAL fsyncs) through the block-I/O cgroup",
  defaultTarget: { kind: 'leader' },
  options: z.object({ iops: z.number().int().positive().default(20), bytesPerSecond: z.number().int().min(4096).default(1024 * 1024) }).strict(),
  takesMembersDown: false,
  inject: async (ctx, members, limit) => {
    await eachMember(ctx, members.map((m) => m.name), (id) => ctx.runtime.throttleDiskWrites(id, limit));
    return { effect: `${limit.iops} write IOPS, ${Math.round(limit.bytesPerSecond / 1024)} KiB/s` };
  },
  heal: async (ctx, record) => {
    await eachMember(ctx, record.members, async (id) => {
      if ((await ctx.runtime.inspect(id)).running) await ctx.runtime.throttleDiskWrites(id, undefined);
    });
    return undefined;
  },
});
