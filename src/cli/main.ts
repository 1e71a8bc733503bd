import { Command, InvalidArgumentError, Option } from 'commander';
import { DrillError, InvalidInputError, describeError } from '../errors.js';
import { EventBus } from '../events.js';
import { log } from '../log.js';
import { DockerRuntime } from '../runtime/docker.js';
import { attachCluster, listClusters, removeCluster, startCluster, type Cluster } from '../topology/cluster.js';
import { resolveEtcdImage, ensureLoadBalancerImage } from '../topology/image.js';
import { ETCD_LOG_LEVELS, SpecError, TOPOLOGIES, validateSpec, type ClusterSpecInput } from '../topology/spec.js';
import { exitOnInterrupt, pendingInterruption } from '../topology/lifecycle.js';
import { drillHome } from '../topology/state.js';
import { sweepOrphans } from '../topology/sweep.js';
import { envLines } from './env.js';
import { statusTable } from './format.js';
import { printProgress } from './progress.js';

const DEFAULT_CLUSTER = 'drill';

function wholeNumber(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} takes a whole number, not '${value}'`);
    return Number(value);
  };
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} takes a number greater than 0, not '${value}'`);
    return n;
  };
}

/** Spec paths as the flags a CLI user typed, so errors name what they can change. */
const flagFor: Record<string, string> = {
  name: '--name',
  topology: '--topology',
  members: '--members',
  basePort: '--base-port',
  'etcd.heartbeatIntervalMs': '--heartbeat-interval',
  'etcd.electionTimeoutMs': '--election-timeout',
  'etcd.quotaBackendBytes': '--quota-backend-bytes',
  'etcd.snapshotCount': '--snapshot-count',
  'etcd.logLevel': '--etcd-log-level',
  'resources.cpus': '--cpus',
  'resources.memoryMb': '--memory',
};

interface UpFlags {
  name: string;
  topology: string;
  members?: number;
  allowEven?: boolean;
  insecure?: boolean;
  heartbeatInterval?: number;
  electionTimeout?: number;
  quotaBackendBytes?: number;
  snapshotCount?: number;
  etcdLogLevel?: string;
  cpus?: number;
  memory?: number;
  basePort?: number;
  etcdImage?: string;
  pull?: boolean;
  foreground?: boolean;
}

function specFromFlags(flags: UpFlags): ClusterSpecInput {
  const input = {
    name: flags.name,
    topology: flags.topology,
    members: flags.members,
    allowEven: flags.allowEven ?? false,
    tls: !flags.insecure,
    basePort: flags.basePort,
    etcd: {
      heartbeatIntervalMs: flags.heartbeatInterval,
      electionTimeoutMs: flags.electionTimeout,
      quotaBackendBytes: flags.quotaBackendBytes,
      snapshotCount: flags.snapshotCount,
      logLevel: flags.etcdLogLevel,
    },
    resources: { cpus: flags.cpus, memoryMb: flags.memory },
  };
  // Leave out what the user did not give, so the spec's defaults apply.
  return JSON.parse(JSON.stringify(input)) as ClusterSpecInput;
}

function validateFlags(flags: UpFlags) {
  try {
    return validateSpec(specFromFlags(flags));
  } catch (err) {
    if (err instanceof SpecError) {
      throw new InvalidInputError(err.problems.map((p) => `${flagFor[p.path] ?? p.path}: ${p.message}`).join('; '), { hint: 'see `etcd-drill up --help`' });
    }
    throw err;
  }
}

function progressBus(): EventBus {
  const events = new EventBus();
  events.subscribe(printProgress);
  return events;
}

async function printStatus(cluster: Cluster, json: boolean): Promise<void> {
  const statuses = await cluster.status();
  if (json) {
    process.stdout.write(`${JSON.stringify({ cluster: cluster.name, topology: cluster.spec.topology, endpoints: cluster.endpoints, members: statuses.map((s) => ({ ...s, id: cluster.member(s.name).id })) }, null, 2)}\n`);
    return;
  }
  const ids = Object.fromEntries(cluster.members.map((m) => [m.name, m.id]));
  const lb = cluster.loadBalancerEndpoint ? `  load balancer: ${cluster.loadBalancerEndpoint}\n` : '';
  process.stdout.write(`cluster '${cluster.name}' (${cluster.spec.topology}, ${cluster.spec.tls ? 'TLS' : 'plain HTTP'}, etcd ${cluster.image.version})\n${lb}${statusTable(statuses, ids)}\n`);
}

