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
import { initialList, isIndeterminate, isWrite, leasedKeys, linearizableReads, writesOf, type History, type Operation, type RestoreFacts } from '../workload/history.js';
import { restoreEpochs } from './since-restore.js';
import { defineCheck, evidenceOf, formatCount, unknownVerdict, verdictOf, type Verdict } from './verdict.js';

// ---------------------------------------------------------------------------------------------
// The model: one key of etcd's store, seen through the operations on it.

/** A slice judged from the middle of a key's history starts from a value nobody knows. */
const ANY_VALUE: unique symbol = Symbol('any value');

interface KeyState {
  /** undefined: absent. */
  value: string | undefined | typeof ANY_VALUE;
  /** The key's mod revision when `modRevisionKnown`; otherwise the least it can be (a write whose response was lost landed at an unknown revision). */
  modRevision: number;
  modRevisionKnown: boolean;
  /**
   * The least the cluster's revision can be at this point of the order. Revisions only grow, so
   * a write applied here must have a greater one and a read here must answer at least this one.
   */
  revision: number;
}

/** The workload writes keys of its own: each is absent before its first write. */
const ABSENT_AT_START: KeyState = { value: undefined, modRevision: 0, modRevisionKnown: true, revision: 0 };
const ANY_STATE: KeyState = { value: ANY_VALUE, modRevision: 0, modRevisionKnown: false, revision: 0 };

interface KeyStart {
  state: KeyState;
  /** "from the start of the history (/registry/drill/3 absent)" */
  description: string;
}

/**
 * Where each key's history starts: as the workload's first list found it (absent from an empty
 * store) — or, after a restore (which rewinds the store on purpose), as the restore left it, at the
 * snapshot's revision or later.
 */
function startingPoint(restore: RestoreFacts | undefined, initial: Operation | undefined): (key: string) => KeyStart {
  if (restore) {
    return (key) => {
      const value: string | undefined = restore.restoredValues[key];
      const revision = restore.snapshotRevision;
      const state = value === undefined ? { ...ABSENT_AT_START, revision } : { value, modRevision: 0, modRevisionKnown: false, revision };
      return { state, description: `from the restore before it (${key} ${value === undefined ? 'absent' : `= ${value}`})` };
    };
  }
  if (!initial) return (key) => ({ state: ABSENT_AT_START, description: `from the start of the history (${key} absent)` });
  const listed = new Map((initial.kvs ?? []).map((kv) => [kv.key, kv]));
  const revision = initial.revision ?? 0;
  return (key) => {
    const kv = key.startsWith(initial.key) ? listed.get(key) : undefined;
    const state = kv ? { value: kv.value, modRevision: kv.modRevision, modRevisionKnown: true, revision } : { ...ABSENT_AT_START, revision: key.startsWith(initial.key) ? revision : 0 };
    return { state, description: `from the workload's first list (${key} ${kv ? `= ${kv.value}` : 'absent'} at revision ${revision})` };
  };
}

/** What one operation does to, or asserts about, one key. */
type Effect =
  | {
      type: 'read';
      /** undefined: absent. */
      value: string | undefined;
      /** undefined: the answer did not show it. */
      modRevision: number | undefined;
      /** The header revision: the cluster's revision when the read was answered. */
      revision: number | undefined;
      /** A guarded write whose compare failed also asserts the key's mod revision was not this. */
      notModRevision: number | undefined;
    }
  | {
      type: 'write';
      /** undefined: deleted. */
      value: string | undefined;
      /** Applied only if the key's mod revision is this (0: absent); undefined: unconditional. */
      guard: number | undefined;
      /** The revision it created; undefined when its response was lost. */
      revision: number | undefined;
    };

/** The key's state after `effect`, or undefined when the model cannot take it here. */
function step(state: KeyState, effect: Effect): KeyState | undefined {
  return effect.type === 'read' ? stepRead(state, effect) : stepWrite(state, effect);
}

function stepRead(state: KeyState, read: Extract<Effect, { type: 'read' }>): KeyState | undefined {
  if (read.revision !== undefined && (read.revision < state.revision || (read.modRevision ?? 0) > read.revision)) return undefined;
  if (state.value !== ANY_VALUE && state.value !== read.value) return undefined;
  let { modRevision, modRevisionKnown } = state;
  if (read.modRevision !== undefined) {
    if (modRevisionKnown ? read.modRevision !== modRevision : read.modRevision < modRevision) return undefined;
    modRevision = read.modRevision;
    modRevisionKnown = true;
  }
  if (read.notModRevision !== undefined && modRevisionKnown && modRevision === read.notModRevision) return undefined;
  const revision = Math.max(state.revision, read.revision ?? 0, modRevisionKnown ? modRevision : 0);
  return { value: read.value, modRevision, modRevisionKnown, revision };
}

