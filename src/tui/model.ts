import { progressLine } from '../event-lines.js';
import type { DrillEvent, MemberSample, Timestamped } from '../events.js';

/** What the dashboard draws, folded from the event stream by `reduce`; nothing here talks to Docker or etcd. */
export interface DashboardView {
  cluster: string | undefined;
  /** The monitor's latest sample, in its order. */
  members: MemberSample[];
  /** Oldest first, the last few minutes only. */
  workload: WorkloadPoint[];
  /** Oldest first. */
  leaderChanges: LeaderChange[];
  /** Oldest first; older lines have already been printed above the live area. */
  log: LogLine[];
  /** The `seq` the next log line gets. */
  nextSeq: number;
  faults: FaultInForce[];
  action: RunningAction | undefined;
  lastResult: ActionResult | undefined;
  scenario: ScenarioProgress | undefined;
  checks: CheckVerdict[];
  recovery: RecoveryMetrics | undefined;
}

export interface WorkloadPoint {
  at: number;
  availability: number | undefined;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

export interface LeaderChange {
  at: number;
  from: string | undefined;
  to: string | undefined;
  term: number | undefined;
  electionMs: number | undefined;
}

export type LogLevel = 'info' | 'ok' | 'warn' | 'error';

export interface LogLine {
  /** Grows by one per line and never repeats, so a face can tell which lines it has printed. */
  seq: number;
  at: number;
  text: string;
  level: LogLevel;
  /** Lines shown indented under the text: a command's output. */
  detail: string[];
}

export interface FaultInForce {
  id: string;
  kind: string;
  members: string[];
}

export interface RunningAction {
  id: string;
  label: string;
  startedAt: number;
}

export interface ActionResult {
  label: string;
  ok: boolean;
  message: string;
  durationMs: number;
}

export type StepState = 'pending' | 'running' | 'passed' | 'failed' | 'skipped';

export interface StepProgress {
  name: string;
  state: StepState;
  /** The step's own words when it finished: why it failed, or what it found. */
  message: string | undefined;
  startedAt: number | undefined;
  endedAt: number | undefined;
}

export interface ScenarioProgress {
  name: string;
  steps: StepProgress[];
  /** When the view saw the run's first event: the cluster's boot counts towards the run. */
  startedAt: number | undefined;
  outcome: { passed: boolean; durationMs: number } | undefined;
}

export interface CheckVerdict {
  check: string;
  ok: boolean;
  message: string;
}

export interface RecoveryMetrics {
  rtoMs?: number;
  rpoWrites?: number;
}

const workloadWindowMs = 5 * 60_000;
// Samples come once a second; the cap only guards against a faster sampler.
const maxWorkloadPoints = 600;
const maxLeaderChanges = 20;
const maxLogLines = 200;
const commandOutputLines = 4;

export function initialView(options: { cluster?: string; scenario?: { name: string; steps: string[] } }): DashboardView {
  return {
    cluster: options.cluster,
    members: [],
    workload: [],
    leaderChanges: [],
    log: [],
    nextSeq: 1,
    faults: [],
    action: undefined,
    lastResult: undefined,
    scenario: options.scenario && {
      name: options.scenario.name,
      steps: options.scenario.steps.map((name) => ({ name, state: 'pending', message: undefined, startedAt: undefined, endedAt: undefined })),
      startedAt: undefined,
      outcome: undefined,
    },
    checks: [],
    recovery: undefined,
  };
}

/** Merges RTO and RPO figures into what the view already knows. */
export function withRecovery(view: DashboardView, metrics: RecoveryMetrics): DashboardView {
  return { ...view, recovery: { ...view.recovery, ...metrics } };
}

export function reduce(view: DashboardView, event: Timestamped): DashboardView {
  const next = logged(tracked(view, event), event);
  if (next.scenario && next.scenario.startedAt === undefined) return { ...next, scenario: { ...next.scenario, startedAt: event.at } };
  return next;
}

function tracked(view: DashboardView, event: Timestamped): DashboardView {
  const cluster = view.cluster ?? ('cluster' in event ? event.cluster : undefined);
  const base = cluster === view.cluster ? view : { ...view, cluster };
  switch (event.type) {
    case 'members.sampled':
      return { ...base, members: event.members };
    case 'workload.sampled': {
      const { availability, p50Ms, p99Ms } = event.sample;
      const recent = base.workload.filter((p) => p.at > event.at - workloadWindowMs);
      return { ...base, workload: [...recent, { at: event.at, availability, p50Ms, p99Ms }].slice(-maxWorkloadPoints) };
    }
    case 'leader.changed': {
      const change = { at: event.at, from: event.from, to: event.to, term: event.term, electionMs: event.electionMs };
      return { ...base, leaderChanges: [...base.leaderChanges, change].slice(-maxLeaderChanges) };
    }
    case 'fault.injected':
      return { ...base, faults: [...base.faults.filter((f) => f.id !== event.id), { id: event.id, kind: event.kind, members: event.members }] };
    case 'fault.healed':
      return { ...base, faults: base.faults.filter((f) => f.id !== event.id) };
    case 'action.started':
      return { ...base, action: { id: event.action, label: event.label, startedAt: event.at } };
    case 'action.finished': {
      const result = { label: event.label, ok: event.ok, message: event.message, durationMs: event.durationMs };
      // A refused second action finishes without having started: the running one goes on.
      const action = base.action?.id === event.action ? undefined : base.action;
      return { ...base, action, lastResult: result };
    }
    case 'step.started':
      return withStep(base, event.index, event.name, { state: 'running', startedAt: event.at, endedAt: undefined, message: undefined });
    case 'step.finished':
      return withStep(base, event.index, event.name, { state: event.state, endedAt: event.at, message: event.message });
    case 'check.verdict':
      return { ...base, checks: [...base.checks, { check: event.check, ok: event.ok, message: event.message }] };
    case 'scenario.finished': {
      const recovered: RecoveryMetrics = {};
      if (event.rtoMs !== undefined) recovered.rtoMs = event.rtoMs;
      if (event.rpoWrites !== undefined) recovered.rpoWrites = event.rpoWrites;
      const withOutcome = base.scenario ? { ...base, scenario: { ...base.scenario, outcome: { passed: event.passed, durationMs: event.durationMs } } } : base;
      return Object.keys(recovered).length ? withRecovery(withOutcome, recovered) : withOutcome;
    }
    default:
      return base;
  }
}

function withStep(view: DashboardView, index: number, name: string, change: Partial<StepProgress>): DashboardView {
  if (!view.scenario) return view;
  const steps = [...view.scenario.steps];
  // A step the view was not told about still shows, under the name the engine gives it.
  while (steps.length <= index) steps.push({ name, state: 'pending', message: undefined, startedAt: undefined, endedAt: undefined });
  const step = steps[index] as StepProgress;
  steps[index] = { ...step, ...change, startedAt: change.startedAt ?? step.startedAt ?? change.endedAt };
  return { ...view, scenario: { ...view.scenario, steps } };
}

function logged(view: DashboardView, event: Timestamped): DashboardView {
  const text = progressLine(event);
  if (text === undefined) return view;
  const line: LogLine = { seq: view.nextSeq, at: event.at, text, level: levelOf(event), detail: event.type === 'command.ran' ? outputHead(event.output) : [] };
  return { ...view, log: [...view.log, line].slice(-maxLogLines), nextSeq: view.nextSeq + 1 };
}

function outputHead(output: string): string[] {
  const lines = output.trimEnd().split('\n').filter((l) => l.trim() !== '');
  if (lines.length <= commandOutputLines) return lines;
  const hidden = lines.length - commandOutputLines;
  return [...lines.slice(0, commandOutputLines), `… ${hidden} more line${hidden === 1 ? '' : 's'}`];
}

function levelOf(event: DrillEvent): LogLevel {
  switch (event.type) {
    case 'cluster.ready':
    case 'cluster.removed':
    case 'fault.healed':
    case 'write.recovered':
      return 'ok';
    case 'fault.injected':
      return 'warn';
    case 'write.failed':
      return 'error';
    case 'leader.changed':
      return event.to ? 'info' : 'warn';
    case 'command.ran':
      return event.exitCode === 0 ? 'info' : 'warn';
    case 'runbook.finished':
    case 'action.finished':
      return event.ok ? 'ok' : 'error';
    case 'check.verdict':
      return event.ok ? 'ok' : 'error';
    case 'step.finished':
      return event.state === 'passed' ? 'ok' : event.state === 'failed' ? 'error' : 'warn';
    case 'scenario.finished':
      return event.passed ? 'ok' : 'error';
    case 'log.line':
      return event.level === 'warn' || event.level === 'error' ? event.level : 'info';
    default:
      return 'info';
  }
}
