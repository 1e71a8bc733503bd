import type { Etcd3 } from 'etcd3';
import { ContainerGoneError, DrillError, describeError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { waitFor, withTimeout } from '../wait.js';
import { classifyError, createClient, memberIdHex, type ClientOptions } from './client.js';
import type { EtcdImage } from './image.js';
import { labelKeys } from './plan.js';
import type { ClusterSpec } from './spec.js';
import { clusterDir, tlsDir, type ClusterState } from './state.js';
import { timeoutsFor, type Timeouts } from './timeouts.js';
import type { TlsMaterial } from './tls.js';
import { decidedLeader, leaderOf, type Leadership, type LeadershipClaim } from './leadership.js';
import type { MemberContainerContext } from './member-container.js';
import * as membership from './membership.js';
import * as verbs from './member-verbs.js';
import * as tools from './member-tools.js';
import type { EtcdctlOptions, EtcdctlResult, OfflineRunner } from './member-tools.js';
import type { CopyEnd } from './copy-end.js';
import { removeCluster } from './existing.js';

// How a cluster is started (boot.ts) and found again or removed by name (existing.ts) live apart
// from the handle; they are exported from here too, so callers have one place to import from.
export { startCluster, type StartOptions } from './boot.js';
export { attachCluster, listClusters, removeCluster } from './existing.js';

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

/** The status error of a member whose container no longer exists: it will not answer again by itself. */
export const MEMBER_GONE = 'gone: its container no longer exists';
/** The status error of a member whose container is stopped: it will not answer again until started. */
export const MEMBER_STOPPED = 'not running';

/** The status of a member that did not answer (or cannot: its process is frozen or stopped), and why. */
export function unansweredStatus(name: string, endpoint: string, error: string): MemberStatus {
  return { name, endpoint, healthy: false, isLeader: false, leaderId: undefined, raftTerm: undefined, raftIndex: undefined, revision: undefined, dbSizeBytes: undefined, version: undefined, clusterId: undefined, error };
}

export type { EtcdctlOptions, EtcdctlResult, OfflineRunner } from './member-tools.js';

/** The key boot writes first and `waitForLeader` reads back linearizably. */
export const BOOT_KEY = '/etcd-drill/boot';

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
    return Promise.all(this.members.map((m) => this.memberStatus(m)));
  }

  /**
   * The cluster ID the members report, or, when none answers (quorum lost for good), the one they
   * last reported: what a restore must change.
   */
  async clusterId(): Promise<string | undefined> {
    await this.status();
    return this.lastClusterId;
  }

  /** The cluster ID the members last reported, without asking again (none answers once quorum is lost for good). */
  get reportedClusterId(): string | undefined {
    return this.lastClusterId;
  }

  private async memberStatus(member: MemberInfo): Promise<MemberStatus> {
    const client = this.client({ hosts: [member.endpoint], faultHandling: 'none' });
    const down = (error: string) => unansweredStatus(member.name, member.endpoint, error);
    try {
      const answer = withTimeout(client.maintenance.status(), this.timeouts.requestMs, `status of ${member.name}`);
      answer.catch(() => undefined);
      // A frozen or stopped process never answers: the engine says so at once, where the RPC
      // would cost a whole request timeout, on every leader lookup while the fault lasts.
      const container = await this.containers.inspect(member.containerId).catch((err: unknown) => (err instanceof ContainerGoneError ? 'gone' : undefined));
      if (container === 'gone') return down(MEMBER_GONE);
      if (container?.paused) return down('paused');
      if (container && !container.running) return down(MEMBER_STOPPED);
      const s = await answer;
      const leaderId = s.leader === '0' ? undefined : memberIdHex(s.leader);
      this.lastClusterId = memberIdHex(s.header.cluster_id);
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
        clusterId: this.lastClusterId,
        error: leaderId === undefined ? 'no leader' : undefined,
      };
    } catch (err) {
      return down(shortError(describeError(err)));
    } finally {
      this.closeClient(client);
    }
  }

  /**
   * Who leads (`leaderOf`: the member most of those that answer follow), or undefined while there
   * is none. A leader a majority of all members follow stays the answer whatever the others say,
   * so members slow to answer (starting, cut off) are not waited for once one has it.
   */
  async leader(): Promise<MemberInfo | undefined> {
    const members = this.members;
    const claims: LeadershipClaim[] = [];
    const leader = await new Promise<Leadership | undefined>((resolve) => {
      let pending = members.length;
      if (pending === 0) resolve(undefined);
      for (const member of members) {
        void this.memberStatus(member).then((status) => {
          claims.push(claimOf(status));
          const decided = decidedLeader(claims, members.length);
          if (decided) resolve(decided);
          pending -= 1;
          if (pending === 0) resolve(leaderOf(claims));
        });
      }
    });
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
    return waitFor(
      async () => {
        const leader = await this.leader();
        if (!leader) return undefined;
        // Through the leader: a member still starting would hold the read until it serves.
        const client = this.client({ hosts: [leader.endpoint], faultHandling: 'none' });
        try {
          await client.get(BOOT_KEY).string();
        } finally {
          this.closeClient(client);
        }
        return leader;
      },
      { timeoutMs, intervalMs: this.timeouts.pollMs, description: `'${this.name}' to have a leader and answer a linearizable read` },
    );
  }

  private tools(): tools.ToolHandle {
    return { name: this.name, image: this.state.image, tls: this.tls !== undefined, members: this.members, member: (name) => this.member(name), runtime: this.runtime, events: this.events, timeouts: this.timeouts };
  }

  /**
   * Runs the real etcdctl inside a running member's container with this cluster's TLS flags, so
   * what the timeline shows is exactly what an operator would type.
   */
  etcdctl(args: string[], options: EtcdctlOptions = {}): Promise<EtcdctlResult> {
    return tools.etcdctl(this.tools(), args, options);
  }

  /**
   * Runs etcd's offline tool on a file inside a member — `etcdutl` where the image has it (3.5+),
   * else `etcdctl`, which held `snapshot status/restore` before — as the operator would type it.
   */
  snapshotTool(args: string[], options: { member?: string; offline?: OfflineRunner; allowFailure?: boolean } = {}): Promise<EtcdctlResult> {
    return tools.snapshotTool(this.tools(), args, options);
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

  /** What membership.ts needs of this handle: its record (changed in place), engine, TLS and clients. */
  private membership(): membership.MembershipHandle {
    return {
      state: this.state,
      tls: this.tls,
      runtime: this.runtime,
      home: this.home,
      container: this.containerContext(),
      client: () => this.client(),
      closeClient: (client) => this.closeClient(client),
    };
  }

  /**
   * Starts a member that `etcdctl member add` has just announced (§3.4 of the runbooks):
   * `--initial-cluster-state=existing` with the list etcd printed, certificates from the cluster's CA.
   */
  async startAddedMember(name: string, initialCluster: string): Promise<MemberInfo> {
    await membership.startAddedMember(this.membership(), name, initialCluster);
    return this.member(name);
  }

  /** Drops a member that has left the cluster: its container (if any is left) and its record. */
  async forgetMember(name: string): Promise<void> {
    await membership.forgetMember(this.membership(), this.member(name));
  }

  /** Removes every member's container, and its data dir with it, but keeps the members' records for startRestoredMembers (§6). */
  async removeMemberContainers(): Promise<void> {
    await membership.removeContainersOf(this.runtime, this.state.members);
  }

  /**
   * Replaces every member by one started on restored data: same names and endpoints, data from
   * `volumes[name]` mounted at `dataDir`, a new cluster token. The old containers must be gone.
   * Resolves once a majority serves (the cluster takes writes, as the API servers may come back);
   * `everyMember` settles once all members serve.
   */
  startRestoredMembers(volumes: Record<string, string>, dataDir: string, token: string): Promise<{ everyMember: Promise<void> }> {
    return membership.startRestoredMembers(this.membership(), volumes, dataDir, token);
  }

  /** What the member verbs need of this handle: a membership change's needs, the timeouts and the image's tools. */
  private verbs(): verbs.VerbHandle {
    return { ...this.membership(), timeouts: this.timeouts, hasEtcdutl: this.state.image.hasEtcdutl };
  }

  /** `etcd-drill member stop NAME`: SIGTERM, its data dir kept. Returns the line the CLI prints. */
  stopMember(name: string): Promise<string> {
    return verbs.stopMember(this.verbs(), name);
  }

  /** `etcd-drill member kill NAME`: SIGKILL, its data dir kept. */
  killMember(name: string): Promise<string> {
    return verbs.killMember(this.verbs(), name);
  }

  /** `etcd-drill member start NAME [--data-dir … --initial-cluster … --initial-cluster-state … --initial-cluster-token …]`. */
  startMember(name: string, flags: verbs.MemberStartFlags = {}): Promise<string> {
    return verbs.startMember(this.verbs(), name, flags);
  }

  /** `etcd-drill member logs NAME`. */
  memberLogs(name: string): Promise<string> {
    return verbs.memberLogs(this.verbs(), name);
  }

  /** `etcd-drill member exec NAME -- etcdctl|etcdutl …`, in the member or, while it is stopped, beside its data. */
  execInMember(name: string, argv: string[]): Promise<verbs.ToolRun> {
    return verbs.execInMember(this.verbs(), name, argv);
  }

  /** `etcd-drill member cp SRC DEST`, one side `NAME:/path`. */
  copyWithMember(from: CopyEnd, to: CopyEnd): Promise<string> {
    return verbs.copyWithMember(this.verbs(), from, to);
  }

  /** After a script changed the membership with etcdctl: forget the members etcd no longer lists, take the IDs it gave. Returns the forgotten. */
  syncWithEtcd(): Promise<string[]> {
    return verbs.syncWithEtcd(this.verbs());
  }

  /** Points the load balancer at the current members (§3.5: "update the load balancer"). */
  async reloadLoadBalancer(): Promise<void> {
    await membership.reloadLoadBalancer(this.runtime, this.state);
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

/** A member's status as a claim about who leads, for `leaderOf`. */
export function claimOf(status: MemberStatus): LeadershipClaim {
  return { name: status.name, answered: status.raftTerm !== undefined, claimsLead: status.isLeader, leaderId: status.leaderId, term: status.raftTerm };
}

/** A status table cell, not a stack: the kind of failure, or the message's first clause. */
function shortError(message: string): string {
  const kind = classifyError(message);
  return kind === 'other' ? (message.split('\n')[0] as string).slice(0, 80) : kind;
}
