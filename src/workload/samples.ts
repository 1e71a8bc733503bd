import { percentiles } from '../percentiles.js';
import type { WorkloadSample } from '../events.js';
import { isWrite, type LeaderSample, type Operation } from './history.js';

/**
 * What the load saw, summed up: how the writes of one window fared (the face's sparklines and
 * availability; a write in flight past the request timeout counts as stalled), and how long until a
 * new leader was seen.
 */
export function sampleWrites(operations: readonly Operation[], writesInFlight: Iterable<number>, requestMs: number, from: number, to: number): WorkloadSample {
  const finished: Operation[] = [];
  for (let i = operations.length - 1; i >= 0; i -= 1) {
    const op = operations[i] as Operation;
    if (op.end < from) break;
    if (isWrite(op) && op.end < to) finished.push(op);
  }
  const latencies = finished.filter((o) => o.ok).map((o) => o.end - o.start);
  const p = latencies.length ? percentiles(latencies, [50, 99]) : undefined;
  const answered = latencies.length + finished.filter((o) => o.errorKind === 'conflict').length;
  const stalledWrites = [...writesInFlight].filter((start) => to - start > requestMs).length;
  const counted = finished.length + stalledWrites;
  return {
    windowMs: to - from,
    puts: finished.length,
    okPuts: latencies.length,
    stalledPuts: stalledWrites,
    availability: counted ? answered / counted : undefined,
    p50Ms: p?.p50,
    p99Ms: p?.p99,
  };
}

/** Milliseconds from `since` until a leader other than `previous` (or any, if `previous` is undefined) was seen. */
export function timeToNewLeader(leaders: LeaderSample[], since: number, previous: string | undefined): number | undefined {
  const sample = leaders.find((s) => s.at >= since && s.leader !== undefined && s.leader !== previous);
  return sample ? sample.at - since : undefined;
}

/** How the writes of a window fared: what a runbook run under load reports of its impact. */
export interface WriteImpact {
  acknowledged: number;
  /** Writes that failed (a compare that lost counts as answered, not failed). */
  failed: number;
  /** p99 latency of the acknowledged writes; undefined without any. */
  p99Ms: number | undefined;
  /** The longest stretch without an acknowledged write: from the window's start, between them, to its end. */
  longestGapMs: number;
}

/** The writes that overlapped [from, to]: how many were acknowledged or failed, their p99, the longest gap between acknowledgements. */
export function writeImpact(operations: readonly Operation[], from: number, to: number): WriteImpact {
  const writes = operations.filter((o) => isWrite(o) && o.end >= from && o.start <= to);
  const acknowledged = writes.filter((o) => o.ok).sort((a, b) => a.end - b.end);
  let longestGapMs = 0;
  let last = from;
  for (const write of acknowledged) {
    longestGapMs = Math.max(longestGapMs, write.end - last);
    last = Math.max(last, write.end);
  }
  longestGapMs = Math.max(longestGapMs, to - last);
  return {
    acknowledged: acknowledged.length,
    failed: writes.filter((o) => !o.ok && o.errorKind !== 'conflict').length,
    p99Ms: acknowledged.length ? percentiles(acknowledged.map((o) => o.end - o.start)).p99 : undefined,
    longestGapMs,
  };
}
