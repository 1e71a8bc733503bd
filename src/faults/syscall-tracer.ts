/**
 * Faults in a member's own syscalls, injected from the host: strace, attached to the member's etcd
 * process, delays or fails the calls a stalling or dying disk would (fdatasync and fsync; write and
 * pwrite64). This kernel has no dm-delay, and cgroup v1's blkio throttles syncs but adds no latency
 * to one; ptrace works on any process root can see. A syscall must be in strace's trace set, or
 * its injection silently does nothing, so both come from one list here.
 *
 *   node syscall-tracer-main.js --pid PID --syscalls fdatasync,fsync --delay-ms MS [--jitter-ms MS --seed N]
 *   node syscall-tracer-main.js --pid PID --syscalls fdatasync,fsync --error EIO [--after N]
 *
 * strace applies one delay to every call, so a jitter is drawn anew by a fresh strace every
 * REDRAW_MS, or four of the longest delays when those are longer (ending strace ends the delay of
 * the call it holds: a 2.5 s stall redrawn every second would never last 2.5 s): between two of
 * them a call or two may go undelayed, as on a disk whose stalls come and go.
 * Ending this process (SIGTERM) ends strace, which detaches and leaves etcd running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Random } from '../random.js';
import { processRuns } from '../topology/lifecycle.js';
import { exitWith } from './helper-process.js';

/** The syscalls each disk fault acts on: a WAL append is write + fdatasync, a bbolt commit pwrite64 + fdatasync. */
export const DISK_SYSCALLS = { sync: ['fdatasync', 'fsync'], write: ['write', 'pwrite64'] } as const;
export type DiskSyscalls = keyof typeof DISK_SYSCALLS;

export const REDRAW_MS = 1000;

/** How long one strace (one drawn delay) holds: long enough that it seldom cuts a delayed call short. */
export function redrawPeriodMs(delayMs: number, jitterMs: number): number {
  return Math.max(REDRAW_MS, 4 * (delayMs + jitterMs));
}

export type TracerPlan =
  | { pid: number; syscalls: readonly string[]; delayMs: number; jitterMs: number; seed: number }
  | { pid: number; syscalls: readonly string[]; error: string; after: number };

/** The strace command line for one stretch of the plan: `delayMs` as drawn for it. */
export function straceArgs(plan: TracerPlan, delayMs?: number): string[] {
  const set = plan.syscalls.join(',');
  // `when=N+`: the Nth call and every one after it; the first `after` calls succeed.
  const action = 'error' in plan ? `error=${plan.error}${plan.after > 0 ? `:when=${plan.after + 1}+` : ''}` : `delay_enter=${delayMs ?? plan.delayMs}ms`;
  return ['-f', '-qq', '-o', '/dev/null', '-e', 'signal=none', '-e', `trace=${set}`, '-e', `inject=${set}:${action}`, '-p', String(plan.pid)];
}

/** The helper's own arguments for `plan`, as `parsePlan` reads them back. */
export function tracerArgs(plan: TracerPlan): string[] {
  const common = ['--pid', String(plan.pid), '--syscalls', plan.syscalls.join(',')];
  return 'error' in plan
    ? [...common, '--error', plan.error, '--after', String(plan.after)]
    : [...common, '--delay-ms', String(plan.delayMs), '--jitter-ms', String(plan.jitterMs), '--seed', String(plan.seed)];
}

export function parsePlan(args: string[]): TracerPlan {
  const { values } = parseArgs({
    args,
    options: {
      pid: { type: 'string' },
      syscalls: { type: 'string' },
      'delay-ms': { type: 'string' },
      'jitter-ms': { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
      error: { type: 'string' },
      after: { type: 'string', default: '0' },
    },
  });
  const common = { pid: Number(values.pid), syscalls: (values.syscalls ?? '').split(',') };
  if (values.error) return { ...common, error: values.error, after: Number(values.after) };
  return { ...common, delayMs: Number(values['delay-ms']), jitterMs: Number(values['jitter-ms']), seed: Number(values.seed) };
}

/** One delay in [delay − jitter, delay + jitter]. */
export function drawDelay(plan: { delayMs: number; jitterMs: number }, random: Random): number {
  return Math.max(0, Math.round(plan.delayMs + (random.next() * 2 - 1) * plan.jitterMs));
}

/** Keeps strace attached per `plan` until SIGTERM, or until the member's process is gone. */
export async function runTracer(plan: TracerPlan): Promise<void> {
  let child: ChildProcess | undefined;
  let stopping = false;
  const stop = () => {
    stopping = true;
    child?.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  exitWith(plan.pid, stop);
  const random = new Random('seed' in plan ? plan.seed : 1);
  const redraws = 'jitterMs' in plan && plan.jitterMs > 0;
  while (!stopping && processRuns(plan.pid)) {
    child = spawn('strace', straceArgs(plan, 'delayMs' in plan ? drawDelay(plan, random) : undefined), { stdio: ['ignore', 'ignore', 'inherit'] });
    const redraw = redraws && 'delayMs' in plan ? setTimeout(() => child?.kill('SIGTERM'), redrawPeriodMs(plan.delayMs, plan.jitterMs)) : undefined;
    await once(child, 'exit');
    clearTimeout(redraw);
    // Without a jitter strace ends only when its tracee does, or when it could not attach: either way, done.
    if (!redraws) break;
  }
}
