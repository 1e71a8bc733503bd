import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import type { Cluster } from '../topology/cluster.js';

/**
 * What an operator watches while a disk stalls or a member struggles: etcd's own metrics, from
 * each member's `/metrics` (on its client port, behind the client certificate). WAL fsync and
 * backend commit latency (etcd's guidance: fsync p99 under 10 ms), leader changes, slow applies
 * ("apply request took too long") and heartbeats the leader failed to send.
 */

/** A histogram as Prometheus exposes it: cumulative counts per upper bound (seconds), +Inf last. */
type Buckets = { le: number; count: number }[];

/** One member's counters as scraped: everything is cumulative since the member's process started. */
export interface MemberCounters {
  walFsync: Buckets;
  backendCommit: Buckets;
  leaderChanges: number;
  slowApplies: number;
  heartbeatFailures: number;
}

/** One member's signals over a window. */
export interface MemberSignals {
  member: string;
  walFsyncP99Ms: number | undefined;
  walFsyncs: number;
  backendCommitP99Ms: number | undefined;
  leaderChanges: number;
  slowApplies: number;
  heartbeatFailures: number;
}

const METRIC_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;

/** The Prometheus text format's samples: name → [labels, value][] (comments skipped). */
function parseMetrics(text: string): Map<string, { labels: Record<string, string>; value: number }[]> {
  const samples = new Map<string, { labels: Record<string, string>; value: number }[]>();
  for (const line of text.split('\n')) {
    const match = METRIC_LINE.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]));
    const list = samples.get(match[1] as string) ?? [];
    list.push({ labels, value: Number(match[3]) });
    samples.set(match[1] as string, list);
  }
  return samples;
}

function buckets(samples: ReturnType<typeof parseMetrics>, name: string): Buckets {
  return (samples.get(`${name}_bucket`) ?? []).map((s) => ({ le: s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le), count: s.value })).sort((a, b) => a.le - b.le);
}

export function countersFrom(text: string): MemberCounters {
  const samples = parseMetrics(text);
  const counter = (name: string) => samples.get(name)?.[0]?.value ?? 0;
  return {
    walFsync: buckets(samples, 'etcd_disk_wal_fsync_duration_seconds'),
    backendCommit: buckets(samples, 'etcd_disk_backend_commit_duration_seconds'),
    leaderChanges: counter('etcd_server_leader_changes_seen_total'),
    slowApplies: counter('etcd_server_slow_apply_total'),
    heartbeatFailures: counter('etcd_server_heartbeat_send_failures_total'),
  };
}

/**
 * The 99th percentile of a (windowed) histogram in ms, as Prometheus' histogram_quantile
 * estimates it: linear within the bucket it falls in; past the last finite bound, that bound.
 */
export function p99Ms(histogram: Buckets): number | undefined {
  const total = histogram.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = 0.99 * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const { le, count } of histogram) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lowerLe * 1000;
      return (lowerLe + ((le - lowerLe) * (rank - lowerCount)) / Math.max(1, count - lowerCount)) * 1000;
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe * 1000;
}

/**
 * How many syncs the histogram holds that took longer than `ms`, as far as its buckets tell: those
 * past the largest bound at or under `ms` (with bounds 0.256 s, 0.512 s…, "over 300 ms" counts
 * those over 256 ms). Returns that bound too.
 */
export function syncsOver(histogram: Buckets, ms: number): { count: number; boundMs: number } {
  const bound = [...histogram].reverse().find((b) => Number.isFinite(b.le) && b.le * 1000 <= ms) ?? { le: 0, count: 0 };
  return { count: (histogram.at(-1)?.count ?? 0) - bound.count, boundMs: bound.le * 1000 };
}

/**
 * What a member's counters moved between two scrapes. A counter that went back means the process
 * restarted in between: what it counted since is the window's share.
 */
export function signalsBetween(member: string, before: MemberCounters | undefined, after: MemberCounters): MemberSignals {
  const restarted = before !== undefined && (after.walFsync.at(-1)?.count ?? 0) < (before.walFsync.at(-1)?.count ?? 0);
  const base = restarted ? undefined : before;
  const delta = (a: Buckets, b: Buckets | undefined): Buckets => a.map((bucket, i) => ({ le: bucket.le, count: bucket.count - (b?.[i]?.count ?? 0) }));
  const walFsync = delta(after.walFsync, base?.walFsync);
  return {
    member,
    walFsyncP99Ms: p99Ms(walFsync),
    walFsyncs: walFsync.at(-1)?.count ?? 0,
    backendCommitP99Ms: p99Ms(delta(after.backendCommit, base?.backendCommit)),
    leaderChanges: after.leaderChanges - (base?.leaderChanges ?? 0),
    slowApplies: after.slowApplies - (base?.slowApplies ?? 0),
    heartbeatFailures: after.heartbeatFailures - (base?.heartbeatFailures ?? 0),
  };
}

/** One member's `/metrics`, through its published client port with the cluster's client certificate. */
export async function scrapeMember(cluster: Cluster, endpoint: string): Promise<MemberCounters> {
  const tls = cluster.clientTls;
  const url = new URL('/metrics', endpoint);
  const text = await new Promise<string>((resolve, reject) => {
    const options = { timeout: cluster.timeouts.requestMs, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) };
    const req = (url.protocol === 'https:' ? request : plainRequest)(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url.href}: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.href}: no answer in ${cluster.timeouts.requestMs} ms`)));
    req.on('error', reject);
    req.end();
  });
  return countersFrom(text);
}

/** Every member that answers, by name; a member that is down is left out (it has nothing to say). */
export async function scrapeCounters(cluster: Cluster): Promise<Map<string, MemberCounters>> {
  const scraped = await Promise.allSettled(cluster.members.map(async (m) => [m.name, await scrapeMember(cluster, m.endpoint)] as const));
  return new Map(scraped.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
}

/** Each member's signals since `baseline` (a member new since then: since it started). */
export async function signalsSince(cluster: Cluster, baseline: Map<string, MemberCounters>): Promise<MemberSignals[]> {
  const now = await scrapeCounters(cluster);
  return [...now].map(([member, after]) => signalsBetween(member, baseline.get(member), after));
}
