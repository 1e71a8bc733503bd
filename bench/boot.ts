/**
 * `npm run bench:boot`: time from nothing to "every member healthy and a first put acknowledged",
 * for one member, five with TLS, and five behind the load balancer, each three ways:
 *   drill     — startCluster(spec)
 *   container — the same image and flags as plain `docker run` commands one after another
 *   process   — the same etcd binary as plain processes on 127.0.0.1 with the same TLS
 * Prints the median of BENCH_REPS runs (default 3) and the ratios.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DockerRuntime, EventBus, log, planCluster, resolveEtcdImage, startCluster, validateSpec, type ClusterPlan } from '../src/index.js';
import { createClient, type ClientTls } from '../src/topology/client.js';
import { ensureLoadBalancerImage } from '../src/topology/image.js';
import { CLIENT_PORT, DATA_DIR, PKI_DIR, haproxyConfig } from '../src/topology/plan.js';
import { pinPorts } from '../src/topology/ports.js';
import { killAll } from './processes.js';
import { writeReadmeSection } from './readme-section.js';
import { generateTls, writeTls, type TlsMaterial } from '../src/topology/tls.js';
import { waitFor } from '../src/wait.js';

const run = promisify(execFile);
const REPS = Number(process.env.BENCH_REPS ?? 3);
log.level = 'warn';

type Way = 'drill' | 'container' | 'process';
const shapes = [
  { label: '1 member, TLS', spec: { name: 'bench', topology: 'single' as const } },
  { label: '5 members, TLS', spec: { name: 'bench', topology: 'cluster' as const } },
  { label: '5 members + LB, TLS', spec: { name: 'bench', topology: 'lb' as const } },
];

/** Every endpoint answers status with a leader, then a put through the client endpoints succeeds. */
async function readyAndFirstPut(memberEndpoints: string[], clientEndpoints: string[], tls: ClientTls | undefined): Promise<void> {
  const opts = { timeoutMs: 60_000, intervalMs: 50, description: 'boot' };
  await Promise.all(
    memberEndpoints.map(async (endpoint) => {
      const c = createClient({ hosts: [endpoint], tls, requestTimeoutMs: 2000, faultHandling: 'none' });
      try {
        await waitFor(async () => ((await c.maintenance.status()).leader !== '0' ? true : undefined), opts);
      } finally {
        c.close();
      }
    }),
  );
  const c = createClient({ hosts: clientEndpoints, tls, requestTimeoutMs: 2000 });
  try {
    await waitFor(async () => (await c.put('/bench').value('1'), true), opts);
  } finally {
    c.close();
  }
}

async function drill(spec: (typeof shapes)[number]['spec']): Promise<number> {
  const t0 = performance.now();
  const cluster = await startCluster(spec, { events: new EventBus() });
  const elapsed = performance.now() - t0;
  await cluster.stop();
  return elapsed;
}

async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args)).stdout.trim();
}

async function containerFloor(plan: ClusterPlan, image: string, lbImage: string, tlsDir: string, tls: ClientTls): Promise<number> {
  const net = `${plan.network}-floor`;
  const names: string[] = [];
  const t0 = performance.now();
  try {
    await docker('network', 'create', net);
    const ports: number[] = [];
    for (const m of plan.members) {
      names.push(`${m.containerName}-floor`);
      await docker('run', '-d', '--name', `${m.containerName}-floor`, '--hostname', m.hostname, '--network', net, '--network-alias', m.hostname,
        '-v', `${tlsDir}:${PKI_DIR}:ro`, '-p', `127.0.0.1::${CLIENT_PORT}`, image, '/usr/local/bin/etcd', ...m.args);
      ports.push(Number((await docker('port', `${m.containerName}-floor`, String(CLIENT_PORT))).split(':').pop()));
    }
    const memberEndpoints = ports.map((p) => `https://127.0.0.1:${p}`);
    let clientEndpoints = memberEndpoints;
    if (plan.loadBalancer) {
      const cfgDir = await mkdtemp(join(tmpdir(), 'bench-lb-'));
      await writeFile(join(cfgDir, 'haproxy.cfg'), plan.loadBalancer.config);
      names.push(`${plan.loadBalancer.containerName}-floor`);
      await docker('run', '-d', '--name', `${plan.loadBalancer.containerName}-floor`, '--network', net, '-v', `${cfgDir}:/cfg:ro`,
        '-p', `127.0.0.1::${CLIENT_PORT}`, lbImage, '/usr/local/bin/haproxy', '-db', '-f', '/cfg/haproxy.cfg');
      clientEndpoints = [`https://127.0.0.1:${(await docker('port', `${plan.loadBalancer.containerName}-floor`, String(CLIENT_PORT))).split(':').pop()}`];
    }
    await readyAndFirstPut(memberEndpoints, clientEndpoints, tls);
    return performance.now() - t0;
  } finally {
    if (names.length) await docker('rm', '-f', '-v', ...names);
    await docker('network', 'rm', net).catch(() => undefined);
  }
}

