import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConditionTimeoutError, DrillError, InvalidInputError } from '../errors.js';
import { formatBytes } from '../event-lines.js';
import type { ContainerState } from '../runtime/runtime.js';
import { WaitEnded, waitFor } from '../wait.js';
import { memberIdHex } from './client.js';
import { ETCD_BIN_DIR } from './image.js';
import { RAFT_RUNNING, memberContainer, memberFiles, memberVolumes } from './member-container.js';
import { addressOf, forgetMember, issueCertificates, removeContainersOf, type MembershipHandle } from './membership.js';
import type { CopyEnd } from './copy-end.js';
import { CLIENT_PORT, PKI_DIR, planMember } from './plan.js';
import { pinPorts } from './ports.js';
import { saveState, type MemberState } from './state.js';
import type { Timeouts } from './timeouts.js';
import { tlsFiles } from './tls.js';

// The member verbs a team's script uses (`etcd-drill member stop|start|kill|logs|exec|cp`): one
// member at a time, each returning the line it prints. They sit beside the runbooks' membership
// changes and keep the same record, so the checks see what a script did.

/** What the verbs need beyond a membership change: the settings' timeouts and the image's tools. */
export interface VerbHandle extends MembershipHandle {
  timeouts: Timeouts;
  hasEtcdutl: boolean;
}

/** `member start NAME` with the seed's flags (§3 step 4, §6 step 2); none given starts the stopped container again. */
export interface MemberStartFlags {
  dataDir?: string | undefined;
  initialCluster?: string | undefined;
  initialClusterState?: 'new' | 'existing' | undefined;
  initialClusterToken?: string | undefined;
}

