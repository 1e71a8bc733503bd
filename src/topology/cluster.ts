import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import type { Etcd3 } from 'etcd3';
import { CommandFailedError, DrillError, describeError } from '../errors.js';
import { EventBus } from '../events.js';
import { log } from '../log.js';
import { DockerRuntime } from '../runtime/docker.js';
import type { ContainerRuntime, ContainerSpec, FileToCopy, StartedContainer, VolumeMount } from '../runtime/runtime.js';
import { waitFor, withTimeout } from '../wait.js';
import { classifyError, createClient, memberIdHex, type ClientOptions } from './client.js';
import { ETCD_BIN_DIR, ensureLoadBalancerImage, resolveEtcdImage, snapshotTool, type EtcdImage } from './image.js';
import { onInterrupt, processOwner } from './lifecycle.js';
import { CLIENT_PORT, DETACHED_OWNER, PEER_PORT, PKI_DIR, SCRATCH_DIR, haproxyConfig, labelKeys, planCluster, planMember, type ClusterPlan, type MemberPlan } from './plan.js';
import { validateSpec, type ClusterSpec, type ClusterSpecInput } from './spec.js';
import { clusterDir, drillHome, listStates, loadState, removeState, saveState, tlsDir, type ClusterState, type MemberState } from './state.js';
import { sweepOrphans } from './sweep.js';
import { timeoutsFor, type Timeouts } from './timeouts.js';
import { generateTls, issueMemberTls, readTls, tlsFiles, writeTls, type TlsMaterial } from './tls.js';
import { leaderOf, type LeadershipClaim } from './leadership.js';

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

export interface MemberInfo {
  name: string;
  /** etcd member ID, hex. */
  id: string;
  containerId: string;
  containerName: string;
  /** Reachable from this host: `https://127.0.0.1:PORT`. */
  endpoint: string;
  /** Reachable inside the cluster network: `https://member1:2379`. */
  clientUrl: string;
  peerUrl: string;
}

export interface MemberStatus {
  name: string;
  endpoint: string;
  healthy: boolean;
  isLeader: boolean;
  /** Hex ID of the leader this member follows; undefined when it knows none or did not answer. */
  leaderId: string | undefined;
  raftTerm: number | undefined;
  raftIndex: number | undefined;
  revision: number | undefined;
  dbSizeBytes: number | undefined;
  version: string | undefined;
  /** Hex ID of the cluster it belongs to: a restore with a new cluster token makes a new one. */
  clusterId: string | undefined;
  error: string | undefined;
}

/**
 * Where an etcd tool runs outside the members (the restore workbench); `name` is the member the
 * command is for, as the timeline shows it.
 */
export interface OfflineRunner {
  containerId: string;
  name: string;
}

