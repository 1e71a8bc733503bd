import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { DrillError } from '../errors.js';
import { inheriting } from './commands/shared.js';
import { carryOutVerb, sendVerb, type VerbAnswer, type VerbRequest } from '../scenarios/operator-verbs.js';
import { parseCopyEnd } from '../topology/copy-end.js';
import type { MemberStartFlags } from '../topology/member-verbs.js';

/** The cluster a verb acts on: --cluster, else the one `eval "$(etcd-drill env)"` or a scenario's script named, else `drill`. */
function clusterName(command: Command): string {
  const given = command.optsWithGlobals().cluster as string | undefined;
  return given ?? process.env.ETCD_DRILL_CLUSTER ?? 'drill';
}

/**
 * Carries out a verb: inside a scenario's script (ETCD_DRILL_VERBS set, same cluster) the engine
 * does it on its own handle; from a shell, this process attaches to the cluster and does it.
 * Prints the verb's line (or the tool's output) and fails with its reason.
 */
async function perform(command: Command, request: VerbRequest): Promise<void> {
  const name = clusterName(command);
  const socket = process.env.ETCD_DRILL_VERBS;
  const viaEngine = socket !== undefined && name === process.env.ETCD_DRILL_CLUSTER;
  // From a shell the cluster is attached here; a script's verbs skip loading the Docker client.
  const reply: VerbAnswer = viaEngine ? await sendVerb(socket, request) : await carryOutVerb({ cluster: await (await import('../topology/cluster.js')).attachCluster(name) }, request);
  if (!reply.ok) throw new DrillError(reply.message, { hint: reply.hint });
  if (reply.stdout) process.stdout.write(reply.stdout);
  if (reply.stderr) process.stderr.write(reply.stderr);
  if (reply.line) process.stdout.write(`${reply.line}\n`);
  if (reply.exitCode) process.exitCode = reply.exitCode;
}

/** A copy end as the engine must see it: a host path made absolute, a member's `NAME:/path` as given. */
function absoluteEnd(text: string): string {
  return parseCopyEnd(text).member === undefined ? resolve(text) : text;
}

/** `etcd-drill member stop|start|kill|logs|exec|cp`: what a team's script needs to replace (§3) or restore (§6) members by hand. */
export function memberCommand(): Command {
  const member = new Command('member')
    .description("one member at a time, for a team's own replace (§3) and restore (§6) scripts; each prints what it did")
    .option('--cluster <name>', 'cluster name (default: $ETCD_DRILL_CLUSTER, else drill)');
  const simple = (verb: 'stop' | 'kill' | 'logs', what: string) =>
    member
      .command(`${verb} <name>`)
      .description(what)
      .action(async (name: string, _flags: unknown, command: Command) => perform(command, { verb: `member-${verb}`, member: name }));
  simple('stop', "stop the member's etcd (SIGTERM); its data dir is kept");
  simple('kill', "kill the member's etcd (SIGKILL, a crash); its data dir is kept");
  simple('logs', 'print what etcd printed');
  member
    .command('start <name>')
    .description("start a stopped member again; with flags, or for a member `etcdctl member add` announced, in a new container on the member's data volume with exactly these flags")
    .option('--data-dir <dir>', 'etcd --data-dir (default /var/lib/etcd; a restore gives the new data dir)')
    .option('--initial-cluster <list>', 'etcd --initial-cluster, e.g. what `etcdctl member add` printed')
    .addOption(new Option('--initial-cluster-state <state>', 'etcd --initial-cluster-state').choices(['new', 'existing']))
    .option('--initial-cluster-token <token>', 'etcd --initial-cluster-token (a restore gives a new one)')
    .action(async (name: string, flags: MemberStartFlags, command: Command) => perform(command, { verb: 'member-start', member: name, flags }));
  member
    .command('exec <name> <tool> [args...]')
    .description("run etcdctl or etcdutl in the member, or, while it is stopped, beside its data dir (/var/lib/etcd) and the snapshot folder (/var/lib/etcd-snapshots): `member exec member1 -- etcdctl snapshot restore …`")
    .allowUnknownOption()
    .action(async (name: string, tool: string, args: string[], _flags: unknown, command: Command) => perform(command, { verb: 'member-exec', member: name, argv: [tool, ...args] }));
  member
    .command('cp <from> <to>')
    .description('copy a file between this host and a member, running or stopped; write the member side NAME:/path, e.g. `member cp snapshotdb member1:/var/lib/etcd-snapshots/`')
    .action(async (from: string, to: string, _flags: unknown, command: Command) => perform(command, { verb: 'member-cp', from: absoluteEnd(from), to: absoluteEnd(to) }));
  return member;
}

/** `etcd-drill apiservers stop|start`: the scenario's simulated API servers, for a restore script (§6.5). */
export function apiServersCommand(): Command {
  const apiservers = new Command('apiservers').description("stop or start the scenario's API servers from a script its exec step runs (§6.5: never restore under running API servers)");
  for (const verb of ['stop', 'start'] as const) {
    apiservers
      .command(verb)
      .description(`${verb} the API servers`)
      .action(async (_flags: unknown, command: Command) => perform(command, { verb: `apiservers-${verb}` }));
  }
  return apiservers;
}

/** Only the verbs, for a script's many short calls: the rest of the CLI (the UI, Docker's client) is not loaded. */
export function verbsProgram(): Command {
  const program = new Command('etcd-drill').exitOverride().configureOutput({ outputError: (str, write) => write(str) });
  return program.addCommand(inheriting(memberCommand(), program)).addCommand(inheriting(apiServersCommand(), program));
}