/** What `member exec` ran and answered, as `etcdctl` would print it. */
export interface ToolRun {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The etcd tools `member exec` runs: the image's own, as an operator would on the member's host. */
const TOOLS = ['etcdctl', 'etcdutl', 'etcd'] as const;
/** How long a stop lets etcd shut down before Docker kills it, as `docker stop` does: the verb's and the `stop` fault's. */
export const STOP_GRACE_SECONDS = 10;
/** What etcd logs once it has joined a quorum and serves clients (3.4 and 3.5; the older plain-text form too). */
const SERVES_CLIENTS = /serving client traffic (securely|insecurely)|ready to serve client requests/;
const MEMBER_NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

function recorded(handle: VerbHandle, name: string): MemberState {
  const member = handle.state.members.find((m) => m.name === name);
  if (!member) {
    throw new InvalidInputError(`cluster '${handle.state.name}' has no member '${name}'`, { hint: `members: ${handle.state.members.map((m) => m.name).join(', ')}` });
  }
  return member;
}

/** The container's state, or undefined when it is gone (destroyed, or never started). */
async function containerOf(handle: VerbHandle, member: MemberState): Promise<ContainerState | undefined> {
  return handle.runtime.inspect(member.containerId).catch(() => undefined);
}

function gone(member: string): DrillError {
  return new DrillError(`${member}'s container is gone (destroyed) and its data with it`, {
    hint: `replace it (§3): \`etcdctl member remove\` its ID, \`etcdctl member add NEW --peer-urls=…\`, then \`etcd-drill member start NEW --initial-cluster … --initial-cluster-state existing\``,
  });
}

/** The member's record and its container's state: a destroyed member's container is gone, which no verb can act on. */
async function withContainer(handle: VerbHandle, name: string): Promise<{ member: MemberState; container: ContainerState }> {
  const member = recorded(handle, name);
  const container = await containerOf(handle, member);
  if (!container) throw gone(name);
  return { member, container };
}

/** Stop or kill: the same checks, a different signal. */
async function takeDown(handle: VerbHandle, name: string, act: (containerId: string) => Promise<void>, done: string): Promise<string> {
  const { member, container } = await withContainer(handle, name);
  if (!container.running) return `${name} was already stopped`;
  await act(member.containerId);
  return done;
}

/** `member stop NAME`: SIGTERM, then SIGKILL after the grace period, as `docker stop` / `systemctl stop etcd`. */
export function stopMember(handle: VerbHandle, name: string): Promise<string> {
  return takeDown(handle, name, (id) => handle.runtime.stop(id, STOP_GRACE_SECONDS), `stopped ${name} (its data dir is kept)`);
}

/** `member kill NAME`: SIGKILL, a crash. */
export function killMember(handle: VerbHandle, name: string): Promise<string> {
  return takeDown(handle, name, (id) => handle.runtime.kill(id), `killed ${name} (SIGKILL; its data dir is kept)`);
}

/** `member logs NAME`: what etcd printed, as `docker logs` shows it. */
export async function memberLogs(handle: VerbHandle, name: string): Promise<string> {
  const { member } = await withContainer(handle, name);
  return handle.runtime.logs(member.containerId);
}

function hasFlags(flags: MemberStartFlags): boolean {
  return Object.values(flags).some((v) => v !== undefined);
}

/**
 * `member start NAME`: with no flags, the stopped member's container again, on its data; with the
 * seed's flags, or for a name `etcdctl member add` announced, a new container on the member's data
 * volume with exactly those flags (the old container, if any, must be stopped and is replaced).
 */
export async function startMember(handle: VerbHandle, name: string, flags: MemberStartFlags = {}): Promise<string> {
  const { state, runtime } = handle;
  const known = state.members.find((m) => m.name === name);
  if (known && !hasFlags(flags)) {
    const { container } = await withContainer(handle, name);
    if (container.running) return `${name} is already running`;
    // Its logs from before this start say nothing of this run.
    const startedAt = Date.now();
    await runtime.start(known.containerId);
    return `started ${name} on its data dir: ${await serving(handle, known, startedAt)}`;
  }
  if (!MEMBER_NAME.test(name)) throw new InvalidInputError(`'${name}' cannot name a member: lower-case letters, digits and '-', at most 32`, { hint: 'use the name you gave `etcdctl member add`' });
  if (!known && !flags.initialCluster) {
    throw new InvalidInputError(`${name} is not a member of '${state.name}' yet: give --initial-cluster (the ETCD_INITIAL_CLUSTER \`etcdctl member add ${name}\` printed) and --initial-cluster-state existing`, {
      hint: '§3: `etcdctl member add` first, then start the member with the list it printed',
    });
  }
  if (known && (await containerOf(handle, known))?.running) {
    throw new InvalidInputError(`${name} is running: etcd reads its flags at start`, { hint: `\`etcd-drill member stop ${name}\` first` });
  }
  const scheme = state.spec.tls ? 'https' : 'http';
  const initialCluster = flags.initialCluster ?? state.members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const initialClusterState = flags.initialClusterState ?? (known ? 'new' : 'existing');
  const token = flags.initialClusterToken ?? state.token;
  const address = addressOf(state, name);
  if (handle.tls && !handle.tls.members[name]) await issueCertificates(handle, name, address);
  const [hostPort] = known ? [known.hostPort] : await pinPorts([undefined]);
  const plan = planMember(state.spec, { name, scheme, initialCluster, initialClusterState, token, hostPort, address, dataDir: flags.dataDir });
  if (known) await removeContainersOf(runtime, [known]);
  const container = await runtime.startContainer(memberContainer(handle.container, plan, { awaitLeader: false }));
  const member: MemberState = {
    name,
    id: known?.id ?? '',
    containerId: container.id,
    containerName: container.name,
    hostPort: container.hostPorts[CLIENT_PORT] as number,
    clientUrl: plan.clientUrl,
    peerUrl: plan.peerUrl,
    address,
  };
  state.members = known ? state.members.map((m) => (m.name === name ? member : m)) : [...state.members, member];
  // A member started on a new cluster (a restore) carries the cluster's token from now on.
  if (initialClusterState === 'new') state.token = token;
  await saveState(state, handle.home);
  const shown = [`--initial-cluster-state=${initialClusterState}`, ...(flags.dataDir ? [`--data-dir=${flags.dataDir}`] : []), ...(flags.initialClusterToken ? [`--initial-cluster-token=${token}`] : [])];
  return `started ${name} in a new container (${shown.join(' ')}): ${await serving(handle, member)}`;
}

/**
 * Whether the member serves, from what etcd logs since `sinceMs`: it serves clients once it has
 * joined a quorum; a member started while others are still down does not, but once its raft node
 * runs and an election timeout has passed without a quorum, nothing but its peers is missing. A
 * process that exits is an error, with etcd's own last words.
 */
async function serving(handle: VerbHandle, member: MemberState, sinceMs?: number): Promise<string> {
  const endpoint = `${handle.state.spec.tls ? 'https' : 'http'}://127.0.0.1:${member.hostPort}`;
  let raftSeenAt: number | undefined;
  return waitFor(
    async () => {
      const container = await handle.runtime.inspect(member.containerId);
      const logs = await handle.runtime.logs(member.containerId, sinceMs === undefined ? {} : { sinceMs });
      if (!container.running) {
        throw new WaitEnded(new DrillError(`${member.name} exited (code ${container.exitCode}): ${lastWords(logs.trim().split('\n'))}`, { hint: `\`etcd-drill member logs ${member.name}\` shows all it printed` }));
      }
      if (SERVES_CLIENTS.test(logs)) return `it serves on ${endpoint}`;
      if (!RAFT_RUNNING.test(logs)) return undefined;
      raftSeenAt ??= Date.now();
      return Date.now() - raftSeenAt >= handle.state.spec.etcd.electionTimeoutMs ? `its raft node runs; it serves on ${endpoint} once a quorum of members is up` : undefined;
    },
    { timeoutMs: handle.timeouts.leaderElectionMs, intervalMs: handle.timeouts.pollMs, description: `${member.name} to serve` },
  ).catch((err: unknown) => {
    if (err instanceof DrillError && !(err instanceof ConditionTimeoutError)) throw err;
    return `its process runs but neither serves nor says its raft node started; see \`etcd-drill member logs ${member.name}\``;
  });
}

/** etcd's last error line (zap JSON or plain), the reason a member would not start. */
function lastWords(lines: string[]): string {
  const errors = lines.filter((l) => /"level":"(fatal|panic|error)"|\b(fatal|panic)\b/i.test(l));
  const line = errors[errors.length - 1] ?? lines[lines.length - 1] ?? '(no output)';
  try {
    const entry = JSON.parse(line) as { msg?: string; error?: string };
    return [entry.msg, entry.error].filter(Boolean).join(': ');
  } catch {
    return line.slice(0, 300);
  }
}

/**
 * `member exec NAME -- etcdctl|etcdutl …`: in the running member, or, while it is stopped, in a
 * throwaway container of the same image holding its data dir, the snapshot folder and its
 * certificates, the way an operator works on a member's host while etcd is down. etcdctl gets
 * ETCDCTL_API=3 and the certificates; its endpoint is the member itself unless given.
 */
export async function execInMember(handle: VerbHandle, name: string, argv: string[]): Promise<ToolRun> {
  const member = recorded(handle, name);
  const [tool, ...args] = argv;
  if (!tool || !(TOOLS as readonly string[]).includes(tool)) {
    throw new InvalidInputError(`member exec runs one of ${TOOLS.join(', ')}, not '${tool ?? ''}'`, { hint: `etcd-drill member exec ${name} -- etcdctl snapshot status /var/lib/etcd-snapshots/snapshotdb` });
  }
  if (tool === 'etcdutl' && !handle.hasEtcdutl) {
    throw new InvalidInputError(`this etcd image has no etcdutl (etcd before 3.5): its snapshot commands are etcdctl's`, { hint: `etcd-drill member exec ${name} -- etcdctl snapshot restore …` });
  }
  const tls = handle.tls;
  const env = ['ETCDCTL_API=3', ...(tls ? [`ETCDCTL_CACERT=${PKI_DIR}/${tlsFiles.caCert}`, `ETCDCTL_CERT=${PKI_DIR}/${tlsFiles.clientCert}`, `ETCDCTL_KEY=${PKI_DIR}/${tlsFiles.clientKey}`] : [])];
  const command = [`${ETCD_BIN_DIR}/${tool}`, ...args];
  const container = await containerOf(handle, member);
  const result = container?.running
    ? await handle.runtime.exec(member.containerId, command, { env, timeoutMs: handle.timeouts.bootMs })
    : await handle.runtime.runOnce(handle.container.image, command, handle.container.labels, {
        volumes: memberVolumes(handle.state.name, name),
        files: tls ? memberFiles({ name }, tls) : [],
        env,
      });
  return { command: [tool, ...args].join(' '), ...result };
}

/**
 * `member cp SRC DEST`, one side `NAME:/path`: a file into or out of a member, running or stopped
 * (into its data dir or the snapshot folder, which outlive its container).
 */
export async function copyWithMember(handle: VerbHandle, from: CopyEnd, to: CopyEnd): Promise<string> {
  if ((from.member === undefined) === (to.member === undefined)) {
    throw new InvalidInputError('member cp copies between the host and one member: write the member side as NAME:/absolute/path', { hint: 'etcd-drill member cp snapshotdb member1:/var/lib/etcd-snapshots/snapshotdb' });
  }
  const inside = (from.member ?? to.member) as string;
  const { member } = await withContainer(handle, inside);
  if (to.member !== undefined) {
    const content = await readFile(from.path).catch((err: Error) => {
      throw new InvalidInputError(`cannot read ${from.path}: ${err.message}`, { hint: 'give a file on this host' });
    });
    const target = to.path.endsWith('/') ? `${to.path}${basename(from.path)}` : to.path;
    await handle.runtime.copyToContainer(member.containerId, [{ target, content, mode: 0o600 }]);
    return `copied ${from.path} (${formatBytes(content.length)}) to ${inside}:${target}`;
  }
  const content = await handle.runtime.copyFromContainer(member.containerId, from.path);
  const target = (await stat(to.path).catch(() => undefined))?.isDirectory() ? join(to.path, basename(from.path)) : to.path;
  await writeFile(target, content, { mode: 0o600 });
  return `copied ${inside}:${from.path} (${formatBytes(content.length)}) to ${target}`;
}

/**
 * Brings the record in line with etcd's own member list after a script changed the membership
 * with etcdctl: members etcd no longer lists are forgotten (their containers removed), and every
 * listed member gets the ID etcd gave it. Needs a leader.
 */
export async function syncWithEtcd(handle: VerbHandle): Promise<string[]> {
  const client = handle.client();
  let listed: { name: string; ID: string }[];
  try {
    listed = (await client.cluster.memberList({ linearizable: true })).members;
  } finally {
    handle.closeClient(client);
  }
  const names = new Set(listed.map((m) => m.name));
  const forgotten = handle.state.members.filter((m) => !names.has(m.name));
  for (const m of forgotten) await forgetMember(handle, m);
  for (const m of handle.state.members) m.id = memberIdHex(listed.find((l) => l.name === m.name)?.ID ?? '0');
  await saveState(handle.state, handle.home);
  return forgotten.map((m) => m.name);
}
