/**
 * The observer's record: every operation the simulated API server issued, with when it started
 * and ended, what came back, and the revision it saw. Checks are pure functions of a History, so
 * a doctored one proves each check can fail.
 */
export type OpKind = 'put' | 'get' | 'get-serializable' | 'lease-grant';

import type { ErrorKind } from '../topology/client.js';

export { classifyError, type ErrorKind } from '../topology/client.js';

export interface Operation {
  id: number;
  kind: OpKind;
  key: string;
  /** put: the value written; get: the value read (undefined: key absent). Values are `${sequence}`. */
  value: string | undefined;
  /** ms since the epoch */
  start: number;
  end: number;
  ok: boolean;
  error: string | undefined;
  errorKind: ErrorKind | undefined;
  /** The revision in the response header (puts: the write's revision). */
  revision: number | undefined;
  /** The member endpoint addressed, when the op went to one member directly (serializable reads). */
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

export interface History {
  operations: Operation[];
  leaders: LeaderSample[];
  faults: FaultWindow[];
}

/** Sequence number encoded in a value the observer wrote. */
export function sequenceOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}