function stepWrite(state: KeyState, write: Extract<Effect, { type: 'write' }>): KeyState | undefined {
  const { guard } = write;
  if (guard !== undefined && (state.modRevisionKnown ? state.modRevision !== guard : guard < state.modRevision)) return undefined;
  // A write creates a revision above the cluster's; but deleting a key that is absent changes
  // nothing, and etcd does not advance the revision for it.
  const least = write.value === undefined && typeof state.value !== 'string' ? state.revision : state.revision + 1;
  const revision = write.revision ?? least;
  if (revision < least) return undefined;
  if (write.value === undefined) return { value: undefined, modRevision: 0, modRevisionKnown: true, revision };
  return { value: write.value, modRevision: revision, modRevisionKnown: write.revision !== undefined, revision };
}

/** The key of a state the search stepped to: its value is one a read showed or a write wrote, never ANY_VALUE. */
function stateKey(state: KeyState): string {
  const value = state.value === undefined ? '-' : `=${String(state.value)}`;
  return `${state.revision} ${state.modRevisionKnown ? '' : '>='}${state.modRevision} ${value}`;
}

// ---------------------------------------------------------------------------------------------
// The history, one key at a time.

/** One operation as it bears on one key. */
interface KeyOp {
  /** The operation it comes from; undefined: the history's final read. */
  source: Operation | undefined;
  call: number;
  /** Infinity: a write whose outcome is unknown — it may take effect at any time after its call, or never. */
  ret: number;
  effect: Effect;
  /** In a slice: judged as in flight because the slice is cut inside it. */
  cutShort: boolean;
}

/** Every KeyOp is made here, so all share one shape (the search reads millions of them). */
function keyOp(source: Operation | undefined, call: number, ret: number, effect: Effect, cutShort = false): KeyOp {
  return { source, call, ret, effect, cutShort };
}

function isDeterminate(op: KeyOp): boolean {
  return op.ret !== Infinity;
}

/** A create is guarded on absence (0); an update or delete on its expected mod revision; a txn (which carries none) on nothing. */
function guardOf(op: Operation): number | undefined {
  return op.kind === 'create' ? 0 : op.expectedModRevision;
}

function readEffect(value: string | undefined, modRevision: number | undefined, revision: number | undefined, notModRevision: number | undefined): Effect {
  return { type: 'read', value, modRevision: value === undefined ? 0 : modRevision, revision, notModRevision };
}

/**
 * The keys `history` writes, each with the operations of `judged` that bear on it. Left out: keys
 * no write of the history touches (another writer's: nothing says what they should hold), and
 * keys written with a lease (etcd deletes them on expiry, a write no client made).
 */
function keyHistories(history: Pick<History, 'operations' | 'final'>, judged: Operation[]): Map<string, KeyOp[]> {
  const { operations, final } = history;
  const leased = leasedKeys(operations);
  const byKey = new Map<string, KeyOp[]>();
  for (const op of operations) for (const { key } of writesOf(op)) if (!leased.has(key)) byKey.set(key, []);
  const add = (key: string, op: KeyOp) => byKey.get(key)?.push(op);

  for (const op of judged) {
    if (!isWrite(op) || !(op.ok || isIndeterminate(op))) continue;
    // A txn that puts a key twice leaves the last value.
    const lastPuts = new Map(writesOf(op).map((w) => [w.key, w.value]));
    const ret = op.ok ? Math.max(op.start, op.end) : Infinity;
    for (const [key, value] of lastPuts) add(key, keyOp(op, op.start, ret, { type: 'write', value, guard: guardOf(op), revision: op.ok ? op.revision : undefined }));
  }
  for (const { op, key, value, modRevision } of linearizableReads(judged)) {
    const failedCompare = op.errorKind === 'conflict' ? guardOf(op) : undefined;
    add(key, keyOp(op, op.start, Math.max(op.start, op.end), readEffect(value, modRevision, op.revision, failedCompare)));
  }
  if (final) {
    for (const key of byKey.keys()) {
      const value: string | undefined = final.values[key];
      if (key.startsWith(final.prefix)) add(key, keyOp(undefined, final.at, final.at, readEffect(value, undefined, final.revision, undefined)));
    }
  }
  return byKey;
}

// ---------------------------------------------------------------------------------------------
// The search.

interface SearchBudget {
  maxStates: number;
  /** performance.now() past which the search gives up. */
  deadline: number;
  onProgress: ((states: number) => void) | undefined;
}

interface SearchOutcome {
  status: 'ok' | 'failed' | 'unknown';
  /** (linearized set, model state) pairs explored. */
  states: number;
  /** Indeterminate writes the order found applies. */
  placed: number;
}

/** How often (in states) the search looks at the clock and reports progress. */
const PROGRESS_EVERY = 1024;

