import type { z } from 'zod';
import type { EventBus } from '../events.js';
import type { Random } from '../random.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Cluster, MemberInfo } from '../topology/cluster.js';
import type { MemberView, Target } from './target.js';

/** Everything a fault may use: the cluster, its engine, the seeded random source, the event stream. */
export interface FaultContext {
  cluster: Cluster;
  runtime: ContainerRuntime;
  random: Random;
  events: EventBus;
}

/** What is kept of an injected fault: enough for any process to heal it later. */
export interface FaultRecord {
  id: string;
  kind: string;
  target: string;
  members: string[];
  options: Record<string, unknown>;
  /** When injection began: the earliest the fault can have had an effect (e.g. the time base for "new leader after"). */
  startedAt: number;
  /** When injection returned: from here the fault is surely in force (e.g. `docker kill` has answered). */
  injectedAt: number;
  clusterSize: number;
  /** Who led just before the fault acted (read for its target): what "a new leader" is judged against. */
  leaderBefore: string | undefined;
  takesMembersDown: boolean;
  /** Fault-specific data for undoing it: original limits, iptables chain, proxy PIDs. */
  undo: Record<string, unknown>;
  effect: string | undefined;
}

export interface Injection {
  undo?: Record<string, unknown>;
  /** The members actually taken down, where not simply the targeted ones (a partition's losing sides). */
  members?: string[];
  /** What the fault did, in a line: "OOMKilled after 38 MB", "NOSPACE alarm raised". */
  effect?: string;
}

export interface RefusalInput<O> {
  members: string[];
  views: MemberView[];
  cluster: Cluster;
  options: O;
}

/**
 * A way to break a cluster. Small objects behind one interface, looked up by `kind` in the
 * registry, so scenario files, the CLI, the terminal UI and property tests share them.
 */
export interface Fault<O extends Record<string, unknown> = Record<string, unknown>> {
  readonly kind: string;
  readonly summary: string;
  readonly defaultTarget: Target;
  readonly options: z.ZodType<O>;
  /** Killed, stopped, paused or cut off: counts against quorum and for the quorum-semantics check. */
  readonly takesMembersDown: boolean;
  /** Done at once, nothing left to heal (restart). */
  readonly instant?: boolean;
  /** Throws InvalidInputError, before anything is touched, when the fault makes no sense here. */
  refuse?(input: RefusalInput<O>): void;
  inject(ctx: FaultContext, members: MemberInfo[], options: O): Promise<Injection>;
  /** Undoes the fault; returns a note when it could only partly (a destroyed member). */
  heal(ctx: FaultContext, record: FaultRecord): Promise<string | undefined>;
}

/** Erases the option type so faults of every kind sit in one registry. */
export type AnyFault = Fault<Record<string, unknown>>;
export function defineFault<O extends Record<string, unknown>>(fault: Fault<O>): AnyFault {
  return fault as unknown as AnyFault;
}
