import { CommandFailedError, DrillError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { MemberInfo } from './cluster.js';
import { ETCD_BIN_DIR, snapshotTool as snapshotToolOf, type EtcdImage } from './image.js';
import { PKI_DIR } from './plan.js';
import type { Timeouts } from './timeouts.js';
import { tlsFiles } from './tls.js';

/**
 * etcd's own command-line tools run inside the members' containers, as an operator would type
 * them, each on the timeline as a `command.ran` event: the work behind `Cluster.etcdctl` and
 * `Cluster.snapshotTool`.
 */

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

/** What running a tool needs of the cluster handle. */
export interface ToolHandle {
  name: string;
  image: EtcdImage;
  tls: boolean;
  members: readonly MemberInfo[];
  member(name: string): MemberInfo;
  runtime: ContainerRuntime;
  events: EventBus;
  timeouts: Timeouts;
}

/** `Cluster.etcdctl`: etcdctl in a running member with the cluster's TLS flags, talking to that member unless `--endpoints` is given. */
export async function etcdctl(handle: ToolHandle, args: string[], options: EtcdctlOptions = {}): Promise<EtcdctlResult> {
  const runner = await runningMember(handle, options.member);
  const flags: string[] = [];
  if (!args.some((a) => a.startsWith('--endpoints'))) flags.push(`--endpoints=${runner.clientUrl}`);
  if (handle.tls) flags.push(`--cacert=${PKI_DIR}/${tlsFiles.caCert}`, `--cert=${PKI_DIR}/${tlsFiles.clientCert}`, `--key=${PKI_DIR}/${tlsFiles.clientKey}`);
  const argv = [...flags, ...args];
  return runTool(handle, runner, 'etcdctl', argv, `ETCDCTL_API=3 etcdctl ${argv.join(' ')}`, {
    timeoutMs: options.timeoutMs ?? handle.timeouts.requestMs + 5_000,
    allowFailure: options.allowFailure ?? false,
  });
}

/** `Cluster.snapshotTool`: `etcdutl` where the image has it (3.5+), else `etcdctl`, on a file inside a member or the workbench. */
export async function snapshotTool(handle: ToolHandle, args: string[], options: { member?: string; offline?: OfflineRunner; allowFailure?: boolean } = {}): Promise<EtcdctlResult> {
  const runner = options.offline ?? (await runningMember(handle, options.member));
  const tool = snapshotToolOf(handle.image);
  return runTool(handle, runner, tool, args, [tool, ...args].join(' '), { timeoutMs: handle.timeouts.bootMs, allowFailure: options.allowFailure ?? false });
}

/** Runs one of the image's etcd tools in a container and puts the command, as typed, on the timeline. */
async function runTool(handle: ToolHandle, runner: OfflineRunner, tool: string, argv: string[], command: string, options: { timeoutMs: number; allowFailure: boolean }): Promise<EtcdctlResult> {
  const started = Date.now();
  const result = await handle.runtime.exec(runner.containerId, [`${ETCD_BIN_DIR}/${tool}`, ...argv], { env: ['ETCDCTL_API=3'], timeoutMs: options.timeoutMs });
  const outcome = { command, ...result, durationMs: Date.now() - started };
  handle.events.emit({ type: 'command.ran', cluster: handle.name, member: runner.name, command, exitCode: result.exitCode, output: (result.stdout + result.stderr).slice(0, 4000), durationMs: outcome.durationMs });
  if (result.exitCode !== 0 && !options.allowFailure) throw new CommandFailedError(command, result.exitCode, result.stderr || result.stdout);
  return outcome;
}

async function runningMember(handle: ToolHandle, name: string | undefined): Promise<MemberInfo> {
  const candidates = name ? [handle.member(name)] : handle.members;
  for (const m of candidates) if (await handle.runtime.isRunning(m.containerId)) return m;
  throw new DrillError(name ? `member ${name} is not running, so etcdctl cannot run in it` : `no member of '${handle.name}' is running`, {
    hint: name ? 'pick a running member' : 'heal the cluster or restore it first',
  });
}