export function buildProgram(): Command {
  const program = new Command('etcd-drill')
    .description('Local etcd cluster simulator and chaos harness: real etcd in Docker, broken the way production breaks.')
    .option('--log-level <level>', 'debug, info, warn or error', (v) => {
      if (!['debug', 'info', 'warn', 'error'].includes(v)) throw new InvalidArgumentError(`--log-level is one of debug, info, warn, error, not '${v}'`);
      return v;
    })
    .hook('preAction', (cmd) => {
      const level = cmd.opts().logLevel as typeof log.level | undefined;
      if (level) log.level = level;
    })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) });

  program
    .command('up')
    .description('start a named etcd cluster that outlives this command (TLS on by default)')
    .option('--name <name>', 'cluster name', DEFAULT_CLUSTER)
    .addOption(new Option('--topology <kind>', 'cluster shape').choices(TOPOLOGIES).default('cluster'))
    .option('--members <n>', 'number of members (default 5; 1 for single)', wholeNumber('--members'))
    .option('--allow-even', 'allow an even member count (adds no fault tolerance)')
    .option('--insecure', 'plain HTTP instead of TLS, as in the topology examples')
    .option('--heartbeat-interval <ms>', 'etcd --heartbeat-interval (default 100)', wholeNumber('--heartbeat-interval'))
    .option('--election-timeout <ms>', 'etcd --election-timeout (default 1000)', wholeNumber('--election-timeout'))
    .option('--quota-backend-bytes <bytes>', 'etcd --quota-backend-bytes', wholeNumber('--quota-backend-bytes'))
    .option('--snapshot-count <n>', 'etcd --snapshot-count', wholeNumber('--snapshot-count'))
    .addOption(new Option('--etcd-log-level <level>', 'etcd --log-level').choices(ETCD_LOG_LEVELS))
    .option('--cpus <n>', 'CPU limit per member', positiveNumber('--cpus'))
    .option('--memory <mb>', 'memory limit per member, MB', wholeNumber('--memory'))
    .option('--base-port <port>', 'publish member i on 127.0.0.1:port+i (the load balancer on port); default: free ports', wholeNumber('--base-port'))
    .option('--etcd-image <image>', 'use this etcd image instead of the built-in choice')
    .option('--pull', 'pull the image even if a local one exists')
    .option('--foreground', 'keep the cluster until Ctrl-C, then remove it')
    .action(async (flags: UpFlags) => {
      const spec = validateFlags(flags);
      const cluster = await startCluster(spec, { events: progressBus(), detached: !flags.foreground, image: flags.etcdImage, pull: flags.pull });
      await printStatus(cluster, false);
      process.stdout.write(`\n# to use it from this shell:\n#   eval "$(etcd-drill env ${cluster.name})"\n`);
      if (!flags.foreground) return;
      log.info('running in the foreground: Ctrl-C removes the cluster');
      await new Promise(() => setInterval(() => undefined, 1 << 30));
    });

  program
    .command('status [name]')
    .description('members, leader, raft term/index and DB size, like `etcdctl endpoint status -w table`')
    .option('--json', 'machine-readable output')
    .action(async (name: string | undefined, flags: { json?: boolean }) => {
      await printStatus(await attachCluster(name ?? DEFAULT_CLUSTER), flags.json ?? false);
    });

  program
    .command('env [name]')
    .description('print export lines for etcdctl (eval "$(etcd-drill env)") and the kube-apiserver flags')
    .action(async (name: string | undefined) => {
      process.stdout.write(`${envLines(await attachCluster(name ?? DEFAULT_CLUSTER)).join('\n')}\n`);
    });

  program
    .command('down [name]')
    .description('remove a cluster (default: drill), or with --all every cluster etcd-drill made')
    .option('--all', 'remove every cluster and leftover object etcd-drill made')
    .action(async (name: string | undefined, flags: { all?: boolean }) => {
      const runtime = new DockerRuntime();
      await runtime.ping();
      if (flags.all) {
        if (name) throw new InvalidInputError('give a cluster name or --all, not both');
        const removed = await sweepOrphans(runtime, drillHome(), undefined, { all: true });
        for (const state of await listClusters()) await removeCluster(runtime, state);
        log.info(`removed ${removed.containers.length} containers and ${removed.networks.length} networks`);
        return;
      }
      const target = name ?? DEFAULT_CLUSTER;
      const known = await listClusters();
      const objects = await runtime.findByLabels({ 'io.etcd-drill.cluster': target });
      if (!known.includes(target) && objects.containers.length === 0 && objects.networks.length === 0) {
        throw new DrillError(`no cluster named '${target}'`, { hint: known.length ? `known clusters: ${known.join(', ')}` : 'nothing to remove' });
      }
      const removed = await removeCluster(runtime, target);
      log.info(`removed cluster '${target}' (${removed.containers} containers, ${removed.networks} networks)`);
    });

  program
    .command('prepare')
    .description('make sure the etcd and load-balancer images exist (build them from the host binaries where nothing can be pulled)')
    .option('--etcd-image <image>', 'use this etcd image instead of the built-in choice')
    .option('--pull', 'pull the image even if a local one exists')
    .action(async (flags: { etcdImage?: string; pull?: boolean }) => {
      const runtime = new DockerRuntime();
      await runtime.ping();
      const events = progressBus();
      const image = await resolveEtcdImage(runtime, { requested: flags.etcdImage, pull: flags.pull, events });
      const lb = await ensureLoadBalancerImage(runtime, events);
      log.info(`ready: ${image.ref} (etcd ${image.version}, snapshot tool ${image.hasEtcdutl ? 'etcdutl' : 'etcdctl'}), ${lb}`);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  exitOnInterrupt();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const interrupted = pendingInterruption();
    if (interrupted) process.exit(await interrupted);
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
    if (code?.startsWith('commander.')) process.exit(2);
    if (err instanceof DrillError) {
      process.stderr.write(`etcd-drill: ${err.oneLine()}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`etcd-drill: unexpected error: ${describeError(err)}\n${(err as Error).stack ?? ''}\n`);
    process.exit(1);
  }
}
