import { createConnection, createServer, type Server } from 'node:net';
import { DrillError, InvalidInputError, describeError } from '../errors.js';
import type { Cluster } from '../topology/cluster.js';
import { parseCopyEnd } from '../topology/copy-end.js';
import type { MemberStartFlags } from '../topology/member-verbs.js';

/**
 * The verbs a team's script (or a shell) uses on a cluster: `etcd-drill member …` and, inside a
 * scenario, `etcd-drill apiservers stop|start`. From a shell they act on the cluster directly;
 * inside a scenario's `exec` step the CLI hands them to the engine over a socket
 * (ETCD_DRILL_VERBS), so they act on the engine's own handle: the record, the timeline and the
 * checks see every change, and the API servers the engine runs can be stopped.
 */
export type VerbRequest =
  | { verb: 'member-stop' | 'member-kill' | 'member-logs'; member: string }
  | { verb: 'member-start'; member: string; flags: MemberStartFlags }
  | { verb: 'member-exec'; member: string; argv: string[] }
  /** Host paths absolute: the engine does not share the script's working directory. */
  | { verb: 'member-cp'; from: string; to: string }
  | { verb: 'apiservers-stop' | 'apiservers-start' };

export type VerbAnswer = { ok: true; line?: string; stdout?: string; stderr?: string; exitCode?: number } | { ok: false; message: string; hint?: string | undefined };

/** The simulated API servers, as the engine lets a script stop and start them (§6.5). */
export interface ApiServerControl {
  stop(): Promise<string>;
  start(): Promise<string>;
}

/** What verbs act on: a cluster, the API servers when a scenario runs them, and who wants to hear of each verb. */
export interface VerbTarget {
  cluster: Cluster;
  apiServers?: ApiServerControl;
  /** Called before a verb is carried out, with its name and when it arrived. */
  onVerb?: (request: VerbRequest, at: number) => void | Promise<void>;
}

/** How the CLI writes the verb, for the timeline. */
export function verbCommand(request: VerbRequest): string {
  switch (request.verb) {
    case 'member-start': {
      const f = request.flags;
      const flags = [
        f.dataDir && `--data-dir ${f.dataDir}`,
        f.initialCluster && `--initial-cluster ${f.initialCluster}`,
        f.initialClusterState && `--initial-cluster-state ${f.initialClusterState}`,
        f.initialClusterToken && `--initial-cluster-token ${f.initialClusterToken}`,
      ].filter(Boolean);
      return ['etcd-drill member start', request.member, ...flags].join(' ');
    }
    case 'member-exec':
      return `etcd-drill member exec ${request.member} -- ${request.argv.join(' ')}`;
    case 'member-cp':
      return `etcd-drill member cp ${request.from} ${request.to}`;
    case 'apiservers-stop':
    case 'apiservers-start':
      return `etcd-drill apiservers ${request.verb.slice('apiservers-'.length)}`;
    default:
      return `etcd-drill member ${request.verb.slice('member-'.length)} ${request.member}`;
  }
}

async function answer(target: VerbTarget, request: VerbRequest): Promise<VerbAnswer & { ok: true }> {
  const { cluster } = target;
  switch (request.verb) {
    case 'member-stop':
      return { ok: true, line: await cluster.stopMember(request.member) };
    case 'member-kill':
      return { ok: true, line: await cluster.killMember(request.member) };
    case 'member-logs':
      return { ok: true, stdout: await cluster.memberLogs(request.member) };
    case 'member-start':
      return { ok: true, line: await cluster.startMember(request.member, request.flags) };
    case 'member-exec': {
      const run = await cluster.execInMember(request.member, request.argv);
      return { ok: true, stdout: run.stdout, stderr: run.stderr, exitCode: run.exitCode };
    }
    case 'member-cp':
      return { ok: true, line: await cluster.copyWithMember(parseCopyEnd(request.from), parseCopyEnd(request.to)) };
    case 'apiservers-stop':
    case 'apiservers-start': {
      const control = target.apiServers;
      if (!control) {
        throw new InvalidInputError('the API servers run inside a scenario: `etcd-drill apiservers` works in a script its `exec` step runs', { hint: 'stop your own API servers, or run the script with `runbook: exec`' });
      }
      return { ok: true, line: request.verb === 'apiservers-stop' ? await control.stop() : await control.start() };
    }
  }
}

/** Carries out one verb and puts it on the cluster's timeline (`command.ran`), as typed. */
export async function carryOutVerb(target: VerbTarget, request: VerbRequest): Promise<VerbAnswer> {
  const started = Date.now();
  const command = verbCommand(request);
  const member = 'member' in request ? request.member : 'host';
  try {
    await target.onVerb?.(request, started);
    const result = await answer(target, request);
    const output = result.line ?? `${result.stdout ?? ''}${result.stderr ?? ''}`;
    target.cluster.eventBus.emit({ type: 'command.ran', cluster: target.cluster.name, member, command, exitCode: result.exitCode ?? 0, output: output.slice(0, 4000), durationMs: Date.now() - started });
    return result;
  } catch (err) {
    const message = (err instanceof DrillError ? err.message : describeError(err)).split('\n')[0] as string;
    target.cluster.eventBus.emit({ type: 'command.ran', cluster: target.cluster.name, member, command, exitCode: 1, output: message, durationMs: Date.now() - started });
    return { ok: false, message, hint: err instanceof DrillError ? err.hint : undefined };
  }
}

/**
 * Serves verbs on a Unix socket for the scripts an `exec` step runs: one JSON request a
 * connection, one JSON answer back.
 */
export async function serveVerbs(path: string, target: VerbTarget): Promise<{ close(): Promise<void> }> {
  const server: Server = createServer((socket) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end < 0) return;
      let request: VerbRequest;
      try {
        request = JSON.parse(text.slice(0, end)) as VerbRequest;
      } catch {
        socket.end(`${JSON.stringify({ ok: false, message: 'not a verb request' })}\n`);
        return;
      }
      void carryOutVerb(target, request).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The CLI's side: hands a verb to the engine serving on `path` and waits for its answer. */
export function sendVerb(path: string, request: VerbRequest): Promise<VerbAnswer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(text) as VerbAnswer);
      } catch {
        reject(new DrillError(`the scenario's engine gave no answer to \`${verbCommand(request)}\``, { hint: 'the scenario may have ended; run the verb from a shell with --cluster' }));
      }
    });
    socket.on('error', (err) => reject(new DrillError(`cannot reach the scenario's engine at ${path}: ${err.message}`, { hint: 'unset ETCD_DRILL_VERBS to act on a cluster from a shell' })));
  });
}
