import { Command, InvalidArgumentError } from 'commander';
import { log } from '../log.js';
import { benchCommand } from './commands/bench.js';
import { checkCommand } from './commands/check.js';
import { downCommand } from './commands/down.js';
import { envCommand } from './commands/env.js';
import { faultCommand } from './commands/fault.js';
import { healCommand } from './commands/heal.js';
import { listCommand } from './commands/list.js';
import { prepareCommand } from './commands/prepare.js';
import { referenceCommands } from './commands/reference.js';
import { runCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { uiCommand } from './commands/ui.js';
import { upCommand } from './commands/up.js';
import { watchCommand } from './commands/watch.js';
import { inheriting } from './commands/shared.js';
import { fuzzCommand } from './fuzz.js';
import { apiServersCommand, memberCommand } from './member.js';

/** The whole CLI: one command per file (src/cli/commands/), each loading what its action needs when it runs. */
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
  const commands = [
    upCommand(),
    statusCommand(),
    envCommand(),
    downCommand(),
    ...referenceCommands(),
    faultCommand(),
    healCommand(),
    watchCommand(),
    listCommand(),
    runCommand(),
    checkCommand(),
    uiCommand(),
    benchCommand(),
    prepareCommand(),
    memberCommand(),
    apiServersCommand(),
    fuzzCommand(),
  ];
  for (const command of commands) program.addCommand(inheriting(command, program));
  return program;
}
