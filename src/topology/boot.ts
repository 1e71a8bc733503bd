import { connect } from 'node:net';
import { DrillError, describeError } from '../errors.js';
import { EventBus } from '../events.js';
import { log } from '../log.js';
import { DockerRuntime } from '../runtime/docker.js';
import type { ContainerRuntime, StartedContainer } from '../runtime/runtime.js';
import { waitFor, withTimeout } from '../wait.js';
import { memberIdHex } from './client.js';
import { BOOT_KEY, Cluster } from './cluster.js';
import { removeCluster } from './existing.js';
import { ensureLoadBalancerImage, resolveEtcdImage } from './image.js';
import { onInterrupt, processOwner } from './lifecycle.js';
import { RAFT_RUNNING, memberContainer, START_LANES, startInLanes } from './member-container.js';
import { CLIENT_PORT, DETACHED_OWNER, HAPROXY_CONFIG, labelKeys, addressPlan, planCluster, type ClusterPlan, type MemberPlan } from './plan.js';
import { pinHostPorts } from './ports.js';
import { validateSpec, type ClusterSpecInput } from './spec.js';
import { drillHome, listStates, saveState, tlsDir, type ClusterState, type MemberState } from './state.js';
import { sweepOrphans } from './sweep.js';
import { timeoutsFor, type Timeouts } from './timeouts.js';
import { generateTls, writeTls } from './tls.js';

// Boot with rollback: `startCluster` carries out a plan and, on failure or interruption, removes
// everything it made. The `Cluster` handle it returns lives in cluster.ts.

export interface StartOptions {
  events?: EventBus;
  runtime?: ContainerRuntime;
  /** State folder root; default `$ETCD_DRILL_HOME` or the XDG state dir. */
  home?: string;
  /**
   * Keep the cluster after this process ends, until `etcd-drill down` (what `etcd-drill up` does).
   * Otherwise it is removed by `stop()`, on SIGINT/SIGTERM, or by the next start's sweep.
   */
  detached?: boolean;
  /** `--etcd-image`. */
  image?: string;
  /** Pull the image even when a local one exists. */
  pull?: boolean;
}

/**
 * Carries out a plan: image, TLS, network, members, load balancer; returns when every member
 * serves with a leader and a first put has been acknowledged. On failure or interruption
 * everything it made is removed again.
 */
export async function startCluster(input: ClusterSpecInput | ClusterPlan, options: StartOptions = {}): Promise<Cluster> {
  const plan = isPlan(input) ? input : planCluster(validateSpec(input));
  const runtime = options.runtime ?? new DockerRuntime();
  const events = options.events ?? new EventBus();
  const home = options.home ?? drillHome();
  const startedAt = Date.now();

  await runtime.ping();
  await sweepOrphans(runtime, home, events);
  await refuseExisting(runtime, plan.cluster, home);
  const pinned = await pinHostPorts(plan);

  const owner = options.detached ? DETACHED_OWNER : processOwner();
  const labels = { ...plan.labels, [labelKeys.owner]: owner };
  const abort = new AbortController();
  let boot: Promise<Cluster> | undefined;
  // The interrupt and the failed start share one removal: two at once see each other's removals
  // "in progress", and the process must not exit while the other one still runs.
  let removal: Promise<unknown> | undefined;
  const removeAll = () => (removal ??= removeCluster(runtime, plan.cluster, home));
  const release = onInterrupt(async () => {
    abort.abort(new DrillError('interrupted'));
    // Let container creates already sent to the engine land first, so the removal sees them: a
    // start settles soon after the abort, but on a loaded engine that can take more than seconds.
    await withTimeout(boot?.catch(() => undefined) ?? Promise.resolve(undefined), timeoutsFor(plan.spec.etcd).bootMs, 'the interrupted start').catch(() => undefined);
    await removeAll();
  });
  boot = boot_(pinned, { runtime, events, home, labels, owner, signal: abort.signal, options, startedAt });
  try {
    const cluster = await boot;
    if (options.detached) release();
    else cluster.keepInterruptRegistration(release);
    return cluster;
  } catch (err) {
    release();
    await removeAll().catch((cleanupErr) => log.error(`clean-up after a failed start: ${describeError(cleanupErr)}`));
    throw abort.signal.aborted ? abort.signal.reason : err;
  }
}

