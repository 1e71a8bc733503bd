import type { MemberSignals } from '../workload/operator-signals.js';
import type { Floors, Verdict } from '../checks/verdict.js';
import type { Timestamped } from '../events.js';
import type { History } from '../workload/history.js';
import type { ClusterSpecInput } from '../topology/spec.js';
import type { StatePresetName } from '../workload/preload.js';

/** A scenario file, parsed and validated: what to start, what load to run, what to do, what to judge. */
export interface Scenario {
  name: string;
  description: string;
  /** The file it came from, for error messages and reports. */
  file: string | undefined;
  /** The cluster, as `startCluster` takes it (its name is chosen by the engine). */
  topology: Omit<ClusterSpecInput, 'name'>;
  /** A control plane's keyspace preloaded before the API servers start (`state: small|medium|large`). */
  state?: StatePresetName | undefined;
  /** The simulated API servers (operations a second, objects they share); `false` runs none. */
  workload: { ratePerSecond: number; keys?: number | undefined } | false;
  steps: Step[];
  /** Checks run after the last step, over the whole run (with a workload, its checks are always run too). */
  checks: string[];
  /** Floors the scenario lowered or raised, by check then floor name; the rest keep their defaults. */
  floors: Floors;
}

interface StepBase {
  /** Shown in the timeline and the reports; defaults to a description of the step. */
  name?: string | undefined;
  /** Line in the scenario file, for reports. */
  line?: number | undefined;
}

export type Step =
  | (StepBase & { kind: 'fault'; fault: string; target?: string | undefined; options: Record<string, unknown>; as?: string | undefined })
  | (StepBase & { kind: 'heal'; heal: string /* 'all' or a fault's `as` label */ })
  | (StepBase & { kind: 'runbook'; runbook: string; options: Record<string, unknown> })
  | (StepBase & { kind: 'wait-for'; condition: string; args: Record<string, unknown>; timeoutMs?: number | undefined })
  | (StepBase & { kind: 'expect'; condition: string; args: Record<string, unknown>; timeoutMs?: number | undefined })
  | (StepBase & { kind: 'check'; check: string });

export type StepState = 'passed' | 'failed' | 'skipped';

export interface StepResult {
  index: number;
  name: string;
  kind: Step['kind'];
  state: StepState;
  startedAt: number;
  endedAt: number;
  /** One line: what happened, or why it failed. */
  message: string;
  /** The operator commands the step ran, as typed, with output and duration. */
  commands: { command: string; exitCode: number; output: string; durationMs: number }[];
}

/** What a run produced: enough for every report format to be a pure function of it. */
export interface Report {
  scenario: string;
  description: string;
  file: string | undefined;
  seed: number;
  cluster: string;
  startedAt: number;
  endedAt: number;
  passed: boolean;
  steps: StepResult[];
  checks: Verdict[];
  /** Recovery figures when a restore ran: RTO ms (fault → first acknowledged write after restore), RPO writes lost. */
  metrics: Record<string, number | string>;
  /** What etcd itself reported per member over the run (its /metrics): the operator’s signals; absent in reports of older versions. */
  signals?: MemberSignals[];
  /** The floors in force where the scenario changed them (each verdict's evidence shows every floor). */
  floors: Floors;
  /** Everything the checks judged: `etcd-drill check` judges it again (docs/HISTORY.md). */
  history: History;
  timeline: Timestamped[];
}
