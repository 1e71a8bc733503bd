import type { ClusterSpec, TopologyKind } from './spec.js';
import { labelKeys } from './labels.js';
import { tlsFiles, type TlsRequest } from './tls.js';

/**
 * `planCluster(spec)` decides everything that can be decided without Docker: names, etcd flags,
 * URLs, load-balancer config and certificate requests. Pure, so it is unit-tested exhaustively and
 * `startCluster` only carries it out.
 */
export const CLIENT_PORT = 2379;
export const PEER_PORT = 2380;
export const DATA_DIR = '/var/lib/etcd';
/**
 * RAM-backed scratch space in every member for snapshots on their way out: a backup's plaintext
 * never reaches a disk, and is overwritten once copied.
 */
export const SCRATCH_DIR = '/run/etcd-drill';
/**
 * The cluster's snapshot folder, mounted in every member and in its offline toolbox: where a
 * team's script copies a snapshot (`etcd-drill member cp`) for `etcdctl snapshot restore`.
 */
export const SNAPSHOTS_DIR = '/var/lib/etcd-snapshots';
/** Where TLS material sits inside every container. */
export const PKI_DIR = '/etc/etcd/pki';
/** Where the load balancer's HAProxy reads its config (`haproxyConfig`), at boot and on reload. */
export const HAPROXY_CONFIG = '/usr/local/etc/haproxy/haproxy.cfg';

export { DETACHED_OWNER, LABEL_PREFIX, labelKeys } from './labels.js';

export interface MemberPlan {
  name: string;
  /** DNS name on the cluster network; also the container hostname and a certificate SAN. */
  hostname: string;
  containerName: string;
  clientUrl: string;
  peerUrl: string;
  /** Host port to publish the client port on (127.0.0.1 only); undefined picks a free one. */
  hostPort: number | undefined;
  /**
   * Its fixed address on the cluster network, advertised to clients instead of its name: members
   * and the host alike reach it, so `etcdctl --cluster` works from the host too.
   */
  address: string | undefined;
  args: string[];
}

export interface LoadBalancerPlan {
  hostname: string;
  containerName: string;
  hostPort: number | undefined;
  config: string;
}

export interface ClusterPlan {
  cluster: string;
  topology: TopologyKind;
  tls: boolean;
  scheme: 'http' | 'https';
  network: string;
  /** The network's subnet, once the engine has chosen it (`addressPlan`); members get fixed addresses in it. */
  subnet: string | undefined;
  token: string;
  members: MemberPlan[];
  loadBalancer: LoadBalancerPlan | undefined;
  certificates: TlsRequest | undefined;
  /** Labels every Docker object of this cluster carries; `owner` is set when the plan is carried out. */
  labels: Record<string, string>;
  spec: ClusterSpec;
}

export function memberName(index: number): string {
  return `member${index}`;
}

/** The name a new member gets: one past the highest `memberN` the cluster has used, so a replacement never reuses a name. */
export function nextMemberName(existing: string[]): string {
  const highest = Math.max(0, ...existing.map((n) => Number(/^member(\d+)$/.exec(n)?.[1] ?? 0)));
  return `member${highest + 1}`;
}

export function containerName(cluster: string, member: string): string {
  return `etcd-drill-${cluster}-${member}`;
}

export function planCluster(spec: ClusterSpec): ClusterPlan {
  const scheme = spec.tls ? 'https' : 'http';
  const firstMemberPort = spec.basePort === undefined ? undefined : spec.basePort + (spec.topology === 'lb' ? 1 : 0);
  const hostPorts = Array.from({ length: spec.members }, (_, i) => (firstMemberPort === undefined ? undefined : firstMemberPort + i));
  const members = planMembers(spec, hostPorts, undefined);
  return {
    cluster: spec.name,
    topology: spec.topology,
    tls: spec.tls,
    scheme,
    network: `etcd-drill-${spec.name}`,
    subnet: undefined,
    token: clusterToken(spec.name),
    members,
    loadBalancer: spec.topology === 'lb' ? planLoadBalancer(spec.name, members, spec.basePort) : undefined,
    certificates: certificatesFor(spec, members),
    labels: { [labelKeys.cluster]: spec.name },
    spec,
  };
}

