import { Command } from 'commander';
import { faultOptions } from '../fault-options.js';
import { DEFAULT_CLUSTER, progressBus, wholeNumber } from './shared.js';

export function faultCommand(): Command {
  return new Command('fault')
    .argument('<kind>')
    .description('inject a fault (`etcd-drill faults` lists them); fault options as --name value, e.g. --cpus 0.01, --ms 200, --groups 2|3')
    .option('--target <target>', `leader, follower, member:NAME, minority, majority or all (default: the fault's own)`)
    .option('--cluster <name>', 'cluster name', DEFAULT_CLUSTER)
    .option('--seed <n>', 'seed for choices among equal members, to replay a run', wholeNumber('--seed'))
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (kind: string, flags: { target?: string; cluster: string; seed?: number }, command: Command) => {
      const [{ attachCluster }, { faultContext, injectFault }] = await Promise.all([import('../../topology/cluster.js'), import('../../faults/inject.js')]);
      const cluster = await attachCluster(flags.cluster, { events: progressBus() });
      const ctx = faultContext(cluster, { seed: flags.seed });
      const record = await injectFault(ctx, { kind, target: flags.target, options: faultOptions(command.args.slice(1)) });
      process.stdout.write(`${record.id}\n`);
    });
}
