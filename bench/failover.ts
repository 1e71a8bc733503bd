/**
 * `npm run bench:failover`: leader kill → next acknowledged write, as the workload sees it, beside
 * the same measured in the same run by raw etcdctl polling (a tight loop of `etcdctl put` from the
 * host), for default timeouts and for heartbeat 50 / election 250. Median of BENCH_REPS kills.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBus, log, startCluster, type Cluster } from '../src/index.js';
import { faultContext, healAll, injectFault } from '../src/faults/inject.js';
import { Workload } from '../src/workload/workload.js';
import { isWrite } from '../src/workload/history.js';
import { tlsFiles } from '../src/topology/tls.js';
import { waitFor } from '../src/wait.js';

const run = promisify(execFile);
const REPS = Number(process.env.BENCH_REPS ?? 3);
log.level = 'warn';

const timings = [
  { label: 'default (heartbeat 100, election 1000)', etcd: { heartbeatIntervalMs: 100, electionTimeoutMs: 1000 } },
  { label: 'heartbeat 50, election 250', etcd: { heartbeatIntervalMs: 50, electionTimeoutMs: 250 } },
];

/**
 * Runs `etcdctl put` back to back from the host, one loop per member endpoint (one etcdctl pinned to
 * a dead member would only measure its own timeout), recording when each acknowledged put ended.
 */
function etcdctlPoller(cluster: Cluster): { acked: { start: number; end: number }[]; stop: () => Promise<void> } {
  const acked: { start: number; end: number }[] = [];
  const dir = cluster.tlsDir as string;
  const env = {
    ...process.env,
    ETCDCTL_API: '3',
    ETCDCTL_CACERT: join(dir, tlsFiles.caCert),
    ETCDCTL_CERT: join(dir, tlsFiles.clientCert),
    ETCDCTL_KEY: join(dir, tlsFiles.clientKey),
  };
  let running = true;
  const loops = cluster.members.map(async (member) => {
    for (let i = 0; running; i += 1) {
      const start = Date.now();
      try {
        await run('etcdctl', [`--endpoints=${member.endpoint}`, `--command-timeout=${cluster.timeouts.requestMs}ms`, 'put', `/bench/etcdctl/${member.name}`, String(i)], { env });
        acked.push({ start, end: Date.now() });
      } catch {
        // a refused or timed-out put: the next one tries again at once
      }
    }
  });
  return {
    acked,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const timing of timings) {
    const cluster = await startCluster({ name: 'bench-failover', topology: 'cluster', etcd: timing.etcd }, { events: new EventBus() });
    const observed: number[] = [];
    const polled: number[] = [];
    try {
      for (let rep = 0; rep < REPS; rep += 1) {
        const workload = new Workload(cluster, { ratePerSecond: 50 });
        await workload.start();
        const poller = etcdctlPoller(cluster);
        await waitFor(async () => (poller.acked.length > 2 && workload.history.operations.some((o) => o.ok) ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, description: 'both workloads running' });
        const ctx = faultContext(cluster, { seed: rep });
        const fault = await injectFault(ctx, { kind: 'kill', target: 'leader' });
        const killedAt = fault.injectedAt;
        const afterKill = await waitFor(
          async () => {
            const o = workload.history.operations.find((op) => isWrite(op) && op.ok && op.start >= killedAt);
            const p = poller.acked.filter((put) => put.start >= killedAt).sort((a, b) => a.end - b.end)[0];
            return o && p ? { workload: o.end - killedAt, etcdctl: p.end - killedAt } : undefined;
          },
          { timeoutMs: cluster.timeouts.leaderElectionMs * 3, intervalMs: 20, description: 'an acknowledged write after the kill, seen by both' },
        );
        observed.push(afterKill.workload);
        polled.push(afterKill.etcdctl);
        await poller.stop();
        await workload.stop();
        await healAll(ctx);
        await cluster.waitForLeader(cluster.timeouts.bootMs);
      }
    } finally {
      await cluster.stop();
    }
    const o = median(observed);
    const p = median(polled);
    rows.push(`| ${timing.label} | ${o} ms | ${p} ms | ${(o / p).toFixed(2)}× | ${observed.join(', ')} / ${polled.join(', ')} |`);
  }
  process.stdout.write(
    [
      `leader kill → next acknowledged write, median of ${REPS} kills (five members, TLS)`,
      '',
      '| timeouts | workload | raw etcdctl polling | workload ÷ etcdctl | samples (workload / etcdctl) |',
      '|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

await main();
