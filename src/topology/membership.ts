import type { Etcd3 } from 'etcd3';
import { quorumSize } from './leadership.js';
import { DrillError } from '../errors.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { memberIdHex } from './client.js';
import { memberContainer, startInLanes, type MemberContainerContext } from './member-container.js';
import { CLIENT_PORT, HAPROXY_CONFIG, PEER_PORT, haproxyConfig, memberAddress, planMember } from './plan.js';
import { pinPorts } from './ports.js';
import { saveState, tlsDir, type ClusterState, type MemberState } from './state.js';
import { issueMemberTls, writeTls, type TlsMaterial } from './tls.js';

// Membership changes the runbooks make (add, forget, restore, reload the load balancer). They stay
// methods of `Cluster`, which runbooks call and tests spy on; the methods hand their work to these.

/**
 * What a membership change needs of the `Cluster` handle, which carries these out as its methods:
 * its record and TLS material (changed in place, then saved), its engine, and its clients.
 */
export interface MembershipHandle {
  state: ClusterState;
  tls: TlsMaterial | undefined;
  runtime: ContainerRuntime;
  home: string;
  container: MemberContainerContext;
  /** A resilient client to the cluster's endpoints. */
  client(): Etcd3;
  closeClient(client: Etcd3): void;
}

/** A member's fixed address: the one it has, else a new one in the cluster's subnet (none in clusters made before addresses were fixed). */
export function addressOf(state: ClusterState, name: string): string | undefined {
  const known = state.members.find((m) => m.name === name);
  if (known || !state.subnet) return known?.address;
  return memberAddress(state.subnet, name, state.members.flatMap((m) => (m.address ? [m.address] : [])));
}

/** Certificates for a member that joins later, naming its address; written beside the others. */
export async function issueCertificates(handle: Pick<MembershipHandle, 'state' | 'tls' | 'home'>, name: string, address: string | undefined): Promise<void> {
  const { state, tls, home } = handle;
  if (!tls) return;
  tls.members[name] = await issueMemberTls(tls.ca, { name, hostname: name, address });
  await writeTls(tlsDir(state.name, home), tls);
}

/** `Cluster.startAddedMember`: certificates, a pinned port, the container, then the member's record with its etcd ID. */
export async function startAddedMember(handle: MembershipHandle, name: string, initialCluster: string): Promise<void> {
  const { state, runtime, home } = handle;
  const address = addressOf(state, name);
  await issueCertificates(handle, name, address);
  const [hostPort] = await pinPorts([undefined]);
  const member = planMember(state.spec, { name, scheme: state.spec.tls ? 'https' : 'http', initialCluster, initialClusterState: 'existing', token: state.token, hostPort, address });
  const container = await runtime.startContainer(memberContainer(handle.container, member));
  // Resilient: the failed member may still be listed among the endpoints.
  const client = handle.client();
  try {
    const { members } = await client.cluster.memberList({ linearizable: true });
    state.members.push({
      name,
      id: memberIdHex(members.find((m) => m.name === name)?.ID ?? '0'),
      containerId: container.id,
      containerName: container.name,
      hostPort: container.hostPorts[CLIENT_PORT] as number,
      clientUrl: member.clientUrl,
      peerUrl: member.peerUrl,
      address,
    });
  } finally {
    handle.closeClient(client);
  }
  await saveState(state, home);
}

/** `Cluster.forgetMember`: the container goes (if any is left), then the record. */
export async function forgetMember(handle: MembershipHandle, member: Pick<MemberState, 'name' | 'containerId' | 'containerName'>): Promise<void> {
  await removeContainersOf(handle.runtime, [member]);
  handle.state.members = handle.state.members.filter((m) => m.name !== member.name);
  await saveState(handle.state, handle.home);
}

/** Removes the members' containers, and their data dirs with them; their records stay. */
export async function removeContainersOf(runtime: ContainerRuntime, members: Pick<MemberState, 'containerId' | 'containerName'>[]): Promise<void> {
  await runtime.remove({ containers: members.map((m) => ({ id: m.containerId, name: m.containerName, labels: {}, state: '' })), networks: [], volumes: [] });
}

/**
 * `Cluster.startRestoredMembers`: every member again on its restored volume. Resolves once a
 * majority serves, when the cluster takes writes; `everyMember` settles once all do and their new
 * IDs and the token are recorded.
 */
export async function startRestoredMembers(handle: MembershipHandle, volumes: Record<string, string>, dataDir: string, token: string): Promise<{ everyMember: Promise<void> }> {
  const { state, runtime } = handle;
  const scheme = state.spec.tls ? 'https' : 'http';
  const names = state.members.map((m) => m.name);
  const initialCluster = names.map((n) => `${n}=${scheme}://${n}:${PEER_PORT}`).join(',');
  for (const old of state.members) {
    if (!volumes[old.name]) throw new DrillError(`no restored data for ${old.name}`, { hint: 'restore every member from the same snapshot' });
  }
  state.token = token;
  const { starts } = startInLanes(state.members.length, async (i, hooks) => {
    const old = state.members[i] as MemberState;
    const member = planMember(state.spec, { name: old.name, scheme, initialCluster, initialClusterState: 'new', token, hostPort: old.hostPort, address: old.address, dataDir });
    const spec = memberContainer(handle.container, member, { ...hooks, volumes: [{ name: volumes[old.name] as string, target: dataDir.replace(/\/[^/]+$/, '') }] });
    const container = await runtime.startContainer(spec);
    // Recorded as each comes up: the cluster is used while the last members still start.
    state.members[i] = { ...old, containerId: container.id, containerName: container.name };
  });
  const everyMember = (async () => {
    await Promise.all(starts);
    const client = handle.client();
    try {
      const { members } = await client.cluster.memberList({ linearizable: true });
      for (const m of state.members) m.id = memberIdHex(members.find((x) => x.name === m.name)?.ID ?? '0');
    } finally {
      handle.closeClient(client);
    }
    await saveState(state, handle.home);
  })();
  everyMember.catch(() => undefined);
  await majorityOf(starts);
  return { everyMember };
}

/** Resolves once more than half of `starts` have, and rejects at the first that fails. */
function majorityOf(starts: Promise<unknown>[]): Promise<void> {
  const needed = quorumSize(starts.length);
  let done = 0;
  return new Promise<void>((resolve, reject) => {
    for (const start of starts) {
      start.then(() => {
        done += 1;
        if (done === needed) resolve();
      }, reject);
    }
  });
}

/** `Cluster.reloadLoadBalancer`: a new HAProxy config listing the recorded members, then a restart. */
export async function reloadLoadBalancer(runtime: ContainerRuntime, state: ClusterState): Promise<void> {
  const lb = state.loadBalancer;
  if (!lb) return;
  await runtime.copyToContainer(lb.containerId, [{ target: HAPROXY_CONFIG, content: haproxyConfig(state.members.map((m) => m.name)), mode: 0o644 }]);
  await runtime.restart(lb.containerId);
}