interface BootContext {
  runtime: ContainerRuntime;
  events: EventBus;
  home: string;
  labels: Record<string, string>;
  owner: string;
  signal: AbortSignal;
  options: StartOptions;
  startedAt: number;
}

async function boot_(unaddressed: ClusterPlan, ctx: BootContext): Promise<Cluster> {
  const { runtime, events, home, labels } = ctx;
  // One member failing stops the others' waits at once instead of after the boot timeout.
  const boot = new AbortController();
  const signal = AbortSignal.any([ctx.signal, boot.signal]);
  const timeouts = timeoutsFor(unaddressed.spec.etcd);
  events.emit({ type: 'cluster.starting', cluster: unaddressed.cluster, members: unaddressed.members.length, topology: unaddressed.topology });

  // The network first: its subnet decides the members' addresses, which their certificates name.
  const network = await runtime.createNetwork(unaddressed.network, labels);
  const plan = addressPlan(unaddressed, network.subnet);
  const [image, lbImage, tls] = await Promise.all([
    resolveEtcdImage(runtime, { requested: ctx.options.image ?? plan.spec.image, pull: ctx.options.pull, events }),
    plan.loadBalancer ? ensureLoadBalancerImage(runtime, events) : Promise.resolve(undefined),
    plan.certificates ? generateTls(plan.certificates) : Promise.resolve(undefined),
  ]);
  if (tls) await writeTls(tlsDir(plan.cluster, home), tls);
  signal.throwIfAborted();

  const { starts, processStarted } = startInLanes(plan.members.length, (i, hooks) => {
    signal.throwIfAborted();
    const member = plan.members[i] as MemberPlan;
    const spec = memberContainer(
      { cluster: plan.cluster, scheme: plan.scheme, network: plan.network, image: image.ref, labels, tls, spec: plan.spec, signal },
      member,
      {
        beforeStart: hooks.beforeStart,
        onProcessStarted: (containerId) => {
          events.emit({ type: 'member.started', cluster: plan.cluster, member: member.name });
          hooks.onProcessStarted(containerId);
        },
      },
    );
    return runtime.startContainer(spec).then((container) => {
      events.emit({ type: 'member.ready', cluster: plan.cluster, member: member.name });
      return container;
    });
  }, (containerId) => raftRuns(runtime, containerId, timeouts, signal));
  // The load balancer takes the lane the last members leave.
  const lbStart = plan.loadBalancer && lbImage ? (processStarted[processStarted.length - START_LANES] ?? Promise.resolve()).then(() => startLoadBalancer(plan, lbImage, ctx, timeouts, signal)) : Promise.resolve(undefined);
  const [containers, lb] = await allOrAbort([Promise.all(starts), lbStart], boot);

  const memberStates: MemberState[] = plan.members.map((m, i) => {
    const container = containers[i] as StartedContainer;
    return {
      name: m.name,
      id: '',
      containerId: container.id,
      containerName: container.name,
      hostPort: container.hostPorts[CLIENT_PORT] as number,
      clientUrl: m.clientUrl,
      peerUrl: m.peerUrl,
      address: m.address,
    };
  });
  const state: ClusterState = {
    name: plan.cluster,
    spec: plan.spec,
    owner: ctx.owner,
    image,
    networkId: network.id,
    network: plan.network,
    subnet: network.subnet,
    token: plan.token,
    members: memberStates,
    loadBalancer: lb ? { containerId: lb.id, containerName: lb.name, hostPort: lb.hostPorts[CLIENT_PORT] as number } : undefined,
    createdAt: new Date(ctx.startedAt).toISOString(),
  };
  const cluster = new Cluster(state, tls, runtime, home, events);
  const client = cluster.client();
  try {
    await waitFor(async () => (await client.put(BOOT_KEY).value(new Date().toISOString()), true), {
      timeoutMs: timeouts.bootMs,
      intervalMs: timeouts.pollMs,
      description: `the first put through ${cluster.endpoints.join(',')}`,
      signal,
    });
    const { members } = await client.cluster.memberList({ linearizable: true });
    for (const m of memberStates) m.id = memberIdHex(members.find((x) => x.name === m.name)?.ID ?? '0');
  } finally {
    client.close();
  }
  await saveState(state, home);
  events.emit({ type: 'cluster.ready', cluster: plan.cluster, elapsedMs: Date.now() - ctx.startedAt });
  return cluster;
}

