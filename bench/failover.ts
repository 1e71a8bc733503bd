/**
 * `npm run bench:failover`: from the moment the leader died (the engine's record of its container's
 * exit) to the first write acknowledged in a higher raft term — after an election — as the workload
 * sees it, beside the same measured in the same run by raw etcdctl polling (`etcdctl put -w json`
 * carries the term), for default timeouts and for heartbeat 50 / election 250. A sample below the
 * election timeout is impossible (no follower campaigns sooner) and fails the benchmark.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBus, log, startCluster, type Cluster } from '../src/index.js';
import { faultContext, healAll, injectFault } from '../src/faults/inject.js';
import { Workload } from '../src/workload/workload.js';
import { isWrite } from '../src/workload/history.js';
import { tlsFiles } from '../src/topology/tls.js';
import { hostEtcdctlEnv } from '../src/topology/operator-env.js';
import { waitFor } from '../src/wait.js';

const run = promisify(execFile);
const REPS = Number(process.env.BENCH_REPS ?? 3);
log.level = 'warn';

const timings = [
  { label: 'default (heartbeat 100, election 1000)', etcd: { heartbeatIntervalMs: 100, electionTimeoutMs: 1000 } },
  { label: 'heartbeat 50, election 250', etcd: { heartbeatIntervalMs: 50, electionTimeoutMs: 250 } },
];

interface AckedPut {
  start: number;
  end: number;
  term: number;
}

/**
 * Runs `etcdctl put -w json` back to back from the host, one loop per member endpoint (one etcdctl
 * pinned to a dead member would only measure its own timeout), recording when each acknowledged
 * put ended and in which raft term.
 */
function etcdctlPoller(cluster: Cluster): { acked: AckedPut[]; stop: () => Promise<void> } {
  const acked: AckedPut[] = [];
  const dir = cluster.tlsDir as string;
  const env = hostEtcdctlEnv({
    ETCDCTL_CACERT: join(dir, tlsFiles.caCert),
    ETCDCTL_CERT: join(dir, tlsFiles.clientCert),
    ETCDCTL_KEY: join(dir, tlsFiles.clientKey),
  });
  let running = true;
  const loops = cluster.members.map(async (member) => {
    for (let i = 0; running; i += 1) {
      const start = Date.now();
      try {
        const { stdout } = await run('etcdctl', [`--endpoints=${member.endpoint}`, `--command-timeout=${cluster.timeouts.requestMs}ms`, 'put', '-w', 'json', `/bench/etcdctl/${member.name}`, String(i)], { env });
        const { header } = JSON.parse(stdout) as { header: { raft_term: number } };
        acked.push({ start, end: Date.now(), term: Number(header.raft_term) });
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
  const failures: string[] = [];
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
        const leader = await cluster.waitForLeader();
        const oldTerm = (await cluster.status()).find((st) => st.name === leader.name)?.raftTerm ?? 0;
        const fault = await injectFault(ctx, { kind: 'kill', target: `member:${leader.name}` });
        // The clock starts when the process died, not when `docker kill` returned (hundreds of ms later).
        const diedAt = (await ctx.runtime.inspect(leader.containerId)).finishedAt ?? fault.startedAt;
        const afterKill = await waitFor(
          async () => {
            const o = workload.history.operations.filter((op) => isWrite(op) && op.ok && (op.term ?? 0) > oldTerm).sort((a, b) => a.end - b.end)[0];
            const p = poller.acked.filter((put) => put.term > oldTerm).sort((a, b) => a.end - b.end)[0];
            return o && p ? { workload: o.end - diedAt, etcdctl: p.end - diedAt } : undefined;
          },
          { timeoutMs: cluster.timeouts.leaderElectionMs * 3, intervalMs: 20, description: 'a write acknowledged in a later term, seen by both' },
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
    const bound = timing.etcd.electionTimeoutMs;
    const impossible = [...observed, ...polled].filter((sample) => sample < bound);
    if (impossible.length) failures.push(`${timing.label}: samples ${impossible.join(', ')} ms are below the election timeout (${bound} ms): no election is that fast, the clock is wrong`);
    rows.push(`| ${timing.label} | ${bound} ms | ${o} ms | ${p} ms | ${(o / p).toFixed(2)}× | ${observed.join(', ')} / ${polled.join(', ')} |`);
  }
  process.stdout.write(
    [
      `leader death (container exit) → first write acknowledged in a later raft term, median of ${REPS} kills (five members, TLS)`,
      '',
      '| timeouts | election bound | workload | raw etcdctl polling | workload ÷ etcdctl | samples (workload / etcdctl) |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
  for (const failure of failures) process.stderr.write(`bench:failover: ${failure}\n`);
  if (failures.length) process.exitCode = 1;
}

await main();
