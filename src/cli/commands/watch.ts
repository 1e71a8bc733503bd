import { Command } from 'commander';
import { EventBus } from '../../events.js';
import { DEFAULT_RATE_PER_SECOND } from '../../workload/defaults.js';
import { DEFAULT_CLUSTER, wholeNumber } from './shared.js';

export function watchCommand(): Command {
  return new Command('watch')
    .description("run an API-server-like workload and stream what it sees (leader changes, failed and recovered writes) until Ctrl-C")
    .option('--cluster <name>', 'cluster name', DEFAULT_CLUSTER)
    .option('--rate <n>', 'operations per second', wholeNumber('--rate'), DEFAULT_RATE_PER_SECOND)
    .option('--json', 'one JSON event a line')
    .action(async (flags: { cluster: string; rate: number; json?: boolean }) => {
      const [{ attachCluster }, { Workload }, { followLedger }, { printPlainLines }] = await Promise.all([
        import('../../topology/cluster.js'),
        import('../../workload/workload.js'),
        import('../../faults/ledger.js'),
        import('../ui.js'),
      ]);
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
}
