import { Command, Option } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { log } from '../../log.js';
import { ETCD_LOG_LEVELS, SpecError, TOPOLOGIES, validateSpec, type ClusterSpecInput } from '../../topology/spec.js';
import { presetSummary, STATE_PRESET_NAMES, type StatePresetName } from '../../workload/preload.js';
import { DEFAULT_CLUSTER, positiveNumber, printStatus, progressBus, wholeNumber } from './shared.js';

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
  corruptCheck?: number;
  etcdLogLevel?: string;
  cpus?: number;
  memory?: number;
  basePort?: number;
  etcdImage?: string;
  pull?: boolean;
  foreground?: boolean;
  state?: StatePresetName;
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
  'etcd.corruptCheckMs': '--corrupt-check',
  'etcd.logLevel': '--etcd-log-level',
  'resources.cpus': '--cpus',
  'resources.memoryMb': '--memory',
};

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
      corruptCheckMs: flags.corruptCheck,
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

export function upCommand(): Command {
  return new Command('up')
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
    .option('--corrupt-check <ms>', "etcd --experimental-corrupt-check-time: the leader compares members' hashes this often and raises CORRUPT", wholeNumber('--corrupt-check'))
    .addOption(new Option('--etcd-log-level <level>', 'etcd --log-level').choices(ETCD_LOG_LEVELS))
    .option('--cpus <n>', 'CPU limit per member', positiveNumber('--cpus'))
    .option('--memory <mb>', 'memory limit per member, MB', wholeNumber('--memory'))
    .option('--base-port <port>', 'publish member i on 127.0.0.1:port+i (the load balancer on port); default: free ports', wholeNumber('--base-port'))
    .option('--etcd-image <image>', 'use this etcd image instead of the built-in choice')
    .option('--pull', 'pull the image even if a local one exists')
    .option('--foreground', 'keep the cluster until Ctrl-C, then remove it')
    .addOption(new Option('--state <preset>', `preload a control plane's keyspace: ${STATE_PRESET_NAMES.map((n) => `${n} (${presetSummary(n)})`).join(', ')}`).choices(STATE_PRESET_NAMES))
    .action(async (flags: UpFlags) => {
      const spec = validateFlags(flags);
      const { startCluster } = await import('../../topology/cluster.js');
      const cluster = await startCluster(spec, { events: progressBus(), detached: !flags.foreground, image: flags.etcdImage, pull: flags.pull });
      if (flags.state) {
        const { preloadState } = await import('../../workload/preload.js');
        // A cluster half loaded is not what was asked for: remove it rather than leave it behind.
        await preloadState(cluster, flags.state).catch(async (err: unknown) => {
          await cluster.stop();
          throw err;
        });
      }
      await printStatus(cluster, false);
      process.stdout.write(`\n# to use it from this shell:\n#   eval "$(etcd-drill env ${cluster.name})"\n`);
      if (!flags.foreground) return;
      log.info('running in the foreground: Ctrl-C removes the cluster');
      await new Promise(() => setInterval(() => undefined, 1 << 30));
    });
}
