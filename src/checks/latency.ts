import { showsAvailability, type History } from '../workload/history.js';

/** Nearest-rank percentiles (keys 'p50', …), plus 'max' and 'count'. */
export function percentiles(values: number[], ps: number[] = [50, 90, 99]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const result: Record<string, number> = {};
  for (const p of ps) result[`p${p}`] = n === 0 ? NaN : sorted[Math.min(n, Math.max(1, Math.ceil((p / 100) * n))) - 1]!;
  result.max = n === 0 ? NaN : sorted[n - 1]!;
  result.count = n;
  return result;
}

export interface UnavailabilityWindow {
  start: number;
  /** undefined: writes never recovered */
  end: number | undefined;
  failedOps: number;
  firstError: string | undefined;
}

/**
 * Spans during which writes failed: from the start of a failed write to the end of the next one
 * that succeeded. Only writes count, since reads (serializable ones especially) may be served
 * while writes are not; a failed compare was answered, so it does not count either.
 */
export function unavailabilityWindows(history: Pick<History, 'operations'>): UnavailabilityWindow[] {
  const puts = history.operations.filter(showsAvailability).sort((a, b) => a.start - b.start || a.id - b.id);
  const windows: UnavailabilityWindow[] = [];
  let open: UnavailabilityWindow | undefined;
  for (const op of puts) {
    if (!op.ok) {
      if (open) open.failedOps++;
      else open = { start: op.start, end: undefined, failedOps: 1, firstError: op.error };
    } else if (open) {
      open.end = op.end;
      windows.push(open);
      open = undefined;
    }
  }
  if (open) windows.push(open);
  return windows;
}
