/**
 * Linearizability of the workload's history against a model of etcd's key-value store with
 * revisions — the check etcd's robustness tests make with porcupine.
 *
 * The history is partitioned by key (linearizability is local: a history is linearizable iff each
 * key's is). Each key's operations are searched for an order that respects real time and that the
 * model accepts, Wing–Gong–Lowe style: a pending operation whose call precedes the earliest return
 * is linearized next, dead ends backtrack, and every (linearized set, model state) pair already
 * explored is remembered so it is never explored twice. A key whose search passes its budget is
 * `unknown`, never ok. A key that cannot be linearized is reported with the shortest slice of its
 * history that cannot be either.
 *
 * Beside the per-key search, one cross-key promise: a linearizable read's header revision is at
 * least the revision of every write acknowledged before the read started.
 */
import { initialList, isWrite, type History, type Operation } from '../workload/history.js';
import { ANY_VALUE, isDeterminate, keyHistories, startingPoint, type Effect, type KeyOp } from './linearizability-model.js';
import { searchLinearization, shortestFailingSlice, type FailingSlice, type SearchBudget } from './linearizability-search.js';
import { restoreEpochs } from './since-restore.js';
import { defineCheck, evidenceOf, formatCount, unknownVerdict, verdictOf, type Verdict } from './verdict.js';

// ---------------------------------------------------------------------------------------------
// Reporting a key that cannot be linearized.

/**
 * A slice keeps every write from before it whose outcome is unknown (any may land inside it), but
 * lists only those whose value a read in the slice shows. The slice fails with all of them, so no
 * choice among the rest — applied anywhere, or not at all — rescues it.
 */
function listedOps({ from, ops }: FailingSlice): { listed: KeyOp[]; unlisted: number } {
  const shown = new Set(ops.map((op) => (op.effect.type === 'read' ? op.effect.value : ANY_VALUE)));
  const listed = ops.filter((op) => isDeterminate(op) || op.cutShort || from === undefined || op.call >= from || shown.has(op.effect.value));
  return { listed, unlisted: ops.length - listed.length };
}

/** What `source` asked of `key`: "update /registry/drill/3 = 12 if mod=40" after the kind. */
function askedOf(source: Operation, key: string, effect: Effect): string {
  const written = effect.type === 'write' ? ` = ${effect.value}` : ''; // a failed compare shows what it found, not what it asked
  switch (source.kind) {
    case 'range':
      return `${source.key} (${key})`;
    case 'txn':
      return `put ${key}${written}`;
    case 'update':
      return `${key}${written} if mod=${source.expectedModRevision}`;
    case 'delete':
      return `${key} if mod=${source.expectedModRevision}`;
    case 'create':
      return `${key}${written}`;
    default:
      return key;
  }
}

/** "op 17 update /registry/drill/3 = 12 if mod=40 → ok rev 45 [1000–1010 ms]", times from `t0`. */
function describeKeyOp(op: KeyOp, key: string, t0: number): string {
  const { source, effect } = op;
  const shown = (value: string | undefined, modRevision: number | undefined) =>
    value === undefined ? 'absent' : `${value}${modRevision === undefined ? '' : ` mod ${modRevision}`}`;
  const rev = (revision: number | undefined) => (revision === undefined ? '' : ` rev ${revision}`);
  // The final read shows values only, no mod revisions.
  if (!source) return `final read ${key} → ${shown(effect.value, undefined)}${rev(effect.revision)} [${op.call - t0} ms]`;
  const asked = askedOf(source, key, effect);
  let outcome: string;
  if (effect.type === 'read') {
    outcome = `${source.errorKind === 'conflict' ? 'conflict: ' : ''}${shown(effect.value, effect.modRevision)}${rev(effect.revision)}`;
  } else if (source.ok) {
    outcome = `ok${rev(effect.revision)}`;
  } else {
    outcome = `${source.errorKind ?? 'failed'} (outcome unknown)`;
  }
  const inFlight = op.cutShort ? ' (cut short: judged as in flight)' : '';
  return `op ${source.id} ${source.kind} ${asked} → ${outcome} [${source.start - t0}–${source.end - t0} ms]${inFlight}`;
}

// ---------------------------------------------------------------------------------------------
// Across keys: a linearizable read never answers at a revision older than a write acknowledged before it.

interface HeaderRead {
  /** "/registry/drill/3: op 17 (get)": the key first. */
  label: string;
  start: number;
  revision: number;
}