/** One level of the depth-first search: where it stands, and the candidates left to try next. */
interface Frame {
  state: KeyState;
  /** The first determinate op (in return order) not linearized: every earlier one is. */
  firstPending: number;
  /** The first determinate op (in call order) not linearized. */
  firstUncalled: number;
  /** Determinate ops (return-order positions, ascending) after `firstPending` that are linearized. */
  linearizedLater: number[];
  /** Indeterminate ops applied, as bits. */
  applied: bigint;
  /** Determinate ops as their return-order position; indeterminate ones as ~index. */
  candidates: number[];
  next: number;
  /** The candidate that led here. */
  via: number | undefined;
}

/**
 * Searches for an order of `ops` from `initial` that respects real time and the model. The
 * linearized set is remembered as (first pending op, the later ones already linearized) — every
 * op before the first pending one is linearized — so the memo key stays as small as the
 * concurrency. Indeterminate writes are kept out of it: a state reached with a superset of them
 * applied has fewer choices left, so it is pruned when the same state was explored with a subset.
 */
function searchLinearization(ops: readonly KeyOp[], initial: KeyState, budget: SearchBudget): SearchOutcome {
  const determinate = ops.filter(isDeterminate).sort((a, b) => a.ret - b.ret || a.call - b.call);
  const indeterminate = ops.filter((op) => !isDeterminate(op)).sort((a, b) => a.call - b.call);
  const n = determinate.length;
  if (n === 0) return { status: 'ok', states: 0, placed: 0 };
  if (performance.now() > budget.deadline) return { status: 'unknown', states: 0, placed: 0 };

  const byCall = determinate.map((_, i) => i).sort((a, b) => determinate[a]!.call - determinate[b]!.call);
  const callPosition = new Int32Array(n);
  byCall.forEach((i, position) => (callPosition[i] = position));
  // Try candidates in revision order (writes before reads at the same revision): in a history
  // etcd really produced that is the order, so a valid history needs next to no backtracking.
  const preference = new Int32Array(n);
  determinate
    .map((op, i) => ({ i, revision: op.effect.revision ?? Infinity, isRead: op.effect.type === 'read' ? 1 : 0, call: op.call }))
    .sort((a, b) => a.revision - b.revision || a.isRead - b.isRead || a.call - b.call)
    .forEach(({ i }, rank) => (preference[i] = rank));

  // Along the current path: which ops are linearized, which indeterminate ones applied (each frame
  // also keeps the latter as bits, for the memo).
  const linearized = new Uint8Array(n);
  const isApplied = new Uint8Array(indeterminate.length);
  const explored = new Map<string, bigint[]>();

  const candidatesAt = (state: KeyState, firstPending: number, firstUncalled: number): number[] => {
    const horizon = determinate[firstPending]!.ret;
    const candidates: number[] = [];
    for (let k = firstUncalled; k < n && determinate[byCall[k]!]!.call <= horizon; k++) {
      if (!linearized[byCall[k]!]) candidates.push(byCall[k]!);
    }
    candidates.sort((a, b) => preference[a]! - preference[b]!);
    // From a state nobody knows, an indeterminate write leads only to states that one already
    // covers (the model never accepts less from a state that covers more): nothing to try.
    if (state.value === ANY_VALUE) return candidates;
    for (let j = 0; j < indeterminate.length && indeterminate[j]!.call <= horizon; j++) {
      if (!isApplied[j]) candidates.push(~j);
    }
    return candidates;
  };
  /** Whether this state was explored already with no more indeterminate writes applied; records it if not. */
  const alreadyExplored = (key: string, appliedBits: bigint): boolean => {
    const earlier = explored.get(key);
    if (earlier?.some((bits) => (bits & ~appliedBits) === 0n)) return true;
    if (earlier) earlier.push(appliedBits);
    else explored.set(key, [appliedBits]);
    return false;
  };
  const undo = (via: number | undefined) => {
    if (via === undefined) return;
    if (via >= 0) linearized[via] = 0;
    else isApplied[~via] = 0;
  };

  let states = 0;
  const stack: Frame[] = [
    { state: initial, firstPending: 0, firstUncalled: 0, linearizedLater: [], applied: 0n, candidates: candidatesAt(initial, 0, 0), next: 0, via: undefined },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.candidates.length) {
      stack.pop();
      undo(top.via);
      continue;
    }
    const candidate = top.candidates[top.next++]!;
    const state = step(top.state, candidate >= 0 ? determinate[candidate]!.effect : indeterminate[~candidate]!.effect);
    if (!state) continue;

    let { firstPending, firstUncalled, linearizedLater, applied: appliedBits } = top;
    if (candidate >= 0) {
      linearized[candidate] = 1;
      if (candidate > firstPending) {
        linearizedLater = [...linearizedLater, candidate].sort((a, b) => a - b);
      } else {
        while (firstPending < n && linearized[firstPending]) firstPending++;
        linearizedLater = linearizedLater.filter((position) => position > firstPending);
      }
      if (callPosition[candidate] === firstUncalled) {
        while (firstUncalled < n && linearized[byCall[firstUncalled]!]) firstUncalled++;
      }
    } else {
      isApplied[~candidate] = 1;
      appliedBits |= 1n << BigInt(~candidate);
    }
    if (firstPending === n) return { status: 'ok', states, placed: isApplied.reduce((sum, bit) => sum + bit, 0) };
    if (alreadyExplored(`${firstPending}|${linearizedLater.join(',')}|${stateKey(state)}`, appliedBits)) {
      undo(candidate);
      continue;
    }
    states++;
    if (states % PROGRESS_EVERY === 0) {
      budget.onProgress?.(states);
      if (performance.now() > budget.deadline) return { status: 'unknown', states, placed: 0 };
    }
    if (states >= budget.maxStates) return { status: 'unknown', states, placed: 0 };
    stack.push({
      state,
      firstPending,
      firstUncalled,
      linearizedLater,
      applied: appliedBits,
      candidates: candidatesAt(state, firstPending, firstUncalled),
      next: 0,
      via: candidate,
    });
  }
  return { status: 'failed', states, placed: 0 };
}