/**
 * Like Promise.all, but on the first failure aborts the rest and waits until every start has
 * settled, so no container create is still on its way to the engine when clean-up runs.
 */
async function allOrAbort<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }, boot: AbortController): Promise<T> {
  const failFast = work.map((p) => p.catch((err: unknown) => {
    boot.abort(err);
    throw err;
  }));
  const settled = await Promise.allSettled(failFast);
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

async function startLoadBalancer(plan: ClusterPlan, image: string, ctx: BootContext, timeouts: Timeouts, signal: AbortSignal): Promise<StartedContainer> {
  const lb = plan.loadBalancer as NonNullable<ClusterPlan['loadBalancer']>;
  const configPath = HAPROXY_CONFIG;
  return ctx.runtime.startContainer({
    name: lb.containerName,
    image,
    hostname: lb.hostname,
    network: plan.network,
    aliases: [lb.hostname],
    command: ['/usr/local/bin/haproxy', '-db', '-f', configPath],
    labels: { ...ctx.labels, [labelKeys.role]: 'load-balancer' },
    files: [{ target: configPath, content: lb.config, mode: 0o644 }],
    publish: [{ containerPort: CLIENT_PORT, hostPort: lb.hostPort }],
    readyTimeoutMs: timeouts.bootMs,
    ready: async (container) => {
      await waitFor(() => tcpAccepts(container.hostPorts[CLIENT_PORT] as number), {
        timeoutMs: timeouts.bootMs,
        intervalMs: timeouts.pollMs,
        description: 'the load balancer to accept connections',
        hint: `see \`docker logs ${lb.containerName}\``,
        signal,
      });
    },
  });
}

/** Once the member's raft node runs (its bootstrap check behind it), or its process has ended. */
async function raftRuns(runtime: ContainerRuntime, containerId: string, timeouts: Timeouts, signal: AbortSignal): Promise<void> {
  await waitFor(async () => (RAFT_RUNNING.test(await runtime.logs(containerId)) || !(await runtime.inspect(containerId)).running ? true : undefined), {
    timeoutMs: timeouts.bootMs,
    // The next member's process waits on this: poll faster than the conditions do.
    intervalMs: 20,
    description: `container ${containerId.slice(0, 12)}'s raft node to run`,
    signal,
  });
}

function tcpAccepts(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

function isPlan(input: ClusterSpecInput | ClusterPlan): input is ClusterPlan {
  return typeof input === 'object' && input !== null && 'members' in input && Array.isArray((input as ClusterPlan).members);
}

async function refuseExisting(runtime: ContainerRuntime, name: string, home: string): Promise<void> {
  const objects = await runtime.findByLabels({ [labelKeys.cluster]: name });
  const known = (await listStates(home)).includes(name);
  if (known || objects.containers.length > 0 || objects.networks.length > 0) {
    throw new DrillError(`a cluster named '${name}' already exists`, { hint: `remove it with \`etcd-drill down ${name}\` or pick another --name` });
  }
}