export interface EtcdctlResult {
  /** The command as an operator would type it. */
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface EtcdctlOptions {
  /** The member whose container runs etcdctl and, unless `--endpoints` is given, is talked to. */
  member?: string;
  /** Return non-zero exits instead of throwing CommandFailedError. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

const START_LANES = 2;
const HAPROXY_CONFIG = '/usr/local/etc/haproxy/haproxy.cfg';
const BOOT_KEY = '/etcd-drill/boot';

/** A running cluster. Obtained from `startCluster` or, in another process, `attachCluster`. */
export class Cluster implements AsyncDisposable {
  readonly timeouts: Timeouts;
  private readonly clients: Etcd3[] = [];
  private releaseInterrupt: (() => void) | undefined;
  private stopped = false;
  private lastClusterId: string | undefined;

  constructor(
    private readonly state: ClusterState,
    private readonly tls: TlsMaterial | undefined,
    private readonly runtime: ContainerRuntime,
    private readonly home: string,
    private readonly events: EventBus,
  ) {
    this.timeouts = timeoutsFor(state.spec.etcd);
  }

  get name(): string {
    return this.state.name;
  }
  /** The container engine this cluster runs on; faults act through it. */
  get containers(): ContainerRuntime {
    return this.runtime;
  }
  /** The event stream this cluster was started or attached with. */
  get eventBus(): EventBus {
    return this.events;
  }
  get spec(): ClusterSpec {
    return this.state.spec;
  }
  get image(): EtcdImage {
    return this.state.image;
  }
  get stateDir(): string {
    return clusterDir(this.name, this.home);
  }
  get tlsDir(): string | undefined {
    return this.tls ? tlsDir(this.name, this.home) : undefined;
  }

  get members(): readonly MemberInfo[] {
    return this.state.members.map((m) => ({
      name: m.name,
      id: m.id,
      containerId: m.containerId,
      containerName: m.containerName,
      endpoint: this.hostUrl(m.hostPort),
      clientUrl: m.clientUrl,
      peerUrl: m.peerUrl,
    }));
  }

  member(name: string): MemberInfo {
    const found = this.members.find((m) => m.name === name);
    if (!found) {
      throw new DrillError(`cluster '${this.name}' has no member '${name}'`, { hint: `members: ${this.members.map((m) => m.name).join(', ')}` });
    }
    return found;
  }

  /** The load balancer's endpoint, if the topology has one. */
  get loadBalancerEndpoint(): string | undefined {
    return this.state.loadBalancer ? this.hostUrl(this.state.loadBalancer.hostPort) : undefined;
  }

  /** What a client such as the API server is given: the load balancer, or every member (§1 of the seed). */
  get endpoints(): string[] {
    const lb = this.loadBalancerEndpoint;
    return lb ? [lb] : this.members.map((m) => m.endpoint);
  }

  /** Client TLS material (CA + k8sclient pair), or undefined with `--insecure`. */
  get clientTls(): { ca: string; cert: string; key: string } | undefined {
    return this.tls ? { ca: this.tls.ca.cert, cert: this.tls.client.cert, key: this.tls.client.key } : undefined;
  }

  /** An etcd3 client with this cluster's TLS; closed by `stop()` if the caller does not close it. */
  client(options: Partial<Pick<ClientOptions, 'hosts' | 'faultHandling' | 'requestTimeoutMs' | 'maxAttempts'>> = {}): Etcd3 {
    const client = createClient({
      hosts: options.hosts ?? this.endpoints,
      tls: this.tls ? { ca: this.tls.ca.cert, client: this.tls.client } : undefined,
      requestTimeoutMs: options.requestTimeoutMs ?? this.timeouts.requestMs,
      faultHandling: options.faultHandling ?? 'resilient',
      maxAttempts: options.maxAttempts,
    });
    this.clients.push(client);
    return client;
  }

  /** Every member's view, each asked directly with no retries, like `etcdctl endpoint status`. */
  async status(): Promise<MemberStatus[]> {
    const statuses = await Promise.all(this.members.map((m) => this.memberStatus(m)));
    this.lastClusterId = statuses.find((s) => s.clusterId !== undefined)?.clusterId ?? this.lastClusterId;
    return statuses;
  }

  /**
   * The cluster ID the members report, or, when none answers (quorum lost for good), the one they
   * last reported: what a restore must change.
   */
  async clusterId(): Promise<string | undefined> {
    await this.status();
    return this.lastClusterId;
  }

  private async memberStatus(member: MemberInfo): Promise<MemberStatus> {
    const client = this.client({ hosts: [member.endpoint], faultHandling: 'none' });
    try {
      const s = await withTimeout(client.maintenance.status(), this.timeouts.requestMs, `status of ${member.name}`);
      const leaderId = s.leader === '0' ? undefined : memberIdHex(s.leader);
      return {
        name: member.name,
        endpoint: member.endpoint,
        healthy: leaderId !== undefined,
        isLeader: s.leader === s.header.member_id,
        leaderId,
        raftTerm: Number(s.raftTerm),
        raftIndex: Number(s.raftIndex),
        revision: Number(s.header.revision),
        dbSizeBytes: Number(s.dbSize),
        version: s.version,
        clusterId: memberIdHex(s.header.cluster_id),
        error: leaderId === undefined ? 'no leader' : undefined,
      };
    } catch (err) {
      return {
        name: member.name,
        endpoint: member.endpoint,
        healthy: false,
        isLeader: false,
        leaderId: undefined,
        raftTerm: undefined,
        raftIndex: undefined,
        revision: undefined,
        dbSizeBytes: undefined,
        version: undefined,
        clusterId: undefined,
        error: shortError(describeError(err)),
      };
    } finally {
      this.closeClient(client);
    }
  }

  /** Who leads (`leaderOf`: the member most of those that answer follow), or undefined while there is none. */
  async leader(): Promise<MemberInfo | undefined> {
    const leader = leaderOf((await this.status()).map(claimOf));
    return leader ? this.member(leader.name) : undefined;
  }

  /** `etcdctl endpoint hashkv --rev`: the hash of `member`'s key space at `revision`, as etcd computes it. */
  async hashKV(member: string, revision: number): Promise<number> {
    const { stdout } = await this.etcdctl(['endpoint', 'hashkv', `--endpoints=${this.member(member).clientUrl}`, `--rev=${revision}`, '-w', 'json']);
    const [answer] = JSON.parse(stdout) as { HashKV: { hash: number } }[];
    if (answer === undefined) throw new DrillError(`\`endpoint hashkv\` on ${member} printed no hash`);
    return answer.HashKV.hash;
  }

  /** Waits until `name` follows the leader most members follow: a member just added has caught up enough to count. */
  async waitForMemberToFollow(name: string, timeoutMs = this.timeouts.bootMs): Promise<void> {
    await waitFor(
      async () => (leaderOf((await this.status()).map(claimOf))?.followers.includes(name) ? true : undefined),
      { timeoutMs, intervalMs: this.timeouts.pollMs, description: `${name} to follow the leader` },
    );
  }

  /** Waits until the members that answer agree on a leader and a linearizable read succeeds. */
  async waitForLeader(timeoutMs = this.timeouts.leaderElectionMs): Promise<MemberInfo> {
    const client = this.client({ faultHandling: 'none' });
    try {
      return await waitFor(
        async () => {
          const leader = await this.leader();
          if (!leader) return undefined;
          await client.get(BOOT_KEY).string();
          return leader;
        },
        { timeoutMs, intervalMs: this.timeouts.pollMs, description: `'${this.name}' to have a leader and answer a linearizable read` },
      );
    } finally {
      this.closeClient(client);
    }
  }

  /**
   * Runs the real etcdctl inside a running member's container with this cluster's TLS flags, so
   * what the timeline shows is exactly what an operator would type.
   */
  async etcdctl(args: string[], options: EtcdctlOptions = {}): Promise<EtcdctlResult> {
    const runner = await this.runningMember(options.member);
    const flags: string[] = [];
    if (!args.some((a) => a.startsWith('--endpoints'))) flags.push(`--endpoints=${runner.clientUrl}`);
    if (this.tls) {
      flags.push(`--cacert=${PKI_DIR}/${tlsFiles.caCert}`, `--cert=${PKI_DIR}/${tlsFiles.clientCert}`, `--key=${PKI_DIR}/${tlsFiles.clientKey}`);
    }
    const argv = [...flags, ...args];
    return this.runTool(runner, 'etcdctl', argv, `ETCDCTL_API=3 etcdctl ${argv.join(' ')}`, {
      timeoutMs: options.timeoutMs ?? this.timeouts.requestMs + 5_000,
      allowFailure: options.allowFailure ?? false,
    });
  }

  /**
   * Runs etcd's offline tool on a file inside a member — `etcdutl` where the image has it (3.5+),
   * else `etcdctl`, which held `snapshot status/restore` before — as the operator would type it.
   */
  async snapshotTool(args: string[], options: { member?: string; offline?: OfflineRunner; allowFailure?: boolean } = {}): Promise<EtcdctlResult> {
    const runner = options.offline ?? (await this.runningMember(options.member));
    const tool = snapshotTool(this.state.image);
    return this.runTool(runner, tool, args, [tool, ...args].join(' '), { timeoutMs: this.timeouts.bootMs, allowFailure: options.allowFailure ?? false });
  }

  /** Runs one of the image's etcd tools in a container and puts the command, as typed, on the timeline. */
  private async runTool(runner: OfflineRunner, tool: string, argv: string[], command: string, options: { timeoutMs: number; allowFailure: boolean }): Promise<EtcdctlResult> {
    const started = Date.now();
    const result = await this.runtime.exec(runner.containerId, [`${ETCD_BIN_DIR}/${tool}`, ...argv], { env: ['ETCDCTL_API=3'], timeoutMs: options.timeoutMs });
    const outcome = { command, ...result, durationMs: Date.now() - started };
    this.events.emit({ type: 'command.ran', cluster: this.name, member: runner.name, command, exitCode: result.exitCode, output: (result.stdout + result.stderr).slice(0, 4000), durationMs: outcome.durationMs });
    if (result.exitCode !== 0 && !options.allowFailure) throw new CommandFailedError(command, result.exitCode, result.stderr || result.stdout);
    return outcome;
  }

  private async runningMember(name: string | undefined): Promise<MemberInfo> {
    const candidates = name ? [this.member(name)] : this.members;
    for (const m of candidates) if (await this.runtime.isRunning(m.containerId)) return m;
    throw new DrillError(name ? `member ${name} is not running, so etcdctl cannot run in it` : `no member of '${this.name}' is running`, {
      hint: name ? 'pick a running member' : 'heal the cluster or restore it first',
    });
  }

  /** The labels a Docker object of this cluster carries, so clean-up finds what runbooks make too. */
  get objectLabels(): Record<string, string> {
    return { [labelKeys.cluster]: this.name, [labelKeys.owner]: this.state.owner };
  }

  private containerContext(): MemberContainerContext {
    return {
      cluster: this.name,
      scheme: this.spec.tls ? 'https' : 'http',
      network: this.state.network,
      image: this.state.image.ref,
      labels: this.objectLabels,
      tls: this.tls,
      spec: this.spec,
    };
  }

  /**
   * Starts a member that `etcdctl member add` has just announced (§3.4 of the runbooks):
   * `--initial-cluster-state=existing` with the list etcd printed, certificates from the cluster's CA.
   */
  async startAddedMember(name: string, initialCluster: string): Promise<MemberInfo> {
    if (this.tls) {
      this.tls.members[name] = await issueMemberTls(this.tls.ca, { name, hostname: name });
      await writeTls(tlsDir(this.name, this.home), this.tls);
    }
    const [hostPort] = await pinPorts([undefined]);
    const member = planMember(this.spec, { name, scheme: this.spec.tls ? 'https' : 'http', initialCluster, initialClusterState: 'existing', token: this.state.token, hostPort });
    const container = await this.runtime.startContainer(memberContainer(this.containerContext(), member));
    // Resilient: the failed member may still be listed among the endpoints.
    const client = this.client();
    try {
      const { members } = await client.cluster.memberList({ linearizable: true });
      this.state.members.push({
        name,
        id: memberIdHex(members.find((m) => m.name === name)?.ID ?? '0'),
        containerId: container.id,
        containerName: container.name,
        hostPort: container.hostPorts[CLIENT_PORT] as number,
        clientUrl: member.clientUrl,
        peerUrl: member.peerUrl,
      });
    } finally {
      this.closeClient(client);
    }
    await saveState(this.state, this.home);
    return this.member(name);
  }

  /** Drops a member that has left the cluster: its container (if any is left) and its record. */
  async forgetMember(name: string): Promise<void> {
    await this.removeContainersOf([this.member(name)]);
    this.state.members = this.state.members.filter((m) => m.name !== name);
    await saveState(this.state, this.home);
  }

  /** Removes every member's container, and its data dir with it, but keeps the members' records for startRestoredMembers (§6). */
  async removeMemberContainers(): Promise<void> {
    await this.removeContainersOf(this.state.members);
  }

  private async removeContainersOf(members: Pick<MemberState, 'containerId' | 'containerName'>[]): Promise<void> {
    await this.runtime.remove({ containers: members.map((m) => ({ id: m.containerId, name: m.containerName, labels: {}, state: '' })), networks: [], volumes: [] });
  }

  /**
   * Replaces every member by one started on restored data: same names and endpoints, data from
   * `volumes[name]` mounted at `dataDir`, a new cluster token. The old containers must be gone.
   */
  async startRestoredMembers(volumes: Record<string, string>, dataDir: string, token: string): Promise<void> {
    const scheme = this.spec.tls ? 'https' : 'http';
    const names = this.state.members.map((m) => m.name);
    const initialCluster = names.map((n) => `${n}=${scheme}://${n}:${PEER_PORT}`).join(',');
    const started = await Promise.all(
      this.state.members.map(async (old) => {
        const volume = volumes[old.name];
        if (!volume) throw new DrillError(`no restored data for ${old.name}`, { hint: 'restore every member from the same snapshot' });
        const planned = planMember(this.spec, { name: old.name, scheme, initialCluster, initialClusterState: 'new', token, hostPort: old.hostPort });
        const member = { ...planned, args: planned.args.map((a) => (a.startsWith('--data-dir=') ? `--data-dir=${dataDir}` : a)) };
        const spec = memberContainer(this.containerContext(), member, undefined, [{ name: volume, target: dataDir.replace(/\/[^/]+$/, '') }]);
        const container = await this.runtime.startContainer(spec);
        return { ...old, containerId: container.id, containerName: container.name };
      }),
    );
    this.state.members = started;
    this.state.token = token;
    const client = this.client();
    try {
      const { members } = await client.cluster.memberList({ linearizable: true });
      for (const m of this.state.members) m.id = memberIdHex(members.find((x) => x.name === m.name)?.ID ?? '0');
    } finally {
      this.closeClient(client);
    }
    await saveState(this.state, this.home);
  }

  /** Points the load balancer at the current members (§3.5: "update the load balancer"). */
  async reloadLoadBalancer(): Promise<void> {
    const lb = this.state.loadBalancer;
    if (!lb) return;
    await this.runtime.copyToContainer(lb.containerId, [{ target: HAPROXY_CONFIG, content: haproxyConfig(this.state.members.map((m) => m.name)), mode: 0o644 }]);
    await this.runtime.restart(lb.containerId);
  }

  /** Removes every container and network of this cluster and its state folder. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.events.emit({ type: 'cluster.stopping', cluster: this.name });
    for (const client of this.clients.splice(0)) client.close();
    const removed = await removeCluster(this.runtime, this.name, this.home);
    this.events.emit({ type: 'cluster.removed', cluster: this.name, ...removed });
    this.releaseInterrupt?.();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** @internal startCluster hands over its interrupt registration to the handle. */
  keepInterruptRegistration(release: () => void): void {
    this.releaseInterrupt = release;
  }

  private closeClient(client: Etcd3): void {
    client.close();
    const at = this.clients.indexOf(client);
    if (at >= 0) this.clients.splice(at, 1);
  }

  private hostUrl(port: number): string {
    return `${this.state.spec.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  }
}

/** A status table cell, not a stack: the kind of failure, or the message's first clause. */
/** A member's status as a claim about who leads, for `leaderOf`. */
export function claimOf(status: MemberStatus): LeadershipClaim {
  return { name: status.name, answered: status.raftTerm !== undefined, claimsLead: status.isLeader, leaderId: status.leaderId, term: status.raftTerm };
}

function shortError(message: string): string {
  const kind = classifyError(message);
  return kind === 'other' ? (message.split('\n')[0] as string).slice(0, 80) : kind;
}

/** Removes every Docker object labelled with the cluster's name, and its state folder. */
export async function removeCluster(runtime: ContainerRuntime, name: string, home = drillHome()): Promise<{ containers: number; networks: number }> {
  const removed = { containers: 0, networks: 0 };
  // A container attached while we listed keeps its network busy: list again until nothing is left.
  for (let pass = 1; ; pass += 1) {
    const objects = await runtime.findByLabels({ [labelKeys.cluster]: name });
    if (objects.containers.length + objects.networks.length + objects.volumes.length === 0) break;
    removed.containers += objects.containers.length;
    removed.networks += objects.networks.length;
    try {
      await runtime.remove(objects);
    } catch (err) {
      if (pass >= 3) throw err;
    }
  }
  await removeState(name, home);
  return removed;
}

/** Reattaches to a cluster another process started, by name. */
export async function attachCluster(name: string, options: Pick<StartOptions, 'runtime' | 'home' | 'events'> = {}): Promise<Cluster> {
  const home = options.home ?? drillHome();
  const state = await loadState(name, home);
  const tls = state.spec.tls ? await readTls(tlsDir(name, home), state.members.map((m) => m.name)) : undefined;
  return new Cluster(state, tls, options.runtime ?? new DockerRuntime(), home, options.events ?? new EventBus());
}

export { listStates as listClusters };

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
  const release = onInterrupt(async () => {
    abort.abort(new DrillError('interrupted'));
    // Let container creates already sent to the engine land first, so the removal sees them.
    await withTimeout(boot?.catch(() => undefined) ?? Promise.resolve(undefined), 10_000, 'the interrupted start').catch(() => undefined);
    await removeCluster(runtime, plan.cluster, home);
  });
  boot = boot_(pinned, { runtime, events, home, labels, owner, signal: abort.signal, options, startedAt });
  try {
    const cluster = await boot;
    if (options.detached) release();
    else cluster.keepInterruptRegistration(release);
    return cluster;
  } catch (err) {
    release();
    await removeCluster(runtime, plan.cluster, home).catch((cleanupErr) => log.error(`clean-up after a failed start: ${describeError(cleanupErr)}`));
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

async function boot_(plan: ClusterPlan, ctx: BootContext): Promise<Cluster> {
  const { runtime, events, home, labels } = ctx;
  // One member failing stops the others' waits at once instead of after the boot timeout.
  const boot = new AbortController();
  const signal = AbortSignal.any([ctx.signal, boot.signal]);
  const timeouts = timeoutsFor(plan.spec.etcd);
  events.emit({ type: 'cluster.starting', cluster: plan.cluster, members: plan.members.length, topology: plan.topology });

  const [image, lbImage, tls] = await Promise.all([
    resolveEtcdImage(runtime, { requested: ctx.options.image ?? plan.spec.image, pull: ctx.options.pull, events }),
    plan.loadBalancer ? ensureLoadBalancerImage(runtime, events) : Promise.resolve(undefined),
    plan.certificates ? generateTls(plan.certificates) : Promise.resolve(undefined),
  ]);
  if (tls) await writeTls(tlsDir(plan.cluster, home), tls);
  signal.throwIfAborted();

  const networkId = await runtime.createNetwork(plan.network, labels);

  // Containers start in two lanes, each member booting while the next container is created:
  // measured on two cores, all at once contend (5 members: 6.6 s), one by one leave the engine
  // idle (5.4 s), two lanes are fastest (5.0 s).
  const lanes = START_LANES;
  const started: Promise<void>[] = [];
  const starting = plan.members.map((member, i) => {
    let resolve!: () => void;
    const processStarted = new Promise<void>((r) => (resolve = r));
    const gate = started[i - lanes] ?? Promise.resolve();
    started.push(processStarted);
    const start = gate.then(() => {
      signal.throwIfAborted();
      const spec = memberContainer(
        { cluster: plan.cluster, scheme: plan.scheme, network: plan.network, image: image.ref, labels, tls, spec: plan.spec, signal },
        member,
        () => {
          events.emit({ type: 'member.started', cluster: plan.cluster, member: member.name });
          resolve();
        },
      );
      return runtime.startContainer(spec);
    });
    start.catch(() => resolve());
    return start.then((container) => {
      events.emit({ type: 'member.ready', cluster: plan.cluster, member: member.name });
      return container;
    });
  });
  const lbStart = plan.loadBalancer && lbImage ? (started[started.length - lanes] ?? Promise.resolve()).then(() => startLoadBalancer(plan, lbImage, ctx, timeouts, signal)) : Promise.resolve(undefined);
  const [containers, lb] = await allOrAbort([Promise.all(starting), lbStart], boot);

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
    };
  });
  const state: ClusterState = {
    name: plan.cluster,
    spec: plan.spec,
    owner: ctx.owner,
    image,
    networkId,
    network: plan.network,
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

function memberFiles(member: MemberPlan, tls: TlsMaterial): FileToCopy[] {
  const own = tls.members[member.name];
  if (!own) throw new Error(`no certificates were generated for ${member.name}`);
  const file = (path: string, content: string, mode: number): FileToCopy => ({ target: `${PKI_DIR}/${path}`, content, mode });
  return [
    file(tlsFiles.caCert, tls.ca.cert, 0o644),
    file(tlsFiles.serverCert(member.name), own.server.cert, 0o644),
    file(tlsFiles.serverKey(member.name), own.server.key, 0o600),
    file(tlsFiles.peerCert(member.name), own.peer.cert, 0o644),
    file(tlsFiles.peerKey(member.name), own.peer.key, 0o600),
    // etcdctl runs inside members' containers as the API server's identity.
    file(tlsFiles.clientCert, tls.client.cert, 0o644),
    file(tlsFiles.clientKey, tls.client.key, 0o600),
  ];
}

/** A member is ready when it answers status on its published port and knows a leader. */
interface MemberContainerContext {
  cluster: string;
  scheme: 'http' | 'https';
  network: string;
  image: string;
  labels: Record<string, string>;
  tls: TlsMaterial | undefined;
  spec: ClusterSpec;
  signal?: AbortSignal | undefined;
}

/** How a member's container is made: at boot, when a member is added, when members are restored. */
function memberContainer(ctx: MemberContainerContext, member: MemberPlan, onProcessStarted?: () => void, volumes?: VolumeMount[]): ContainerSpec {
  const timeouts = timeoutsFor(ctx.spec.etcd);
  const clientTls = ctx.tls ? { ca: ctx.tls.ca.cert, client: ctx.tls.client } : undefined;
  return {
    name: member.containerName,
    image: ctx.image,
    hostname: member.hostname,
    network: ctx.network,
    aliases: [member.hostname],
    command: [`${ETCD_BIN_DIR}/etcd`, ...member.args],
    labels: { ...ctx.labels, [labelKeys.role]: 'member', [labelKeys.member]: member.name },
    files: ctx.tls ? memberFiles(member, ctx.tls) : [],
    publish: [{ containerPort: CLIENT_PORT, hostPort: member.hostPort }],
    resources: ctx.spec.resources,
    volumes: [{ name: scratchVolume(ctx.cluster, member.name), target: SCRATCH_DIR, inMemory: true }, ...(volumes ?? [])],
    readyTimeoutMs: timeouts.bootMs,
    ...(onProcessStarted ? { onProcessStarted } : {}),
    ready: (container) => waitForLeader(member, `${ctx.scheme}://127.0.0.1:${container.hostPorts[CLIENT_PORT]}`, clientTls, timeouts, ctx.signal),
  };
}

/** Each member's RAM-backed scratch space for snapshots on their way out. */
function scratchVolume(cluster: string, member: string): string {
  return `etcd-drill-${cluster}-${member}-scratch`;
}

async function waitForLeader(member: MemberPlan, endpoint: string, tls: ClientOptions['tls'], timeouts: Timeouts, signal?: AbortSignal): Promise<void> {
  const client = createClient({ hosts: [endpoint], tls, requestTimeoutMs: timeouts.requestMs, faultHandling: 'none' });
  try {
    await waitFor(async () => ((await client.maintenance.status()).leader !== '0' ? true : undefined), {
      timeoutMs: timeouts.bootMs,
      intervalMs: timeouts.pollMs,
      description: `${member.name} to serve with a leader`,
      hint: `see \`docker logs ${member.containerName}\``,
      signal,
    });
  } finally {
    client.close();
  }
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

/**
 * Fixes every published port before any container exists: requested ports must be free, the others
 * are picked free now. Docker would pick new ports on every restart otherwise, and a member that
 * comes back from a fault would move away from its endpoint and from `etcd-drill env`.
 */
async function pinHostPorts(plan: ClusterPlan): Promise<ClusterPlan> {
  const ports = await pinPorts([...plan.members.map((m) => m.hostPort), ...(plan.loadBalancer ? [plan.loadBalancer.hostPort] : [])]);
  return {
    ...plan,
    members: plan.members.map((m, i) => ({ ...m, hostPort: ports[i] })),
    loadBalancer: plan.loadBalancer ? { ...plan.loadBalancer, hostPort: ports[plan.members.length] } : undefined,
  };
}

/** Each requested port if free (else a clear error), a free one for each undefined; all distinct. */
async function pinPorts(requested: (number | undefined)[]): Promise<number[]> {
  const held: Server[] = [];
  const hold = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = createServer()
        .once('error', () => resolve(undefined))
        .listen(port, '127.0.0.1', () => {
          held.push(server);
          resolve((server.address() as AddressInfo).port);
        });
    });
  try {
    const ports: number[] = [];
    for (const port of requested) {
      const got = await hold(port ?? 0);
      if (got === undefined) {
        throw new DrillError(`port ${port} on 127.0.0.1 is already in use`, { hint: 'pick another --base-port, or leave it out to use free ports' });
      }
      ports.push(got);
    }
    return ports;
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
