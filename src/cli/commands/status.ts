import { Command } from 'commander';
import { DEFAULT_CLUSTER, printStatus } from './shared.js';

export function statusCommand(): Command {
  return new Command('status')
    .argument('[name]')
    .description('members, leader, raft term/index and DB size, like `etcdctl endpoint status -w table`')
    .option('--json', 'machine-readable output')
    .action(async (name: string | undefined, flags: { json?: boolean }) => {
      const { attachCluster } = await import('../../topology/cluster.js');
      await printStatus(await attachCluster(name ?? DEFAULT_CLUSTER), flags.json ?? false);
    });
}
