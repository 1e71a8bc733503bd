import type { Command } from 'commander';
import { DrillError, describeError } from '../errors.js';
import { exitOnInterrupt, pendingInterruption } from '../topology/lifecycle.js';

/** Runs a program built by main.ts (or the verbs alone) and turns every failure into one line and an exit code. */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
  exitOnInterrupt();
  try {
    await program.parseAsync(argv);
    // A command is done when its action returns: an etcd client's channel left to close itself
    // (a member verb that probed a member with no quorum yet) must not keep the script waiting.
    process.exit();
  } catch (err) {
    const interrupted = pendingInterruption();
    if (interrupted) process.exit(await interrupted);
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
    if (code?.startsWith('commander.')) process.exit(2);
    if (err instanceof DrillError) {
      process.stderr.write(`etcd-drill: ${err.oneLine()}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`etcd-drill: unexpected error: ${describeError(err)}\n${(err as Error).stack ?? ''}\n`);
    process.exit(1);
  }
}
