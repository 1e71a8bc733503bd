import { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { log } from '../../log.js';
import { DEFAULT_CLUSTER, progressBus } from './shared.js';

export function healCommand(): Command {
  return new Command('heal')
    .argument('[id]')
    .description('undo a fault by its id, or every fault in force with --all')
    .option('--all', 'heal every fault in force on the cluster')
    .option('--cluster <name>', 'cluster name', DEFAULT_CLUSTER)
    .action(async (id: string | undefined, flags: { all?: boolean; cluster: string }) => {
      if (!id && !flags.all) throw new InvalidInputError('name a fault id or give --all', { hint: '`etcd-drill heal --all` undoes everything in force' });
      const [{ attachCluster }, { faultContext, HealFailedError, healAll, healFault }] = await Promise.all([import('../../topology/cluster.js'), import('../../faults/inject.js')]);
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
}
