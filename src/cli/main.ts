import { Command, InvalidArgumentError, Option } from 'commander';
import { DrillError, InvalidInputError } from '../errors.js';
import { EventBus } from '../events.js';
import { log } from '../log.js';
import { attachCluster, startCluster, type Cluster } from '../topology/cluster.js';
import { downCluster, removeAllClusters } from '../topology/existing.js';
import { prepareImages, snapshotTool } from '../topology/image.js';
import { ETCD_LOG_LEVELS, SpecError, TOPOLOGIES, validateSpec, type ClusterSpecInput } from '../topology/spec.js';
import { envLines } from './env.js';
import { ETCDCTL_EXPORTS, type EtcdctlExports } from '../topology/operator-env.js';
import { faultOptions } from './fault-options.js';
import { statusTable, table } from './format.js';
import { randomSeed } from '../random.js';
import { catalog, shippedScenarioFiles, SHIPPED_DIR } from '../scenarios/catalog.js';
import { writeReports } from '../scenarios/reports/index.js';
import { scaleTable } from '../scenarios/scale.js';
import { loadScenario, ScenarioFileError } from '../scenarios/scenario-file.js';
import { printProgress } from '../event-lines.js';
import { printPlainLines, runScenarioOnFace, runUi, type UiFlags } from './ui.js';
import { faultContext, HealFailedError, healAll, healFault, injectFault } from '../faults/inject.js';
import { followLedger } from '../faults/ledger.js';
import { Workload } from '../workload/workload.js';
import { preloadState, presetSummary, STATE_PRESET_NAMES, type StatePresetName } from '../workload/preload.js';
import { FAULTS } from '../faults/registry.js';
import { formatTarget } from '../faults/target.js';
import { fuzzCommand } from './fuzz.js';
import { apiServersCommand, memberCommand } from './member.js';
import { checkRun } from './check.js';
import { CHECKS } from '../checks/registry.js';

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
  state?: StatePresetName;
}

