/**
 * The workload's record: every operation the simulated API servers issued, with when it started
 * and ended, what came back, and the revisions it saw; the watch's sessions and events; who led;
 * which faults were in force; and what the run read at its end. Checks are pure functions of a
 * History, so a doctored one proves each check can fail, and `etcd-drill check run.json` re-judges
 * a saved run. The format is documented in docs/HISTORY.md.
 */
import type { ErrorKind } from '../topology/error-kinds.js';

export { classifyError, type ErrorKind } from '../topology/error-kinds.js';

/**
 * What the API servers do, as Kubernetes' storage layer does it:
 * - `create`: a txn that puts `key` only if it does not exist (mod revision 0);
 * - `update`: GuaranteedUpdate — puts `key` only if its mod revision is still `expectedModRevision`;
 * - `delete`: deletes `key` only if its mod revision is still `expectedModRevision`;
 * - `txn`: puts every entry of `puts` unconditionally in one transaction (events attached to a lease);
 * - `get`: a linearizable read of `key`; `get-serializable`: a read of `key` answered by `member` alone;
 * - `range`: a linearizable list of every key under the prefix `key` (`kvs`);
 * - `lease-grant`: a lease for the events.
 */
export const OP_KINDS = ['create', 'update', 'delete', 'txn', 'get', 'get-serializable', 'range', 'list', 'lease-grant'] as const;
export type OpKind = (typeof OP_KINDS)[number];

export const WRITE_KINDS: ReadonlySet<OpKind> = new Set(['create', 'update', 'delete', 'txn']);

export interface KeyValue {
  key: string;
  value: string;
  modRevision: number;
}

export interface Operation {
  id: number;
  kind: OpKind;
  /** The key read or written; for `range`, the prefix listed; for `txn`, the first key it puts. */
  key: string;
  /**
   * `create`/`update`: the value written. `get`/`get-serializable`: the value read (undefined: absent).
   * A write that failed its compare (`errorKind: 'conflict'`): the value the key held instead.
   * Values the workload writes are unique: `${sequence}`.
   */
  value: string | undefined;
  /** `update`/`delete`: the mod revision the write was guarded on (`create` is guarded on 0). */
  expectedModRevision?: number | undefined;
  /** `txn`: every key and value it puts. */
  puts?: { key: string; value: string }[] | undefined;
  /**
   * The lease a write attached its keys to (hex). etcd deletes such keys when the lease expires, a
   * write no client made: linearizability leaves them out; the watch sees their deletes.
   */
  lease?: string | undefined;
  /** ms since the epoch */
  start: number;
  end: number;
  /** Answered as asked: a read answered, a write applied. */
  ok: boolean;
  error: string | undefined;
  /**
   * Why it did not succeed. `conflict`: a guarded write whose compare failed — etcd answered, nothing
   * was written, and the answer shows the key as it was (a read). Any other kind on a write: the
   * outcome is unknown — it may have been applied at any time after `start`, or never.
   */
  errorKind: ErrorKind | undefined;
  /** The revision in the response header (a write that was applied: the revision it created). */
  revision: number | undefined;
  /** The raft term in the response header: a write acknowledged in a higher term than the old leader's came after an election. */
  term?: number | undefined;
  /** Reads, and a write that failed its compare: the key's mod revision as the answer showed it (0: absent). */
  modRevision?: number | undefined;
  /** `range`: every key under the prefix, as listed. */
  kvs?: KeyValue[] | undefined;
  /** `list`: how many keys a paginated list of a preloaded prefix returned (values not kept: the workload does not write them). */
  listed?: number | undefined;
  /** The member addressed, when the op went to one member directly (serializable reads). */
  member: string | undefined;
}

/** A sample of who leads, from polling every member's status. */
export interface LeaderSample {
  at: number;
  /** Name of the leader most members report; undefined when none does. */
  leader: string | undefined;
  term: number | undefined;
}

/** An interval during which a fault was in force, as the checks need to know it. */
export interface FaultWindow {
  id: string;
  kind: string;
  members: string[];
  /** The cluster size at injection, to know whether quorum was lost. */
  clusterSize: number;
  /** Whether the fault takes its members out (killed, stopped, paused, cut off). */
  takesMembersDown: boolean;
  injectedAt: number;
  /** When healing began: from then on its members may be back. undefined while still in force. */
  healStartedAt: number | undefined;
}

/**
 * One stretch of the informer-like watch. `start`: the API servers started watching, after listing
 * the prefix (the `range` op `listOp`) from its revision + 1; `resume`: the stream broke and the
 * watch went on from the last revision seen + 1; `relist`: etcd refused that revision as
 * compacted, so the prefix was listed again (`listOp`) and the watch went on after the list.
 * `stop`: the API servers stopped.
 */
export interface WatchSession {
  at: number;
  reason: 'start' | 'resume' | 'relist' | 'stop';
  /** The first revision the watch asked for (for `stop`, the last revision it had seen). */
  fromRevision: number;
  /** `start` and `relist`: the id of the list the watch started after. */
  listOp?: number | undefined;
}

export interface WatchEvent {
  /** When it was received. */
  at: number;
  type: 'put' | 'delete';
  key: string;
  /** put: the value; delete: undefined. */
  value: string | undefined;
  /** put: the key's new mod revision; delete: the revision of the delete. */
  modRevision: number;
}

export interface WatchHistory {
  /** The prefix watched. */
  prefix: string;
  sessions: WatchSession[];
  events: WatchEvent[];
}