async function processFloor(plan: ClusterPlan, tlsDir: string, tls: ClientTls): Promise<number> {
  const ports = await pinPorts(Array.from({ length: 2 * plan.members.length + 1 }, () => undefined));
  const dataRoot = await mkdtemp(join(tmpdir(), 'bench-etcd-'));
  const children: ChildProcess[] = [];
  const peer = (i: number) => `https://127.0.0.1:${ports[2 * i + 1]}`;
  const client = (i: number) => `https://127.0.0.1:${ports[2 * i]}`;
  const initialCluster = plan.members.map((m, i) => `${m.name}=${peer(i)}`).join(',');
  // The same flags as the containers, but every URL on 127.0.0.1 and host paths for data and TLS.
  const hostArgs = (args: string[], i: number) =>
    args.map((a) =>
      a
        .replace(/^--listen-client-urls=.*/, `--listen-client-urls=${client(i)}`)
        .replace(/^--advertise-client-urls=.*/, `--advertise-client-urls=${client(i)}`)
        .replace(/^--listen-peer-urls=.*/, `--listen-peer-urls=${peer(i)}`)
        .replace(/^--initial-advertise-peer-urls=.*/, `--initial-advertise-peer-urls=${peer(i)}`)
        .replace(/^--initial-cluster=.*/, `--initial-cluster=${initialCluster}`)
        .replace(`--data-dir=${DATA_DIR}`, `--data-dir=${join(dataRoot, String(i))}`)
        .replaceAll(PKI_DIR, tlsDir),
    );
  const t0 = performance.now();
  try {
    plan.members.forEach((m, i) => children.push(spawn('etcd', hostArgs(m.args, i), { stdio: 'ignore' })));
    const memberEndpoints = plan.members.map((_, i) => client(i));
    let clientEndpoints = memberEndpoints;
    if (plan.loadBalancer) {
      const cfg = join(dataRoot, 'haproxy.cfg');
      const lbPort = ports[ports.length - 1] as number;
      const config = haproxyConfig(plan.members.map((m) => m.name))
        .replace(/^resolvers docker\n.*\n.*\n/m, '')
        .replace(/ resolvers docker/, '')
        .replace(`bind :${CLIENT_PORT}`, `bind 127.0.0.1:${lbPort}`)
        .replace(/server (member\d+) member\d+:2379/g, (_s, name: string) => `server ${name} ${client(Number(name.replace('member', '')) - 1).replace('https://', '')}`);
      await writeFile(cfg, config);
      children.push(spawn('haproxy', ['-db', '-f', cfg], { stdio: 'ignore' }));
      clientEndpoints = [`https://127.0.0.1:${lbPort}`];
    }
    await readyAndFirstPut(memberEndpoints, clientEndpoints, tls);
    return performance.now() - t0;
  } finally {
    await killAll(children);
    await rm(dataRoot, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const runtime = new DockerRuntime();
  await runtime.ping();
  const image = await resolveEtcdImage(runtime);
  const lbImage = await ensureLoadBalancerImage(runtime);
  const rows: { label: string; times: Record<Way, number>; slowestDrill: number }[] = [];
  for (const shape of shapes) {
    const plan = planCluster(validateSpec(shape.spec));
    const material: TlsMaterial = await generateTls(plan.certificates!);
    const tlsDir = await mkdtemp(join(tmpdir(), 'bench-tls-'));
    await writeTls(tlsDir, material);
    const tls = { ca: material.ca.cert, client: material.client };
    const samples: Record<Way, number[]> = { drill: [], container: [], process: [] };
    for (let rep = 0; rep < REPS; rep += 1) {
      samples.drill.push(await drill(shape.spec));
      samples.container.push(await containerFloor(plan, image.ref, lbImage, tlsDir, tls));
      samples.process.push(await processFloor(plan, tlsDir, tls));
    }
    await rm(tlsDir, { recursive: true, force: true });
    rows.push({ label: shape.label, times: { drill: median(samples.drill), container: median(samples.container), process: median(samples.process) }, slowestDrill: Math.max(...samples.drill) });
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const lines = [
    `\`npm run bench:boot\` — time until every member is healthy and a first put is acknowledged, median of ${REPS} (etcd ${image.version}, ${image.ref}; written by the bench):`,
    '',
    '| topology | etcd-drill | slowest of the drill\'s | docker run floor | process floor | drill ÷ docker run | drill ÷ process |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.label} | ${s(r.times.drill)} | ${s(r.slowestDrill)} | ${s(r.times.container)} | ${s(r.times.process)} | ${(r.times.drill / r.times.container).toFixed(2)}× | ${(r.times.drill / r.times.process).toFixed(2)}× |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await writeReadmeSection('boot', lines.join('\n'));
}

await main();