/** A path as given, or the name of a shipped scenario. */
function resolveScenarioPath(name: string): string {
  if (name.includes('/') || name.endsWith('.yaml') || name.endsWith('.yml')) return name;
  return `${SHIPPED_DIR}${name}.yaml`;
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
    .addOption(new Option('--state <preset>', `preload a control plane's keyspace: ${STATE_PRESET_NAMES.map((n) => `${n} (${presetSummary(n)})`).join(', ')}`).choices(STATE_PRESET_NAMES))
    .action(async (flags: UpFlags) => {
      const spec = validateFlags(flags);
      const cluster = await startCluster(spec, { events: progressBus(), detached: !flags.foreground, image: flags.etcdImage, pull: flags.pull });
      if (flags.state) {
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

  program
    .command('status [name]')
    .description('members, leader, raft term/index and DB size, like `etcdctl endpoint status -w table`')
    .option('--json', 'machine-readable output')
    .action(async (name: string | undefined, flags: { json?: boolean }) => {
      await printStatus(await attachCluster(name ?? DEFAULT_CLUSTER), flags.json ?? false);
    });

  program
    .command('env [name]')
    .description('print export lines (eval "$(etcd-drill env)"): $ENDPOINT, $ENDPOINTS, $CACERT/$CERT/$KEY for the seed\'s command lines, ETCDCTL_* for etcdctl, and the kube-apiserver flags')
    .addOption(new Option('--etcdctl <exports>', 'which ETCDCTL_* to export: certs (not the endpoints: `etcdctl --endpoints $ENDPOINT …` works), all (a bare `etcdctl …` works), none').choices(ETCDCTL_EXPORTS).default('certs'))
    .action(async (name: string | undefined, flags: { etcdctl: EtcdctlExports }) => {
      process.stdout.write(`${(await envLines(await attachCluster(name ?? DEFAULT_CLUSTER), flags.etcdctl)).join('\n')}\n`);
    });

  program
    .command('down [name]')
    .description('remove a cluster (default: drill), or with --all every cluster etcd-drill made')
    .option('--all', 'remove every cluster and leftover object etcd-drill made')
    .action(async (name: string | undefined, flags: { all?: boolean }) => {
      if (flags.all) {
        if (name) throw new InvalidInputError('give a cluster name or --all, not both');
        const removed = await removeAllClusters();
        log.info(`removed ${removed.containers} containers and ${removed.networks} networks`);
        return;
      }
      const target = name ?? DEFAULT_CLUSTER;
      const removed = await downCluster(target);
      log.info(`removed cluster '${target}' (${removed.containers} containers, ${removed.networks} networks)`);
    });

  program
    .command('faults')
    .description('list the faults `etcd-drill fault` can inject')
    .action(() => {
      process.stdout.write(`${table(['FAULT', 'DEFAULT TARGET', 'WHAT IT DOES'], [...FAULTS.values()].map((f) => [f.kind, formatTarget(f.defaultTarget), f.summary]))}\n`);
    });

  program
    .command('fault <kind>')
    .description('inject a fault (`etcd-drill faults` lists them); fault options as --name value, e.g. --cpus 0.01, --ms 200, --groups 2|3')
    .option('--target <target>', `leader, follower, member:NAME, minority, majority or all (default: the fault's own)`)
    .option('--cluster <name>', 'cluster name', DEFAULT_CLUSTER)
    .option('--seed <n>', 'seed for choices among equal members, to replay a run', wholeNumber('--seed'))
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (kind: string, flags: { target?: string; cluster: string; seed?: number }, command: Command) => {
      const cluster = await attachCluster(flags.cluster, { events: progressBus() });
      const ctx = faultContext(cluster, { seed: flags.seed });
      const record = await injectFault(ctx, { kind, target: flags.target, options: faultOptions(command.args.slice(1)) });
      process.stdout.write(`${record.id}\n`);
    });

  program
    .command('heal [id]')
    .description('undo a fault by its id, or every fault in force with --all')
    .option('--all', 'heal every fault in force on the cluster')
    .option('--cluster <name>', 'cluster name', DEFAULT_CLUSTER)
    .action(async (id: string | undefined, flags: { all?: boolean; cluster: string }) => {
      if (!id && !flags.all) throw new InvalidInputError('name a fault id or give --all', { hint: '`etcd-drill heal --all` undoes everything in force' });
      const cluster = await attachCluster(flags.cluster, { events: progressBus() });
      const ctx = faultContext(cluster);
      if (id) {
        await healFault(ctx, id);
        return;
      }
      const { healed, failed } = await healAll(ctx);
      if (healed.length === 0 && failed.length === 0) log.info(`no fault is in force on '${cluster.name}'`);
      if (failed.length) throw new HealFailedError(failed, 'run `etcd-drill heal --all` again, or `etcd-drill down` the cluster');
    });

  program
    .command('watch')
    .description("run an API-server-like workload and stream what it sees (leader changes, failed and recovered writes) until Ctrl-C")
    .option('--cluster <name>', 'cluster name', DEFAULT_CLUSTER)
    .option('--rate <n>', 'operations per second', wholeNumber('--rate'), 20)
    .option('--json', 'one JSON event a line')
    .action(async (flags: { cluster: string; rate: number; json?: boolean }) => {
      const events = new EventBus();
      if (flags.json) events.subscribe((event) => process.stdout.write(`${JSON.stringify(event)}\n`));
      else printPlainLines(events);
      const cluster = await attachCluster(flags.cluster, { events });
      const workload = new Workload(cluster, { ratePerSecond: flags.rate });
      const follower = followLedger(cluster);
      await workload.start();
      const stop = async () => {
        follower.stop();
        await workload.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      await new Promise(() => setInterval(() => undefined, 1 << 30));
    });

  program
    .command('list')
    .description('the shipped scenarios, each with its one-line description')
    .action(async () => {
      const rows: string[][] = [];
      for (const file of await shippedScenarioFiles()) {
        const scenario = await loadScenario(file, catalog());
        rows.push([scenario.name, scenario.description]);
      }
      process.stdout.write(`${table(['SCENARIO', 'WHAT IT REHEARSES'], rows)}\n`);
    });

  program
    .command('run <scenario...>')
    .description('run scenario files (or shipped scenario names); exit 0 only when every step and check passes')
    .option('--seed <n>', 'seed for every random choice, to replay a run', wholeNumber('--seed'))
    .option('--report-dir <dir>', 'write junit.xml, and a JSON and an HTML report per scenario, here', 'reports')
    .action(async (names: string[], flags: { seed?: number; reportDir: string }) => {
      // Every file is validated before any cluster starts: a typo in the third file costs nothing.
      const loaded = await Promise.allSettled(names.map((name) => loadScenario(resolveScenarioPath(name), catalog())));
      const problems = loaded.flatMap((r) => (r.status === 'rejected' && r.reason instanceof ScenarioFileError ? r.reason.problems : []));
      if (problems.length) throw new ScenarioFileError(problems);
      const scenarios = loaded.map((r) => {
        if (r.status === 'rejected') throw r.reason;
        return r.value;
      });
      const seed = flags.seed ?? randomSeed();
      log.info(`seed ${seed} (replay with --seed ${seed})`);
      const reports = [];
      for (const scenario of scenarios) {
        log.info(`\n▶ ${scenario.name}: ${scenario.description}`);
        reports.push(await runScenarioOnFace(scenario, seed));
      }
      const written = await writeReports(reports, flags.reportDir);
      log.info(`reports: ${written.files.join(', ')}`);
      const failed = reports.filter((r) => !r.passed).map((r) => r.scenario);
      if (failed.length) throw new DrillError(`${failed.length} of ${reports.length} scenarios failed: ${failed.join(', ')}`, { hint: `see ${written.junit} and the HTML reports` });
    });

  program
    .command('check <run>')
    .description(`judge a saved run again from the history in its JSON report (reports/<scenario>.json): each verdict with its evidence, exit 0 only if all are ok. By default the checks the run judged; known checks: ${[...CHECKS.keys()].join(', ')}`)
    .option('--checks <names>', 'only these checks, comma-separated')
    .option('--all', 'every check there is, not only those the run judged')
    .action(async (run: string, flags: { checks?: string; all?: boolean }) => {
      const only = flags.checks?.split(',').map((c) => c.trim()).filter(Boolean);
      await checkRun(run, { only, all: flags.all }, (line) => process.stdout.write(`${line}\n`));
    });

  program
    .command('ui')
    .description("a live dashboard with the trainer's keys (kill the leader, lose quorum, replace, snapshot, restore…); starts a five-member TLS cluster of its own unless --cluster names a running one. Without a terminal: plain lines, actions read from stdin")
    .option('--cluster <name>', 'attach to this running cluster instead (on quit its faults are healed; it keeps running)')
    .option('--name <name>', 'name of the cluster the UI starts (default: ui-<random>)')
    .option('--members <n>', 'members of the cluster the UI starts: 1, 3, 5 or 7 (default 5)', (value: string) => {
      if (!['1', '3', '5', '7'].includes(value)) throw new InvalidArgumentError(`--members is 1, 3, 5 or 7 for the UI, not '${value}'`);
      return Number(value);
    })
    .option('--seed <n>', 'seed for choices among equal members, to replay a session', wholeNumber('--seed'))
    .addOption(new Option('--state <preset>', "preload a control plane's keyspace before the API servers start").choices(STATE_PRESET_NAMES))
    .action(async (flags: UiFlags) => {
      await runUi(flags);
    });

  program
    .command('bench')
    .description('benchmarks that belong to the drill itself')
    .command('scale')
    .description('§5: put latency (p50/p99) and throughput at 1, 3, 5 and 7 members, side by side')
    .option('--seconds <n>', 'how long to load each cluster', wholeNumber('--seconds'), 10)
    .action(async (flags: { seconds: number }) => {
      process.stdout.write(`${await scaleTable({ seconds: flags.seconds, events: progressBus() })}\n`);
    });

  program
    .command('prepare')
    .description('make sure the etcd and load-balancer images exist (build them from the host binaries where nothing can be pulled)')
    .option('--etcd-image <image>', 'use this etcd image instead of the built-in choice')
    .option('--pull', 'pull the image even if a local one exists')
    .action(async (flags: { etcdImage?: string; pull?: boolean }) => {
      const { etcd: image, loadBalancer: lb } = await prepareImages({ requested: flags.etcdImage, pull: flags.pull, events: progressBus() });
      log.info(`ready: ${image.ref} (etcd ${image.version}, snapshot tool ${snapshotTool(image)}), ${lb}`);
    });

  program.addCommand(memberCommand());
  program.addCommand(apiServersCommand());
  program.addCommand(fuzzCommand());
  return program;
}