/** Every order consistent with real time, tried one by one from `state`: the definition, for small histories. */
function bruteForceKey(remaining: readonly KeyOp[], state: KeyState): boolean {
  if (!remaining.some(isDeterminate)) return true;
  for (const [i, op] of remaining.entries()) {
    // An op that returned before this one was called has to come first.
    if (remaining.some((other) => other.ret < op.call)) continue;
    const next = step(state, op.effect);
    if (next && bruteForceKey(remaining.filter((_, j) => j !== i), next)) return true;
  }
  return false;
}

/**
 * Whether every key of these operations (and of the final read, if given) can be linearized,
 * found by trying every order consistent with real time — exponential, for small histories only
 * (tests and the benchmark cross-check the search with it). The cross-key header rule is not part of it.
 */
export function bruteForceLinearizable(operations: Operation[], final?: History['final']): boolean {
  return [...keyHistories({ operations, final }, operations).values()].every((ops) => bruteForceKey(ops, ABSENT_AT_START));
}

// ---------------------------------------------------------------------------------------------
// The shortest slice that cannot be linearized.

/**
 * The ops of a key between two instants: whole if they ran within [from, to]; a write the cut
 * falls inside as in flight (it may have taken effect on either side of the cut, or not at all);
 * a read the cut falls inside is left out, since it may have been answered on the other side.
 * Whatever order linearizes a history linearizes every such slice of it, from any state at `from`.
 */
function cut(ops: readonly KeyOp[], from: number, to: number): KeyOp[] {
  const slice: KeyOp[] = [];
  for (const op of ops) {
    if (op.call > to || op.ret < from) continue;
    if ((op.call >= from && op.ret <= to) || !isDeterminate(op)) slice.push(op);
    else if (op.effect.type === 'write') slice.push(keyOp(op.source, op.call, Infinity, op.effect, true));
  }
  return slice;
}

interface FailingSlice {
  /** undefined: from the key's start; else from any state at this instant. */
  from: number | undefined;
  ops: KeyOp[];
}

/**
 * Ends the history at the earliest return that already makes it fail, then starts it at the
 * latest call that still fails from any state. Both are binary searches: a slice that fails
 * keeps failing as it grows. A probe past its budget counts as not failing, so the slice returned
 * has always been proven to fail.
 */
function shortestFailingSlice(ops: readonly KeyOp[], start: KeyState, budget: SearchBudget): FailingSlice {
  const fails = (slice: KeyOp[], initial: KeyState) => searchLinearization(slice, initial, budget).status === 'failed';
  const returns = distinctSorted(ops.filter(isDeterminate).map((op) => op.ret));
  let lo = 0;
  let hi = returns.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(cut(ops, -Infinity, returns[mid]!), start)) hi = mid;
    else lo = mid + 1;
  }
  const to = returns[lo]!;
  const prefix = cut(ops, -Infinity, to);
  const calls = distinctSorted(prefix.map((op) => op.call));
  let first = -1; // -1: from the key's start
  let last = calls.length - 1;
  while (first < last) {
    const mid = (first + last + 1) >> 1;
    if (fails(cut(ops, calls[mid]!, to), ANY_STATE)) first = mid;
    else last = mid - 1;
  }
  const from = calls[first]; // calls[-1]: undefined, from the key's start
  const slice = from === undefined ? prefix : cut(ops, from, to);
  return { from, ops: slice.sort((a, b) => a.call - b.call) };
}

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

function distinctSorted(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
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
