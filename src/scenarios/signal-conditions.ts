import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { signalsSince, type MemberSignals } from '../workload/operator-signals.js';
import type { Condition } from './conditions.js';

/**
 * A bound on what etcd itself reports since the run began (its `/metrics`), so a scenario can say
 * what an operator would see: a slow disk shows in the WAL fsync p99, a rolling defrag must not
 * change the leader.
 *
 * ```yaml
 * - wait-for: { condition: operator-signals, signal: wal-fsync-p99-ms, atLeast: 200 }   # the slow disk shows
 * - expect: { condition: operator-signals, signal: leader-changes, atMost: 0 }          # no election so far
 * ```
 * Judged on the member that shows the most (or `member`); `expect` judges the first answer, since a
 * percentile waited on long enough drifts back under any bound.
 */
const SIGNALS = {
  'wal-fsync-p99-ms': (s: MemberSignals) => s.walFsyncP99Ms,
  'backend-commit-p99-ms': (s: MemberSignals) => s.backendCommitP99Ms,
  'leader-changes': (s: MemberSignals) => s.leaderChanges,
  'slow-applies': (s: MemberSignals) => s.slowApplies,
  'heartbeat-failures': (s: MemberSignals) => s.heartbeatFailures,
} as const;
type SignalName = keyof typeof SIGNALS;

export const signalArgs = z
  .object({
    signal: z.enum(Object.keys(SIGNALS) as [SignalName, ...SignalName[]]),
    atLeast: z.number().min(0).optional(),
    atMost: z.number().min(0).optional(),
    member: z.string().optional(),
  })
  .strict()
  .refine((a) => a.atLeast !== undefined || a.atMost !== undefined, { message: 'give atLeast or atMost: the bound to judge the signal by' });

export const operatorSignals: Condition = async (ctx, args) => {
  const { signal, atLeast, atMost, member } = signalArgs.parse(args);
  if (!ctx.signalsBaseline) throw new InvalidInputError('condition operator-signals needs the counters the run read at its start', { hint: 'use it in a scenario file run by `etcd-drill run`' });
  const signals = (await signalsSince(ctx.cluster, ctx.signalsBaseline)).filter((s) => member === undefined || s.member === member);
  const valued = signals.flatMap((s) => {
    const value = SIGNALS[signal](s);
    return value === undefined ? [] : [{ member: s.member, value }];
  });
  const worst = valued.sort((a, b) => b.value - a.value)[0];
  if (!worst) return `no member${member ? ` named ${member}` : ''} reported ${signal} (${signals.length} answered)`;
  const shown = `${signal} is ${Math.round(worst.value).toLocaleString('en-US')} on ${worst.member}`;
  if (atLeast !== undefined && worst.value < atLeast) return `${shown} (at least ${atLeast} wanted)`;
  if (atMost !== undefined && worst.value > atMost) return `${shown} (at most ${atMost})`;
  return true;
};