/** The plan once the engine has made the network: every member at its fixed address in `subnet`, and certificates for it. */
export function addressPlan(plan: ClusterPlan, subnet: string): ClusterPlan {
  const members = planMembers(plan.spec, plan.members.map((m) => m.hostPort), subnet);
  return { ...plan, subnet, members, certificates: certificatesFor(plan.spec, members) };
}

function planMembers(spec: ClusterSpec, hostPorts: (number | undefined)[], subnet: string | undefined): MemberPlan[] {
  const scheme = spec.tls ? 'https' : 'http';
  const names = hostPorts.map((_, i) => memberName(i + 1));
  const initialCluster = names.map((n) => `${n}=${scheme}://${n}:${PEER_PORT}`).join(',');
  return names.map((name, i) =>
    planMember(spec, {
      name,
      scheme,
      initialCluster,
      initialClusterState: 'new',
      token: clusterToken(spec.name),
      hostPort: hostPorts[i],
      address: subnet === undefined ? undefined : memberAddress(subnet, name, []),
    }),
  );
}

function certificatesFor(spec: ClusterSpec, members: MemberPlan[]): TlsRequest | undefined {
  return spec.tls ? { clusterName: spec.name, members: members.map((m) => ({ name: m.name, hostname: m.hostname, address: m.address })) } : undefined;
}

/** Members' addresses start here in their subnet: below it are the gateway and the load balancer. */
const FIRST_MEMBER_HOST = 10;
/** Names other than memberN are placed from here on. */
const OTHER_NAMES_HOST = 220;

/**
 * A member's fixed address in `subnet`: memberN at host 10+N (names are never reused, so neither
 * are addresses), any other name at the first host from 220 on that `taken` does not hold.
 */
export function memberAddress(subnet: string, name: string, taken: readonly string[]): string {
  const found = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(subnet);
  if (!found) throw new Error(`'${subnet}' is not an IPv4 subnet`);
  const base = (found[1] as string).split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(found[2]));
  const numbered = Number(/^member(\d+)$/.exec(name)?.[1] ?? Number.NaN);
  let host = Number.isInteger(numbered) && FIRST_MEMBER_HOST + numbered < OTHER_NAMES_HOST ? FIRST_MEMBER_HOST + numbered : OTHER_NAMES_HOST;
  const address = (h: number) => [24, 16, 8, 0].map((shift) => Math.floor((base + h) / 2 ** shift) % 256).join('.');
  while (taken.includes(address(host))) host += 1;
  if (host >= size - 1) throw new Error(`subnet ${subnet} has no address left for ${name}`);
  return address(host);
}

export interface MemberFlags {
  name: string;
  scheme: 'http' | 'https';
  initialCluster: string;
  initialClusterState: 'new' | 'existing';
  token: string;
  hostPort: number | undefined;
  /** Its fixed address on the cluster network, advertised to clients; without one, its name is. */
  address?: string | undefined;
  /** `--data-dir`: DATA_DIR unless a restore put the member's data elsewhere. */
  dataDir?: string | undefined;
}

