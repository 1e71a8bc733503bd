import type { ContainerSpec, FileToCopy, VolumeMount } from '../runtime/runtime.js';
import { waitFor } from '../wait.js';
import { createClient, type ClientOptions } from './client.js';
import { ETCD_BIN_DIR } from './image.js';
import { CLIENT_PORT, DATA_DIR, PKI_DIR, SCRATCH_DIR, SNAPSHOTS_DIR, labelKeys, type MemberPlan } from './plan.js';
import type { ClusterSpec } from './spec.js';
import { timeoutsFor, type Timeouts } from './timeouts.js';
import { tlsFiles, type TlsMaterial } from './tls.js';

// How a member's container is made, the same at boot, when a member is added and when members are restored.

/** The TLS files a member's container holds under PKI_DIR: its own pairs, the CA, and the client pair etcdctl uses. */
export function memberFiles(member: Pick<MemberPlan, 'name'>, tls: TlsMaterial): FileToCopy[] {
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

/** What every member container of one cluster shares: network, image, labels, TLS, settings. */
export interface MemberContainerContext {
  cluster: string;
  scheme: 'http' | 'https';
  network: string;
  image: string;
  labels: Record<string, string>;
  tls: TlsMaterial | undefined;
  spec: ClusterSpec;
  signal?: AbortSignal | undefined;
}

/**
 * How a member's container is made: at boot, when a member is added, when members are restored or
 * started by a team's script. It is ready once it serves with a leader, or, with `awaitLeader:
 * false` (a member started while quorum is still being rebuilt), as soon as the engine started it.
 */
export function memberContainer(
  ctx: MemberContainerContext,
  member: MemberPlan,
  options: Partial<StartHooks> & { volumes?: VolumeMount[]; awaitLeader?: boolean } = {},
): ContainerSpec {
  const { beforeStart, onProcessStarted, volumes } = options;
  const timeouts = timeoutsFor(ctx.spec.etcd);
  const clientTls = ctx.tls ? { ca: ctx.tls.ca.cert, client: ctx.tls.client } : undefined;
  return {
    name: member.containerName,
    image: ctx.image,
    hostname: member.hostname,
    network: ctx.network,
    aliases: [member.hostname],
    address: member.address,
    command: [`${ETCD_BIN_DIR}/etcd`, ...member.args],
    labels: { ...ctx.labels, [labelKeys.role]: 'member', [labelKeys.member]: member.name },
    files: ctx.tls ? memberFiles(member, ctx.tls) : [],
    publish: [{ containerPort: CLIENT_PORT, hostPort: member.hostPort }],
    resources: ctx.spec.resources,
    volumes: [...memberVolumes(ctx.cluster, member.name), { name: scratchVolume(ctx.cluster, member.name), target: SCRATCH_DIR, inMemory: true }, ...(volumes ?? [])],
    readyTimeoutMs: timeouts.bootMs,
    ...(beforeStart ? { beforeStart } : {}),
    ...(onProcessStarted ? { onProcessStarted } : {}),
    ready: options.awaitLeader === false ? async () => undefined : (container) => waitForLeader(member, `${ctx.scheme}://127.0.0.1:${container.hostPorts[CLIENT_PORT]}`, clientTls, timeouts, ctx.signal),
  };
}

/**
 * The volumes a member's container and its offline toolbox share: its data dir (a volume, so a
 * script can restore into it while the member is stopped and start it again on new flags) and the
 * cluster's snapshot folder, the same in every member.
 */
export function memberVolumes(cluster: string, member: string): VolumeMount[] {
  return [
    { name: dataVolume(cluster, member), target: DATA_DIR },
    { name: `etcd-drill-${cluster}-snapshots`, target: SNAPSHOTS_DIR },
  ];
}

/** A member's data dir, kept across its containers until it is destroyed. */
export function dataVolume(cluster: string, member: string): string {
  return `etcd-drill-${cluster}-${member}-data`;
}

/** Each member's RAM-backed scratch space for snapshots on their way out. */
function scratchVolume(cluster: string, member: string): string {
  return `etcd-drill-${cluster}-${member}-scratch`;
}

/** A member is ready when it answers status on its published port and knows a leader. */
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

/** What a start in a lane is handed: to await before its process starts, and to call once it has. */
export interface StartHooks {
  beforeStart: () => Promise<void>;
  onProcessStarted: (containerId: string) => void;
}

/**
 * Starts members in two lanes, each booting while the next container is created: measured on two
 * cores, five at once contend (6.6 s at boot), one by one leave the engine idle (5.4 s), two lanes
 * are fastest (5.0 s). `start` gets the hooks to hand its container; `starts[i]` is member i's
 * start, and `processStarted` settles when every process ran (or its start failed).
 *
 * With `settled`, no process starts while another that started is not yet past it (see
 * RAFT_RUNNING); starts already under way in the other lane go on.
 */
export function startInLanes<T>(
  count: number,
  start: (index: number, hooks: StartHooks) => Promise<T>,
  settled?: (containerId: string) => Promise<void>,
): { starts: Promise<T>[]; processStarted: Promise<void>[] } {
  const processStarted: Promise<void>[] = [];
  const unsettled = new Set<Promise<void>>();
  const starts = Array.from({ length: count }, (_, i) => {
    let ran!: () => void;
    processStarted.push(new Promise<void>((r) => (ran = r)));
    const hooks: StartHooks = {
      beforeStart: async () => {
        await Promise.all(unsettled);
      },
      onProcessStarted: (containerId) => {
        ran();
        // The last member's process holds up nobody: no need to watch it settle.
        if (!settled || i === count - 1) return;
        // One that never settles holds nobody up for long: the boot fails on it anyway.
        const past: Promise<void> = settled(containerId)
          .catch(() => undefined)
          .finally(() => unsettled.delete(past));
        unsettled.add(past);
      },
    };
    const started = (processStarted[i - START_LANES] ?? Promise.resolve()).then(() => start(i, hooks));
    started.catch(() => ran());
    return started;
  });
  return { starts, processStarted };
}

/**
 * etcd's log line once a member's raft node runs. A new cluster's member is past etcd's bootstrap
 * check by then. In that check
 * (etcd 3.4 and 3.5, members of a new cluster) it asks every peer, one after another with a 1 s
 * timeout, whether it was bootstrapped before; a peer that has bound its port but is itself still
 * in the check answers nothing. Members starting together wait out each other's timeouts: measured
 * here, a third of five-member boots took 4.0 s longer (2.6 s → 6.2 s). Started one past the other's
 * check, each finds its peers either not there (a fast "no such host") or answering.
 */
export const RAFT_RUNNING = /became (follower|pre-candidate|candidate|leader) at term/;

export const START_LANES = 2;
