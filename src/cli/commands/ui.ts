import { Command, InvalidArgumentError, Option } from 'commander';
import { STATE_PRESET_NAMES } from '../../workload/preload.js';
import type { UiFlags } from '../ui.js';
import { wholeNumber } from './shared.js';

export function uiCommand(): Command {
  return new Command('ui')
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
      const { runUi } = await import('../ui.js');
      await runUi(flags);
    });
}