function headerRevisionViolations(operations: readonly Operation[], final: History['final']): string[] {
  const acked = operations.filter((op) => isWrite(op) && op.ok && op.revision !== undefined).sort((a, b) => a.end - b.end);
  const reads: HeaderRead[] = [];
  for (const op of operations) {
    const linearizableRead = op.ok ? op.kind === 'get' || op.kind === 'range' : isWrite(op) && op.errorKind === 'conflict';
    if (linearizableRead && op.revision !== undefined) reads.push({ label: `${op.key}: op ${op.id} (${op.kind})`, start: op.start, revision: op.revision });
  }
  if (final) reads.push({ label: 'the final read', start: final.at, revision: final.revision });
  reads.sort((a, b) => a.start - b.start);

  const violations: string[] = [];
  let next = 0;
  let latest: Operation | undefined;
  for (const read of reads) {
    for (; next < acked.length && acked[next]!.end < read.start; next++) {
      if (!latest || acked[next]!.revision! > latest.revision!) latest = acked[next]!;
    }
    if (latest && read.revision < latest.revision!) {
      violations.push(
        `${read.label} answered at revision ${read.revision}, below revision ${latest.revision} of op ${latest.id} (${latest.kind} ${latest.key}) acknowledged before it started`,
      );
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// The check.

export interface LinearizabilityOptions {
  /** States one key's search may explore (each probe of its shortest-slice search too) before it is `unknown`. */
  maxStatesPerKey?: number;
  /** Wall-clock budget for the whole check, in ms: a key not decided by then is `unknown`. */
  timeLimitMs?: number;
  /** Called every few thousand states and when a key is decided: for progress reports, or to sample memory. */
  onProgress?: (progress: { key: string; states: number }) => void;
}

export const DEFAULT_LINEARIZABILITY_BUDGET: Required<Omit<LinearizabilityOptions, 'onProgress'>> = {
  maxStatesPerKey: 1_000_000,
  timeLimitMs: 60_000,
};

export interface KeyLinearizability {
  key: string;
  status: 'ok' | 'failed' | 'unknown';
  /** Reads and determinate writes judged on this key (a range or final read counts once per key). */
  operations: number;
  indeterminateWrites: number;
  /** Indeterminate writes the order found applies (ok only). */
  placed: number;
  states: number;
  /** failed: the shortest slice that cannot be linearized, one op per line. */
  slice?: {
    from: string;
    lines: string[];
    /** Writes with unknown outcomes from before the slice that no read in it shows, left out of `lines`. */
    unlistedWrites: number;
  };
}

export interface LinearizabilityResult {
  status: 'ok' | 'failed' | 'unknown';
  keys: KeyLinearizability[];
  /** Operations of the history judged: reads (gets, ranges, failed compares) and determinate writes. */
  operations: number;
  /** Keys with at least one operation judged. */
  keysJudged: number;
  /**
   * Reads of keys the history writes (a get, each entry of a list, a failed compare; the final read
   * left out): without them any set of writes linearizes, so this is what the verdict rests on.
   */
  reads: number;
  indeterminatePlaced: number;
  /** Linearizable reads that answered below a revision acknowledged before they started. */
  headerViolations: string[];
}

export function checkLinearizability(history: History, options: LinearizabilityOptions = {}): LinearizabilityResult {
  const { maxStatesPerKey, timeLimitMs } = { ...DEFAULT_LINEARIZABILITY_BUDGET, ...options };
  const deadline = performance.now() + timeLimitMs;
  const t0 = history.operations.reduce((earliest, op) => Math.min(earliest, op.start), history.final?.at ?? Infinity);
  const judged = new Set<Operation>();
  const keys: KeyLinearizability[] = [];
  const headerViolations: string[] = [];
  let reads = 0;
  // Each stretch between restores is one store's story, judged from where its restore left it.
  for (const epoch of restoreEpochs(history)) {
    const final = epoch.last ? history.final : undefined;
    const startOf = startingPoint(epoch.after, initialList(history));
    for (const [key, ops] of keyHistories({ operations: history.operations, final }, epoch.operations)) {
      if (ops.length === 0) continue;
      const budget: SearchBudget = {
        maxStates: maxStatesPerKey,
        deadline,
        onProgress: options.onProgress && ((states) => options.onProgress!({ key, states })),
      };
      const determinate = ops.filter(isDeterminate);
      for (const op of determinate) if (op.source) judged.add(op.source);
      reads += determinate.filter((op) => op.source && op.effect.type === 'read').length;
      const start = startOf(key);
      const outcome = searchLinearization(ops, start.state, budget);
      const result: KeyLinearizability = {
        key,
        status: outcome.status,
        operations: determinate.length,
        indeterminateWrites: ops.length - determinate.length,
        placed: outcome.placed,
        states: outcome.states,
      };
      if (outcome.status === 'failed') {
        const slice = shortestFailingSlice(ops, start.state, budget);
        const { listed, unlisted } = listedOps(slice);
        result.slice = {
          from: slice.from === undefined ? start.description : `from any state of ${key} at ${slice.from - t0} ms`,
          lines: listed.map((op) => describeKeyOp(op, key, t0)),
          unlistedWrites: unlisted,
        };
      }
      options.onProgress?.({ key, states: outcome.states });
      keys.push(result);
    }
    headerViolations.push(...headerRevisionViolations(epoch.operations, final));
  }
  const failed = headerViolations.length > 0 || keys.some((k) => k.status === 'failed');
  return {
    status: failed ? 'failed' : keys.some((k) => k.status === 'unknown') ? 'unknown' : 'ok',
    keys,
    operations: judged.size,
    keysJudged: new Set(keys.filter((k) => k.operations > 0).map((k) => k.key)).size,
    reads,
    indeterminatePlaced: keys.reduce((sum, k) => sum + k.placed, 0),
    headerViolations,
  };
}

/** Lines of a failed verdict's details: each violation, a key's followed by its slice. */
const MAX_DETAIL_LINES = 200;
const CHECK_NAME = 'linearizability';
const FLOORS = { operations: 40, reads: 20, keys: 1 };

function describeFailure(key: KeyLinearizability): string[] {
  const { from, lines, unlistedWrites } = key.slice!;
  const which = lines.length === 1 ? 'the operation below' : `no order of the ${lines.length} operations below`;
  const headline = `${key.key} cannot be linearized: ${which}, ${from}, fits etcd's model`;
  const unlisted = unlistedWrites === 0 ? [] : [`  (and ${unlistedWrites} earlier writes whose outcome is unknown: none of them, landed anywhere or nowhere, fixes it)`];
  return [headline, ...lines.map((line) => `  ${line}`), ...unlisted];
}

/** The verdict on a result: a failure names the key first, with its slice in the details; a search past its budget is `unknown`. */
export function linearizabilityVerdict(result: LinearizabilityResult, floors: Record<string, number>): Verdict {
  const evidence = evidenceOf({ floors: FLOORS }, floors, [
    { floor: 'operations', what: 'operations judged', count: result.operations },
    { floor: 'reads', what: 'reads of written keys', count: result.reads },
    { floor: 'keys', what: 'keys', count: result.keysJudged },
  ]);
  const failures = result.keys.filter((k) => k.status === 'failed').map(describeFailure);
  const violations = [...failures.map(([headline]) => headline!), ...result.headerViolations];
  if (violations.length > 0) {
    const details = [...failures.flat(), ...result.headerViolations];
    const shown = details.slice(0, MAX_DETAIL_LINES);
    if (details.length > MAX_DETAIL_LINES) shown.push(`… and ${details.length - MAX_DETAIL_LINES} more lines`);
    return { ...verdictOf(CHECK_NAME, violations, evidence), details: shown };
  }
  const undecided = result.keys.filter((k) => k.status === 'unknown');
  if (undecided.length > 0) {
    const states = formatCount(Math.max(...undecided.map((k) => k.states)));
    return unknownVerdict(
      CHECK_NAME,
      `the search for ${undecided.length} of ${result.keys.length} keys (${undecided[0]!.key} first) passed its budget (up to ${states} states) without finding a violation`,
      evidence,
    );
  }
  return verdictOf(CHECK_NAME, [], evidence, `linearizable (${formatCount(result.indeterminatePlaced)} indeterminate writes placed)`);
}

export const linearizability = defineCheck({
  name: CHECK_NAME,
  description: "Every key's operations fit one order that respects real time and etcd's key-value model with revisions (as etcd's robustness tests check with porcupine).",
  floors: FLOORS,
  judge: (history, floors) => linearizabilityVerdict(checkLinearizability(history), floors),
});
