/**
 * The model the linearizability check judges by: one key of etcd's store with revisions, and each
 * operation of the history as what it does to, or asserts about, one key.
 */
import { isIndeterminate, isWrite, leasedKeys, linearizableReads, writesOf, type History, type Operation, type RestoreFacts } from '../workload/history.js';

// ---------------------------------------------------------------------------------------------
// The model: one key of etcd's store, seen through the operations on it.

/** A slice judged from the middle of a key's history starts from a value nobody knows. */
export const ANY_VALUE: unique symbol = Symbol('any value');

export interface KeyState {
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
export const ABSENT_AT_START: KeyState = { value: undefined, modRevision: 0, modRevisionKnown: true, revision: 0 };
export const ANY_STATE: KeyState = { value: ANY_VALUE, modRevision: 0, modRevisionKnown: false, revision: 0 };

export interface KeyStart {
  state: KeyState;
  /** "from the start of the history (/registry/drill/3 absent)" */
  description: string;
}

/**
 * Where each key's history starts: as the workload's first list found it (absent from an empty
 * store) — or, after a restore (which rewinds the store on purpose), as the restore left it, at the
 * snapshot's revision or later.
 */
export function startingPoint(restore: RestoreFacts | undefined, initial: Operation | undefined): (key: string) => KeyStart {
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
export type Effect =
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
export function step(state: KeyState, effect: Effect): KeyState | undefined {
  return effect.type === 'read' ? stepRead(state, effect) : stepWrite(state, effect);
}

export function stepRead(state: KeyState, read: Extract<Effect, { type: 'read' }>): KeyState | undefined {
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

export function stepWrite(state: KeyState, write: Extract<Effect, { type: 'write' }>): KeyState | undefined {
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
export function stateKey(state: KeyState): string {
  const value = state.value === undefined ? '-' : `=${String(state.value)}`;
  return `${state.revision} ${state.modRevisionKnown ? '' : '>='}${state.modRevision} ${value}`;
}

// ---------------------------------------------------------------------------------------------
// The history, one key at a time.

/** One operation as it bears on one key. */
export interface KeyOp {
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
export function keyOp(source: Operation | undefined, call: number, ret: number, effect: Effect, cutShort = false): KeyOp {
  return { source, call, ret, effect, cutShort };
}

export function isDeterminate(op: KeyOp): boolean {
  return op.ret !== Infinity;
}

/** A create is guarded on absence (0); an update or delete on its expected mod revision; a txn (which carries none) on nothing. */
export function guardOf(op: Operation): number | undefined {
  return op.kind === 'create' ? 0 : op.expectedModRevision;
}

export function readEffect(value: string | undefined, modRevision: number | undefined, revision: number | undefined, notModRevision: number | undefined): Effect {
  return { type: 'read', value, modRevision: value === undefined ? 0 : modRevision, revision, notModRevision };
}

/**
 * The keys `history` writes, each with the operations of `judged` that bear on it. Left out: keys
 * no write of the history touches (another writer's: nothing says what they should hold), and
 * keys written with a lease (etcd deletes them on expiry, a write no client made).
 */
export function keyHistories(history: Pick<History, 'operations' | 'final'>, judged: Operation[]): Map<string, KeyOp[]> {
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
