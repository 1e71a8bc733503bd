import { hostname } from 'node:os';
import { log } from '../log.js';
import { describeError } from '../errors.js';
import { DETACHED_OWNER } from './labels.js';

/**
 * Who owns a Docker object, written into its labels: this process (removed when it ends, and
 * swept by the next start if it died without cleaning up) or nobody (`etcd-drill up`, until `down`).
 */
export function processOwner(): string {
  return `${hostname()}:${process.pid}`;
}

export function ownerIsGone(owner: string | undefined): boolean {
  if (!owner || owner === DETACHED_OWNER) return false;
  const [host, pidText] = owner.split(':');
  if (host !== hostname()) return false; // another machine's process: not ours to judge
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  return !processRuns(pid);
}

/** Whether a process of this machine still runs (one we may not signal runs too). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

type Cleanup = () => Promise<void>;
const cleanups = new Map<symbol, Cleanup>();
// SIGHUP: the terminal closed under a UI or a foreground cluster; what it started goes too.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const exitCodes: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
let interruption: Promise<number> | undefined;

let exitAfterCleanup = false;

/** The CLI owns its process: after an interrupt's clean-up it exits with 128 + the signal number. */
export function exitOnInterrupt(): void {
  exitAfterCleanup = true;
}

async function onSignal(signal: (typeof SIGNALS)[number]): Promise<void> {
  if (interruption) return;
  log.info(`${signal}: removing the clusters this process started…`);
  interruption = runAll().then(() => exitCodes[signal]);
  const code = await interruption;
  if (exitAfterCleanup) process.exit(code);
  // In someone else's process (a test runner, a user's script): our handlers are gone now, so
  // raise the signal again for theirs, or for the default action that ends the process.
  process.kill(process.pid, signal);
}

/**
 * While a signal's clean-up runs, the exit code to leave with once it is done. A command whose work
 * fails because of the interruption awaits this instead of exiting under the clean-up's feet.
 */
export function pendingInterruption(): Promise<number> | undefined {
  return interruption;
}

async function runAll(): Promise<void> {
  const pending = [...cleanups.values()];
  cleanups.clear();
  const results = await Promise.allSettled(pending.map((cleanup) => cleanup()));
  for (const r of results) if (r.status === 'rejected') log.error(`clean-up failed: ${describeError(r.reason)}`);
  syncHandlers();
}

const handlers = Object.fromEntries(SIGNALS.map((s) => [s, () => void onSignal(s)])) as Record<(typeof SIGNALS)[number], () => void>;

function syncHandlers(): void {
  for (const signal of SIGNALS) {
    const installed = process.listeners(signal).includes(handlers[signal]);
    if (cleanups.size > 0 && !installed) process.on(signal, handlers[signal]);
    if (cleanups.size === 0 && installed) process.off(signal, handlers[signal]);
  }
}

/**
 * Runs `cleanup` if the process gets SIGINT or SIGTERM before the returned function is called.
 * Handlers exist only while something is registered, so a library user's process is left alone
 * once its clusters are stopped.
 */
export function onInterrupt(cleanup: Cleanup): () => void {
  const key = Symbol('cleanup');
  cleanups.set(key, cleanup);
  syncHandlers();
  return () => {
    cleanups.delete(key);
    syncHandlers();
  };
}