/** What a restore did, for restore-rpo: when, from which revision, and what the restored cluster held. */
export interface RestoreFacts {
  startedAt: number;
  endedAt: number;
  /** The revision the snapshot held. */
  snapshotRevision: number;
  /** Every key the workload writes, as the restored cluster held it before the API servers came back (absent keys left out). */
  restoredValues: Record<string, string>;
  /** The members restored, and the cluster ID they reported before and after (undefined: none answered). */
  members?: string[] | undefined;
  clusterIdBefore?: string | undefined;
  clusterIdAfter?: string | undefined;
}

/** An encrypted backup as it lies on disk, for backup-encrypted: its first bytes say what it is. */
export interface BackupFacts {
  /** The file's name (no folder: the run's folder is gone once it ends). */
  file: string;
  revision: number;
  sizeBytes: number;
  /** Base64 of the file's first bytes, read back from disk after the backup step wrote it. */
  head: string;
}

/** A member's own account once the run healed, for `converged`. */
export interface MemberSnapshot {
  name: string;
  reachable: boolean;
  revision: number | undefined;
  hashKV: number | undefined;
  memberIds: string[] | undefined;
  leaderId: string | undefined;
}

export interface History {
  operations: Operation[];
  leaders: LeaderSample[];
  faults: FaultWindow[];
  watch: WatchHistory | undefined;
  /** The informers on preloaded prefixes (`/registry/pods/`…), which nothing of the drill's writes to. */
  informers: WatchHistory[];
  restores: RestoreFacts[];
  backups: BackupFacts[];
  /**
   * Read after heal, once the workload stopped: every key under `prefix` (the keys the workload
   * guards), listed linearizably at `revision`, with when (acked-writes-durable). undefined when
   * the run did not get that far.
   */
  final: { at: number; revision: number; prefix: string; values: Record<string, string> } | undefined;
  /** Each member's account after heal (converged); undefined when the run did not get that far. */
  members: MemberSnapshot[] | undefined;
  /** The member names the run expected at its end. */
  expectedMembers: string[] | undefined;
  /** The settle time after a fault before quorum-semantics judges it: twice the election timeout in use. */
  settleMs: number;
}

export function emptyHistory(settleMs = 0): History {
  return { operations: [], leaders: [], faults: [], watch: undefined, informers: [], restores: [], backups: [], final: undefined, members: undefined, expectedMembers: undefined, settleMs };
}

export function isWrite(op: Operation): boolean {
  return WRITE_KINDS.has(op.kind);
}

/**
 * A write whose outcome says whether etcd was taking writes: not a failed compare (a working
 * cluster answered it) and not a call abandoned when the API servers stopped (nobody answered or
 * refused it). Availability windows, the quorum check, the report and the write conditions use it.
 */
export function showsAvailability(op: Operation): boolean {
  return isWrite(op) && op.errorKind !== 'conflict' && op.errorKind !== 'abandoned';
}

/** A write whose outcome is unknown: it failed with anything but a compare that did not hold. */
export function isIndeterminate(op: Operation): boolean {
  return isWrite(op) && !op.ok && op.errorKind !== 'conflict';
}

/** The keys a write would change, with the value each would hold (undefined: deleted). */
export function writesOf(op: Operation): { key: string; value: string | undefined }[] {
  if (op.kind === 'txn') return op.puts ?? [];
  if (op.kind === 'delete') return [{ key: op.key, value: undefined }];
  if (op.kind === 'create' || op.kind === 'update') return [{ key: op.key, value: op.value }];
  return [];
}

/** One key as a linearizable read saw it: a `get`, an entry of a `range`, or a write's failed compare. */
export interface KeyRead {
  op: Operation;
  key: string;
  /** undefined: absent */
  value: string | undefined;
  /** 0: absent; undefined: the answer did not say */
  modRevision: number | undefined;
}

/** Keys that only a lease-attached write touched: etcd may delete them on expiry, unseen by any client. */
export function leasedKeys(operations: Operation[]): Set<string> {
  return new Set(operations.filter((o) => o.lease !== undefined).flatMap((o) => writesOf(o).map((w) => w.key)));
}

/**
 * Every answered linearizable read, key by key. A list stands for a read of every key it shows, and
 * of every key under its prefix that the workload writes (leased keys aside) as absent.
 */
export function linearizableReads(operations: Operation[]): KeyRead[] {
  const leased = leasedKeys(operations);
  const written = [...new Set(operations.filter(isWrite).flatMap((o) => writesOf(o).map((w) => w.key)))].filter((k) => !leased.has(k));
  const reads: KeyRead[] = [];
  for (const op of operations) {
    if (op.kind === 'get' && op.ok) reads.push({ op, key: op.key, value: op.value, modRevision: op.modRevision });
    else if (isWrite(op) && op.errorKind === 'conflict') reads.push({ op, key: op.key, value: op.value, modRevision: op.modRevision });
    else if (op.kind === 'range' && op.ok) {
      const listed = new Map((op.kvs ?? []).map((kv) => [kv.key, kv]));
      for (const kv of listed.values()) if (!leased.has(kv.key)) reads.push({ op, key: kv.key, value: kv.value, modRevision: kv.modRevision });
      for (const key of written) if (key.startsWith(op.key) && !listed.has(key)) reads.push({ op, key, value: undefined, modRevision: 0 });
    }
  }
  return reads;
}

/**
 * The store as the workload found it when it first started: the list its watch started after.
 * undefined for a history without one (it starts from an empty store). A run on a cluster that
 * already held the workload's keys (a second workload, the trainer after a restore) starts from here.
 */
export function initialList(history: Pick<History, 'operations' | 'watch'>): Operation | undefined {
  const start = history.watch?.sessions.find((s) => s.reason === 'start');
  if (start?.listOp === undefined) return undefined;
  return history.operations.find((o) => o.id === start.listOp && o.kind === 'range' && o.ok);
}
