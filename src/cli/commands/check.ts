import { Command } from 'commander';
import { CHECKS } from '../../checks/registry.js';
import { checkRun } from '../check.js';

export function checkCommand(): Command {
  return new Command('check')
    .argument('<run>')
    .description(`judge a saved run again from the history in its JSON report (reports/<scenario>.json): each verdict with its evidence, exit 0 only if all are ok. By default the checks the run judged; known checks: ${[...CHECKS.keys()].join(', ')}`)
    .option('--checks <names>', 'only these checks, comma-separated')
    .option('--all', 'every check there is, not only those the run judged')
    .action(async (run: string, flags: { checks?: string; all?: boolean }) => {
      const only = flags.checks?.split(',').map((c) => c.trim()).filter(Boolean);
      await checkRun(run, { only, all: flags.all }, (line) => process.stdout.write(`${line}\n`));
    });
}
