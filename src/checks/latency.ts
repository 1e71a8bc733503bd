import { showsAvailability, type History } from '../workload/history.js';

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
