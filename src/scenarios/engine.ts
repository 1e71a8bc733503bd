import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { judge, judgeRestore, WORKLOAD_CHECKS, type Verdict } from '../checks/index.js';
import { gatherHistory } from '../workload/gather-history.js';
import { ConditionViolatedError, describeError } from '../errors.js';
import { EventBus, type Timestamped } from '../events.js';
import { log } from '../log.js';
import type { FaultContext } from '../faults/fault.js';
import { faultContext, HealFailedError, healAll, healFault, injectFault } from '../faults/inject.js';
import { emptyHistory, isWrite, type History } from '../workload/history.js';
import { ClusterMonitor } from '../workload/monitor.js';
import { Workload } from '../workload/workload.js';
import { LISTED_PREFIXES, preloadState } from '../workload/preload.js';
import { scrapeCounters, signalsSince, type MemberCounters, type MemberSignals } from '../workload/operator-signals.js';
import { randomSeed } from '../random.js';
import { startCluster, type Cluster } from '../topology/cluster.js';
import { waitFor } from '../wait.js';
import { CONDITIONS, JUDGED_ON_FIRST_ANSWER, lookupCondition, type Condition, type ConditionContext } from './conditions.js';
import { lookupRunbook, RUNBOOKS } from './runbooks/registry.js';
import { carryOut, provingChecks, type AnyRunbook, type RunbookContext } from './runbooks/runbook.js';
import { StepLog } from './step-log.js';
import type { Report, Scenario, Step } from './types.js';

export interface RunOptions {
  seed?: number;
  /** Progress for a face (CLI lines, the terminal UI); the report's timeline records everything anyway. */
  events?: EventBus;
  /** Tests swap in doctored runbooks here; the CLI always uses the real ones. */
  runbooks?: ReadonlyMap<string, AnyRunbook>;
  /** Tests swap in doctored conditions here (a write recorder that lies); the CLI always uses the real ones. */
  conditions?: ReadonlyMap<string, Condition>;
  /** Sample every member once a second (`members.sampled`) for a dashboard. */
  monitor?: boolean;
}

/** What running a step needs; the property drills build one for a cluster they keep between runs. */
export interface RunState {
  scenario: Scenario;
  cluster: Cluster;
  faults: FaultContext;
  runbook: RunbookContext;
  labels: Map<string, string>;
  leaderBeforeLastFault: string | undefined;
  runbooks: ReadonlyMap<string, AnyRunbook>;
  conditions: ReadonlyMap<string, Condition>;
  /** What the runbooks measured (snapshot size and keys, keys restored, database size…), later ones overwriting earlier: the report's figures. */
  metrics: Record<string, number | string>;
  /** Each member's etcd counters as the run began: what the operator's signals are measured from. */
  signalsBaseline?: Map<string, MemberCounters>;
}

export function describeStep(step: Step): string {
  if (step.name) return step.name;
  switch (step.kind) {
    case 'fault':
      return `fault ${step.fault}${step.target ? ` on ${step.target}` : ''}`;
    case 'heal':
      return `heal ${step.heal}`;
    case 'runbook':
      return `runbook ${step.runbook}`;
    case 'wait-for':
      return `wait for ${step.condition}`;
    case 'expect':
      return `expect ${step.condition}`;
    case 'check':
      return `check ${step.check}`;
  }
}

/**
 * The checks a run judges: the scenario's own, with a workload always the workload's, and those
 * that prove each runbook it carries out (a green run has looked at what it did).
 */
export function checksOf(scenario: Scenario, runbooks: ReadonlyMap<string, AnyRunbook> = RUNBOOKS): string[] {
  const provers = scenario.steps.flatMap((s) => {
    const runbook = s.kind === 'runbook' ? runbooks.get(s.runbook) : undefined;
    return runbook && s.kind === 'runbook' ? provingChecks(runbook, s.options) : [];
  });
  return [...new Set([...(scenario.workload ? WORKLOAD_CHECKS : []), ...scenario.checks, ...provers])];
}

/** The history as it stands now, with what the run's runbooks left (restores, backups on disk). */
export function historyOf(state: RunState): Promise<History> {
  const { workload, restores, artifacts } = state.runbook;
  return gatherHistory(state.cluster, workload, { restores, backups: artifacts.filter((a) => a.kind === 'encrypted-backup') });
}

/** A valid cluster name for a scenario run: unique, at most 31 characters. */
function clusterNameFor(scenario: Scenario): string {
  return `s-${scenario.name.slice(0, 20).replace(/-+$/, '')}-${randomBytes(2).toString('hex')}`;
}