/** Also used by runbooks that add a member to a running cluster (state `existing`). */
export function planMember(spec: ClusterSpec, flags: MemberFlags): MemberPlan {
  const { name, scheme } = flags;
  const clientUrl = `${scheme}://${name}:${CLIENT_PORT}`;
  const peerUrl = `${scheme}://${name}:${PEER_PORT}`;
  const args = [
    `--name=${name}`,
    `--data-dir=${flags.dataDir ?? DATA_DIR}`,
    `--listen-client-urls=${scheme}://0.0.0.0:${CLIENT_PORT}`,
    // Clients learn members' URLs from etcd (`--cluster`): the address reaches from the host too.
    `--advertise-client-urls=${scheme}://${flags.address ?? name}:${CLIENT_PORT}`,
    `--listen-peer-urls=${scheme}://0.0.0.0:${PEER_PORT}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${flags.initialCluster}`,
    `--initial-cluster-state=${flags.initialClusterState}`,
    `--initial-cluster-token=${flags.token}`,
    `--heartbeat-interval=${spec.etcd.heartbeatIntervalMs}`,
    `--election-timeout=${spec.etcd.electionTimeoutMs}`,
    '--logger=zap',
    `--log-level=${spec.etcd.logLevel}`,
  ];
  if (spec.etcd.quotaBackendBytes !== undefined) args.push(`--quota-backend-bytes=${spec.etcd.quotaBackendBytes}`);
  if (spec.etcd.snapshotCount !== undefined) args.push(`--snapshot-count=${spec.etcd.snapshotCount}`);
  if (spec.etcd.corruptCheckMs !== undefined) args.push(`--experimental-corrupt-check-time=${spec.etcd.corruptCheckMs}ms`);
  if (spec.tls) {
    const pki = (file: string) => `${PKI_DIR}/${file}`;
    args.push(
      '--client-cert-auth=true',
      `--trusted-ca-file=${pki(tlsFiles.caCert)}`,
      `--cert-file=${pki(tlsFiles.serverCert(name))}`,
      `--key-file=${pki(tlsFiles.serverKey(name))}`,
      '--peer-client-cert-auth=true',
      `--peer-trusted-ca-file=${pki(tlsFiles.caCert)}`,
      `--peer-cert-file=${pki(tlsFiles.peerCert(name))}`,
      `--peer-key-file=${pki(tlsFiles.peerKey(name))}`,
    );
  }
  return {
    name,
    hostname: name,
    containerName: containerName(spec.name, name),
    clientUrl,
    peerUrl,
    hostPort: flags.hostPort,
    address: flags.address,
    args,
  };
}

function planLoadBalancer(cluster: string, members: MemberPlan[], basePort: number | undefined): LoadBalancerPlan {
  return {
    hostname: 'lb',
    containerName: containerName(cluster, 'lb'),
    hostPort: basePort,
    config: haproxyConfig(members.map((m) => m.name)),
  };
}

/**
 * L4 (TCP) pass-through, so clients still verify the members' certificates and present their own.
 * A killed container's address answers nothing, so everything is bounded by short timeouts: health
 * checks every 200 ms mark a member down after one miss, `on-marked-down shutdown-sessions` closes
 * connections already routed to it (clients reconnect instead of waiting out TCP), and a new
 * connection that cannot reach its member within 500 ms is redispatched to another.
 */
export function haproxyConfig(memberNames: string[]): string {
  return [
    'global',
    '  maxconn 4096',
    'resolvers docker',
    '  nameserver dns 127.0.0.11:53',
    '  hold valid 1s',
    'defaults',
    '  mode tcp',
    '  timeout connect 500ms',
    // Two misses before a member is marked down: on two busy cores one slow answer is not a death.
    '  timeout check 500ms',
    '  timeout client 1h',
    '  timeout server 1h',
    '  retries 2',
    '  option redispatch 1',
    '  default-server inter 200ms fastinter 100ms downinter 500ms fall 2 rise 2 on-marked-down shutdown-sessions init-addr last,libc,none resolvers docker',
    'frontend etcd',
    `  bind :${CLIENT_PORT}`,
    '  default_backend members',
    'backend members',
    '  balance roundrobin',
    ...memberNames.map((name) => `  server ${name} ${name}:${CLIENT_PORT} check`),
    '',
  ].join('\n');
}

/**
 * `--initial-cluster-token`: the cluster's own at boot, and a new one for each restore (§6), so a
 * restored cluster gets a new cluster ID and no member on the old data can rejoin it.
 */
export function clusterToken(cluster: string, restore?: number): string {
  return restore === undefined ? `etcd-drill-${cluster}` : `etcd-drill-${cluster}-restore-${restore}`;
}
