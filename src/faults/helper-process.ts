import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processRuns } from '../topology/lifecycle.js';
import { waitFor } from '../wait.js';

/**
 * The command line of one of the faults' helper processes (`latency-proxy-main`,
 * `syscall-tracer-main`): run from the build, or from source under a TypeScript loader (tests, tsx).
 * Helpers outlive the process that injected the fault, so that another one can heal it.
 */
export function helperCommand(main: string, args: string[]): string[] {
  const built = fileURLToPath(new URL(`./${main}.js`, import.meta.url));
  if (existsSync(built)) return [process.execPath, built, ...args];
  return [process.execPath, '--import', 'tsx', fileURLToPath(new URL(`./${main}.ts`, import.meta.url)), ...args];
}

/** Exits this helper once `pid` (the member's etcd) is gone: it has nothing left to act on. */
export function exitWith(pid: number, onExit: () => void = () => process.exit(0)): void {
  if (!(pid > 0)) return;
  setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch {
      onExit();
    }
  }, 1000).unref();
}

/** Ends helper processes (SIGTERM) and waits, up to `timeoutMs`, until every one has exited. */
export async function endHelpers(pids: number[], timeoutMs: number, description: string): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone with the member it served
    }
  }
  await waitFor(async () => (pids.every((pid) => !processRuns(pid)) ? true : undefined), { timeoutMs, intervalMs: 50, description });
}