async function pollCondition(state: RunState, step: Extract<Step, { kind: 'wait-for' | 'expect' }>, since: number): Promise<string> {
  const condition = lookupCondition(step.condition, state.conditions);
  const ctx: ConditionContext = { cluster: state.cluster, workload: state.runbook.workload, since, leaderBeforeLastFault: state.leaderBeforeLastFault, signalsBaseline: state.signalsBaseline };
  if (step.kind === 'expect' && JUDGED_ON_FIRST_ANSWER.has(step.condition)) {
    // `expect` means now: a stale read retried until it looks fresh would hide the very bug.
    const answer = await condition(ctx, step.args).catch((err: unknown) => {
      if (err instanceof ConditionViolatedError) throw new Error(`${step.condition} can never hold: ${err.message}`);
      return describeError(err);
    });
    if (answer !== true) throw new Error(`${step.condition} does not hold: ${answer}`);
    return `${step.condition} held`;
  }
  const timeoutMs = step.timeoutMs ?? 2 * state.cluster.timeouts.leaderElectionMs;
  let reason = 'not checked yet';
  const held = await waitFor(
    async () => {
      const answer = await condition(ctx, step.args).catch((err: unknown) => {
        if (err instanceof ConditionViolatedError) throw err;
        return describeError(err);
      });
      if (answer === true) return true;
      reason = answer;
      return undefined;
    },
    { timeoutMs, intervalMs: state.cluster.timeouts.pollMs, description: step.condition },
  ).catch((err: unknown) => {
    if (err instanceof ConditionViolatedError) throw new Error(`${step.condition} can never hold: ${err.message}`);
    return false;
  });
  if (!held) throw new Error(`${step.condition} did not hold within ${timeoutMs} ms: ${reason}`);
  return `${step.condition} held after ${Date.now() - since} ms`;
}

/** Carries out one step; throws, with a one-line reason, when it fails. */
export async function runStep(state: RunState, step: Step, since: number): Promise<string> {
  switch (step.kind) {
    case 'fault': {
      const record = await injectFault(state.faults, { kind: step.fault, target: step.target, options: step.options });
      state.leaderBeforeLastFault = record.leaderBefore;
      if (step.as) state.labels.set(step.as, record.id);
      return `${record.kind} on ${record.members.join(', ') || 'nobody'}${record.effect ? `: ${record.effect}` : ''}`;
    }
    case 'heal': {
      if (step.heal === 'all') {
        const { healed, failed } = await healAll(state.faults);
        if (failed.length) throw new HealFailedError(failed, 'the cluster is left as the faults made it; see each error');
        return `healed ${healed.map((r) => r.kind).join(', ') || 'nothing (no fault in force)'}`;
      }
      const id = state.labels.get(step.heal);
      if (!id) throw new Error(`no fault labelled '${step.heal}' was injected`);
      const record = await healFault(state.faults, id);
      return `healed ${record.kind} on ${record.members.join(', ')}`;
    }
    case 'runbook':
    {
      const outcome = await carryOut(state.runbook, lookupRunbook(step.runbook, state.runbooks), step.options);
      Object.assign(state.metrics, outcome.metrics);
      return outcome.summary;
    }
    case 'wait-for':
    case 'expect':
      return pollCondition(state, step, since);
    case 'check': {
      const verdict = judge(step.check, await historyOf(state), state.scenario.floors);
      if (!verdict.ok) throw new Error(`${step.check}: ${verdict.message}`);
      return verdict.message;
    }
  }
}

/** Recovery figures: for each restore, RTO from the fault before it to the first acknowledged write after it; RPO in writes. */
function recoveryMetrics(history: History): Record<string, number | string> {
  const restore = history.restores[history.restores.length - 1];
  if (!restore) return {};
  const fault = [...history.faults].filter((f) => f.injectedAt <= restore.startedAt).sort((a, b) => b.injectedAt - a.injectedAt)[0];
  const firstWrite = history.operations.find((o) => isWrite(o) && o.ok && o.start >= restore.endedAt);
  const { lostWrites } = judgeRestore(history, restore);
  return {
    rpoWrites: lostWrites,
    snapshotRevision: restore.snapshotRevision,
    ...(fault && firstWrite ? { rtoMs: firstWrite.end - fault.injectedAt } : {}),
  };
}

