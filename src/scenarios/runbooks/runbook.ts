import type { z } from 'zod';
import { InvalidInputError, describeError } from '../../errors.js';
import type { EventBus } from '../../events.js';
import type { FaultContext } from '../../faults/fault.js';
import type { RestoreFacts } from '../../workload/history.js';
import type { Workload } from '../../workload/workload.js';
import type { Cluster } from '../../topology/cluster.js';

/** A snapshot or backup a runbook produced, for later runbooks (restore, verify-backup) to use. */
export interface SnapshotArtifact {
  kind: 'snapshot' | 'encrypted-backup' | 'volume-snapshot';
  /** File on the host: the snapshot, the `.age` backup, or the copied `member/snap/db`. */
  path: string;
  /** The store revision the snapshot holds (from `snapshot status`, or the member's status before the copy). */
  revision: number;
  takenAt: number;
  sizeBytes: number;
  /** `endpoint hashkv` of the source at `revision`, read right after the save: what every restored member must hash to. */
  hashKV?: number;
  /** Keys in the source at `revision` (live keys, not revisions). */
  keys?: number;
  /** encrypted-backup: the age identity file (mode 0600) and its public recipient. */
  identityPath?: string;
  recipient?: string;
}

/** What the restore runbook leaves for the checks (when etcd was being rebuilt, and what it held) and the artifact it used. */
export interface RestoreRecord extends RestoreFacts {
  artifact: SnapshotArtifact;
}

/** Everything a runbook may use. Runbooks act through the cluster's real etcdctl wherever an operator would. */
export interface RunbookContext {
  cluster: Cluster;
  events: EventBus;
  faults: FaultContext;
  /** Where snapshots and backups of this run are kept (mode 0700). */
  workdir: string;
  /** The simulated API servers: restore stops them first and starts them again last. */
  workload: Workload | undefined;
  artifacts: SnapshotArtifact[];
  restores: RestoreRecord[];
  /** Where relative paths in a step's options (a script) are found: the scenario file's folder; the working directory if unset. */
  baseDir?: string | undefined;
}

export interface RunbookOutcome {
  /** One line for the timeline and the reports. */
  summary: string;
  metrics?: Record<string, number | string>;
}

export interface Runbook<O extends Record<string, unknown> = Record<string, unknown>> {
  readonly name: string;
  readonly summary: string;
  readonly options: z.ZodType<O>;
  /** The checks that prove it did its job (given its options): every run that carries it out judges them. */
  readonly checks?: readonly string[] | ((options: O) => readonly string[]);
  run(ctx: RunbookContext, options: O): Promise<RunbookOutcome>;
  /**
   * What can be found wrong with its options before any cluster starts beyond their schema (a file
   * that is not there), with `baseDir` the scenario file's folder: each problem names its option.
   */
  preflight?(options: O, baseDir: string): Promise<{ option: string; problem: string }[]>;
}

export type AnyRunbook = Runbook<Record<string, unknown>>;
export function defineRunbook<O extends Record<string, unknown>>(runbook: Runbook<O>): AnyRunbook {
  return runbook as unknown as AnyRunbook;
}

/** The checks a runbook names for these options (as the scenario gave them), for the engine to judge. */
export function provingChecks(runbook: AnyRunbook, options: unknown): readonly string[] {
  if (typeof runbook.checks !== 'function') return runbook.checks ?? [];
  const parsed = runbook.options.safeParse(options ?? {});
  return parsed.success ? runbook.checks(parsed.data) : [];
}

/** The newest artifact of a kind (or of any kind). */
export function latestArtifact(ctx: RunbookContext, kind?: SnapshotArtifact['kind']): SnapshotArtifact | undefined {
  return [...ctx.artifacts].reverse().find((a) => kind === undefined || a.kind === kind);
}

/**
 * Carries out a runbook with its options validated, announced on the cluster's event stream
 * (`runbook.started`, then `runbook.finished` with its summary or its error): how the engine, the
 * trainer's keys and the property drills all run one.
 */
export async function carryOut(ctx: RunbookContext, runbook: AnyRunbook, options: unknown): Promise<RunbookOutcome> {
  const events = ctx.cluster.eventBus;
  const checked = runbook.options.safeParse(options ?? {});
  if (!checked.success) {
    const problems = checked.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'options'}: ${i.message}`).join('; ');
    throw new InvalidInputError(`runbook ${runbook.name}: ${problems}`, { hint: `\`etcd-drill runbooks\` and docs/reference.md list each runbook's options` });
  }
  const parsed = checked.data;
  events.emit({ type: 'runbook.started', cluster: ctx.cluster.name, runbook: runbook.name });
  const started = Date.now();
  try {
    const outcome = await runbook.run(ctx, parsed);
    events.emit({ type: 'runbook.finished', cluster: ctx.cluster.name, runbook: runbook.name, ok: true, summary: outcome.summary, durationMs: Date.now() - started });
    return outcome;
  } catch (err) {
    events.emit({ type: 'runbook.finished', cluster: ctx.cluster.name, runbook: runbook.name, ok: false, summary: describeError(err), durationMs: Date.now() - started });
    throw err;
  }
}
