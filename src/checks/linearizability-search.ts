/**
 * The linearizability check's search: an order of one key's operations that respects real time
 * and the model (Wing–Gong–Lowe, memoised), brute force for small histories, and the shortest
 * slice of a key's history that cannot be linearized.
 */
import type { History, Operation } from '../workload/history.js';
import { ABSENT_AT_START, ANY_STATE, ANY_VALUE, isDeterminate, keyHistories, keyOp, stateKey, step, type KeyOp, type KeyState } from './linearizability-model.js';

// ---------------------------------------------------------------------------------------------
// The search.

export interface SearchBudget {
  maxStates: number;
  /** performance.now() past which the search gives up. */
  deadline: number;
  onProgress: ((states: number) => void) | undefined;
}

export interface SearchOutcome {
  status: 'ok' | 'failed' | 'unknown';
  /** (linearized set, model state) pairs explored. */
  states: number;
  /** Indeterminate writes the order found applies. */
  placed: number;
}

/** How often (in states) the search looks at the clock and reports progress. */
export const PROGRESS_EVERY = 1024;

/** One level of the depth-first search: where it stands, and the candidates left to try next. */
export interface Frame {
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
export function searchLinearization(ops: readonly KeyOp[], initial: KeyState, budget: SearchBudget): SearchOutcome {
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
export function bruteForceKey(remaining: readonly KeyOp[], state: KeyState): boolean {
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
export function cut(ops: readonly KeyOp[], from: number, to: number): KeyOp[] {
  const slice: KeyOp[] = [];
  for (const op of ops) {
    if (op.call > to || op.ret < from) continue;
    if ((op.call >= from && op.ret <= to) || !isDeterminate(op)) slice.push(op);
    else if (op.effect.type === 'write') slice.push(keyOp(op.source, op.call, Infinity, op.effect, true));
  }
  return slice;
}

export interface FailingSlice {
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
export function shortestFailingSlice(ops: readonly KeyOp[], start: KeyState, budget: SearchBudget): FailingSlice {
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

export function distinctSorted(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