/**
 * Runs a scenario on a cluster of its own: start it and the API servers, carry out each step in
 * order (the first failure skips the rest), heal, run the checks, and remove everything — on
 * failure too. Returns the report; `passed` only when every step and check passed.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<Report> {
  const seed = options.seed ?? randomSeed();
  const events = options.events ?? new EventBus();
  const timeline: Timestamped[] = [];
  const unsubscribe = events.subscribe((e) => timeline.push(e));
  const clusterName = clusterNameFor(scenario);
  const startedAt = Date.now();
  const stepLog = new StepLog(events, scenario.name);
  const checks: Verdict[] = [];
  let metrics: Record<string, number | string> = {};
  let workload: Workload | undefined;
  let history: History = emptyHistory();
  let signals: MemberSignals[] = [];
  let cluster: Cluster | undefined;
  let monitor: ClusterMonitor | undefined;
  /** The run's own phase under way, named in the report if it fails; none while the scenario's steps run (each records itself). */
  let phase: { name: string; kind: Step['kind']; startedAt: number } | undefined = { name: 'start the cluster and the API servers', kind: 'runbook', startedAt };
  const workdir = await mkdtemp(join(tmpdir(), 'etcd-drill-run-'));
  try {
    cluster = await startCluster({ ...scenario.topology, name: clusterName }, { events });
    if (options.monitor) {
      monitor = new ClusterMonitor(cluster);
      monitor.start();
    }
    const faults = faultContext(cluster, { seed });
    // The control plane's keyspace goes in before the API servers start, as it would have been there.
    const loaded = scenario.state ? await preloadState(cluster, scenario.state, seed) : undefined;
    workload = scenario.workload ? new Workload(cluster, { ratePerSecond: scenario.workload.ratePerSecond, keys: scenario.workload.keys, seed, ...(loaded ? { listPrefixes: LISTED_PREFIXES } : {}) }) : undefined;
    await workload?.start();
    const signalsBaseline = await scrapeCounters(cluster);
    const state: RunState = {
      scenario,
      cluster,
      faults,
      runbook: { cluster, events, faults, workdir, workload, artifacts: [], restores: [], baseDir: scenario.file === undefined ? undefined : dirname(resolve(scenario.file)) },
      labels: new Map(),
      leaderBeforeLastFault: undefined,
      runbooks: options.runbooks ?? RUNBOOKS,
      conditions: options.conditions ?? CONDITIONS,
      metrics: loaded ? { statePreset: loaded.preset, stateKeys: loaded.keys, stateValueBytes: loaded.valueBytes, stateLoadMs: loaded.durationMs } : {},
      signalsBaseline,
    };
    phase = undefined;
    let failed = false;
    for (const step of scenario.steps) {
      const since = Date.now();
      if (failed) stepLog.skip(describeStep(step), step.kind, 'an earlier step failed');
      else failed = !(await stepLog.run(describeStep(step), step.kind, () => runStep(state, step, since)));
    }
    // Checks judge a healed cluster: "after heal, members converge". A heal that fails fails the run.
    phase = { name: 'heal every fault before the checks', kind: 'heal', startedAt: Date.now() };
    const { healed, failed: unhealed } = await healAll(faults);
    if (unhealed.length > 0) stepLog.fail(phase.name, phase.kind, phase.startedAt, new HealFailedError(unhealed, 'the checks judged the cluster as the faults left it'));
    else if (healed.length > 0) log.debug(`healed before the checks: ${healed.map((r) => `${r.kind} ${r.id}`).join(', ')}`);
    phase = { name: 'gather the history and judge it', kind: 'check', startedAt: Date.now() };
    await cluster.waitForLeader(cluster.timeouts.bootMs).catch(() => undefined);
    // The API servers stop before the checks' own reads, so the final read follows every operation.
    await workload?.stop();
    history = await historyOf(state);
    signals = await signalsSince(cluster, signalsBaseline);
    for (const check of checksOf(scenario, state.runbooks)) {
      const verdict = judge(check, history, scenario.floors);
      checks.push(verdict);
      events.emit({ type: 'check.verdict', scenario: scenario.name, check, ok: verdict.ok, message: verdict.message });
    }
    metrics = { ...state.metrics, ...recoveryMetrics(history) };
  } catch (err) {
    if (phase) {
      // Steps that never ran keep their place (and their index) ahead of the phase that stopped the run.
      if (stepLog.steps.length === 0) for (const step of scenario.steps) stepLog.skip(describeStep(step), step.kind, 'the cluster and the API servers did not start');
      stepLog.fail(phase.name, phase.kind, phase.startedAt, err);
    } else throw err;
  } finally {
    await monitor?.stop().catch(() => undefined);
    await workload?.stop().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await rm(workdir, { recursive: true, force: true }).catch(() => undefined);
  }
  const steps = stepLog.steps;
  const passed = steps.every((s) => s.state === 'passed') && checks.every((c) => c.ok);
  const endedAt = Date.now();
  try {
    events.emit({
      type: 'scenario.finished',
      scenario: scenario.name,
      passed,
      durationMs: endedAt - startedAt,
      rtoMs: typeof metrics.rtoMs === 'number' ? metrics.rtoMs : undefined,
      rpoWrites: typeof metrics.rpoWrites === 'number' ? metrics.rpoWrites : undefined,
    });
  } finally {
    unsubscribe();
  }
  return {
    scenario: scenario.name,
    description: scenario.description,
    file: scenario.file,
    seed,
    cluster: clusterName,
    startedAt,
    endedAt,
    passed,
    steps,
    checks,
    metrics,
    signals,
    floors: scenario.floors,
    history: workload && history.operations.length === 0 ? { ...history, ...workload.history } : history,
    timeline,
  };
}
