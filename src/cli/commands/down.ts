import { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { log } from '../../log.js';
import { DEFAULT_CLUSTER } from './shared.js';

export function downCommand(): Command {
  return new Command('down')
    .argument('[name]')
    .description('remove a cluster (default: drill), or with --all every cluster etcd-drill made')
    .option('--all', 'remove every cluster and leftover object etcd-drill made')
    .action(async (name: string | undefined, flags: { all?: boolean }) => {
      if (flags.all && name) throw new InvalidInputError('give a cluster name or --all, not both');
      const { downCluster, removeAllClusters } = await import('../../topology/existing.js');
      if (flags.all) {
        const removed = await removeAllClusters();
        log.info(`removed ${removed.containers} containers and ${removed.networks} networks`);
        return;
      }
      const target = name ?? DEFAULT_CLUSTER;
      const removed = await downCluster(target);
      log.info(`removed cluster '${target}' (${removed.containers} containers, ${removed.networks} networks)`);
    });
}
