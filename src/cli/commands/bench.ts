import { Command } from 'commander';
import { progressBus, wholeNumber } from './shared.js';

export function benchCommand(): Command {
  const bench = new Command('bench').description('benchmarks that belong to the drill itself');
  bench
    .command('scale')
    .description('§5: put latency (p50/p99) and throughput at 1, 3, 5 and 7 members, side by side')
    .option('--seconds <n>', 'how long to load each cluster', wholeNumber('--seconds'), 10)
    .action(async (flags: { seconds: number }) => {
      const { scaleTable } = await import('../../scenarios/scale.js');
      process.stdout.write(`${await scaleTable({ seconds: flags.seconds, events: progressBus() })}\n`);
    });
  return bench;
}
