import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DrillError, describeError } from '../../errors.js';
import { EventBus } from '../../events.js';
import type { FaultContext } from '../../faults/fault.js';
import { faultContext, healAll } from '../../faults/inject.js';
import { readLedger } from '../../faults/ledger.js';
import { MEMBER_GONE, startCluster, type Cluster } from '../../topology/cluster.js';
import type { ClusterSpecInput } from '../../topology/spec.js';
import { waitFor } from '../../wait.js';
import { CONDITIONS } from '../conditions.js';
import { describeStep, runStep, type RunState } from '../engine.js';
import { RUNBOOKS } from '../runbooks/registry.js';
import type { RestoreRecord } from '../runbooks/runbook.js';
import type { Scenario, Step } from '../types.js';
import { DRILL_KEYS, MAX_COMMANDS, lookupProperty, type DrillProperty } from './commands.js';
import { ClusterModel } from './model.js';
import { writeScenario, type FailureRecord } from './scenario-writer.js';

/**
 * Runs drill properties against one real cluster, kept between runs and reset (heal everything,
 * delete the drill's keys, forget artifacts) rather than re-created, so that a run takes seconds.
 * Only a cluster that cannot be reset cheaply — a member destroyed and never replaced, a heal that
 * failed — is re-created.
 */

export interface DrillOptions {
  events?: EventBus;
}

export interface DrillProgress {
  property: string;
  runs: number;
  steps: number;
  elapsedMs: number;
}

export interface PropertyFailure extends FailureRecord {
  /** The scenario steps of the failing run, the last one the failing one. */
  steps: Step[];
  /** The failing step as the timeline names it. */
  failedStep: string;
  /** The run was under way when the budget ended: found and reported, not shrunk. */
  cutOffByBudget: boolean;
  /**
   * The failing run replayed whole through fast-check's seed and path (the model's own checks
   * included), each time on a freshly created cluster. Information printed with the failure, never
   * a verdict: a failure that does not replay is a timing-dependent bug, and still a failure.
   */
  replays: Replays;
}

export interface Replays {
  ran: number;
  failed: number;
  /** The first line of each failing replay's error, in order. */
  errors: string[];
}

export interface PropertyResult {
  property: string;
  seed: number;
  runs: number;
  steps: number;
  shrinks: number;
  durationMs: number;
  /** The cluster was re-created this many times instead of reset. */
  recreated: number;
  /** How often each command completed (by name: `put`, `kill(leader)`…) in runs that held, shrinking not included: what the property exercised. */
  commands: Record<string, number>;
  failure: PropertyFailure | undefined;
}

export interface CheckOptions {
  seed: number;
  /** Stop starting runs after this long; a run under way finishes. Shrinking counts too. */
  timeLimitMs: number;
  numRuns?: number;
  /** How often a failure is replayed on a fresh cluster before it is reported (default 3). */
  replays?: number;
  onProgress?: (progress: DrillProgress) => void;
}

/** A step failed: the message is the step's own, as the scenario's report would show it. */
export class StepFailedError extends DrillError {
  constructor(
    readonly step: string,
    reason: string,
  ) {
    super(`${step}: ${reason}`);
  }
}

const FUZZ_PREFIX = '/fuzz/';

export class Drill {
  private state: RunState;
  private runSteps: Step[] = [];
  /**
   * Kept across runs: the restore runbook numbers its data-dir volumes by the restores before it,
   * and a reused cluster still has the volumes of earlier runs' restores.
   */
  private readonly restores: RestoreRecord[] = [];
  private faultCount = 0;
  private recreated = 0;
  /** Seeds the fault context of every run as `etcd-drill run --seed` seeds a replay: the same followers are picked first. */
  private faultSeed = 1;
  private workdir: string;

  private constructor(
    private cluster: Cluster,
    private readonly spec: ClusterSpecInput & { name: string },
    private readonly events: EventBus,
    workdir: string,
  ) {
    this.workdir = workdir;
    this.state = this.freshState();
  }

  static async start(spec: ClusterSpecInput & { name: string }, options: DrillOptions = {}): Promise<Drill> {
    const events = options.events ?? new EventBus();
    const cluster = await startCluster(spec, { events });
    return new Drill(cluster, spec, events, await mkdtemp(join(tmpdir(), 'etcd-drill-fuzz-')));
  }

  /** The cluster spec a scenario file needs to replay a run: everything but the name. */
  get topology(): Scenario['topology'] {
    const { name: _name, ...topology } = this.spec;
    return topology;
  }

  /** Heals and cleans the cluster for the next run (re-creating it if it cannot be), and returns the model of it. */
  async reset(): Promise<ClusterModel> {
    const { failed } = await healAll(this.state.faults);
    if (failed.length > 0 || !(await this.healthy())) await this.recreate();
    const client = this.cluster.client();
    try {
      // Right after a heal the cluster may still be electing: wait for the delete to commit, as an operator would retry.
      const { leaderElectionMs, pollMs } = this.cluster.timeouts;
      await waitFor(async () => (await client.delete().prefix(FUZZ_PREFIX).exec(), true), { timeoutMs: leaderElectionMs, intervalMs: pollMs, description: `the drill's keys under ${FUZZ_PREFIX} to be deleted` });
    } finally {
      client.close();
    }
    await rm(this.workdir, { recursive: true, force: true });
    this.workdir = await mkdtemp(join(tmpdir(), 'etcd-drill-fuzz-'));
    this.state = this.freshState();
    this.runSteps = [];
    this.faultCount = 0;
    return ClusterModel.fresh(this.cluster.members.map((m) => m.name), DRILL_KEYS);
  }

  /** Stops the cluster and starts it anew from its spec: nothing of an earlier run is left in it. */
  private async recreate(): Promise<void> {
    await this.cluster.stop();
    this.cluster = await startCluster(this.spec, { events: this.events });
    this.recreated += 1;
    this.restores.length = 0;
    // Faults recorded against the old containers have nothing left to heal.
    this.state = this.freshState();
  }

  /**
   * Replays a failure's run (fast-check's own replay by its seed and path: the same commands, the
   * model's checks included) `times` times, each on a freshly created cluster: how many failed again.
   */
  async replay(failure: PropertyFailure, times: number): Promise<Replays> {
    const property = lookupProperty(failure.property);
    if (!property) throw new DrillError(`unknown property '${failure.property}'`);
    return this.replayRun(property, failure.seed, failure.path, failure.commands, times);
  }

  private async replayRun(property: DrillProperty, seed: number, path: string, commands: string, times: number): Promise<Replays> {
    const errors: string[] = [];
    for (let i = 0; i < times; i += 1) {
      await this.recreate();
      let replayed = false;
      const details = await fc.check(
        fc.asyncProperty(commandsOf(property, replayPathOf(commands)), async (replaying) => {
          // With a path, fast-check goes on to the counterexample's neighbours when it passes: only the first is the replay.
          if (replayed) return;
          replayed = true;
          const model = await this.reset();
          await fc.asyncModelRun(() => ({ model, real: this }), replaying);
        }),
        { seed, path, endOnFailure: true, numRuns: 1 },
      );
      if (details.failed) errors.push(firstLine(describeError(details.errorInstance)));
    }
    await this.reset();
    return { ran: times, failed: errors.length, errors };
  }

  /** Records the step for the scenario file, then carries it out as the engine would. */
  async perform(step: Step): Promise<string> {
    this.runSteps.push(step);
    try {
      return await runStep(this.state, step, Date.now());
    } catch (err) {
      throw new StepFailedError(describeStep(step), describeError(err));
    }
  }

  nextFaultLabel(): string {
    this.faultCount += 1;
    return `fault-${this.faultCount}`;
  }

  /** The members the fault labelled `label` took out, as its ledger record says. */
  async membersHitBy(label: string): Promise<string[]> {
    const id = this.state.labels.get(label);
    const record = (await readLedger(this.cluster)).find((r) => r.id === id);
    if (!record) throw new DrillError(`the fault labelled ${label} is not in the ledger`);
    return record.members;
  }

  /** The revision etcd acknowledged `key = value` at, read back linearizably through the leader (a cut-off member cannot answer). */
  async revisionOf(key: string, value: string): Promise<number> {
    const kv = await waitFor(
      async () => {
        const leader = await this.cluster.leader();
        if (!leader) return undefined;
        const client = this.cluster.client({ hosts: [leader.endpoint], faultHandling: 'none' });
        try {
          return (await client.get(key).exec()).kvs[0] ?? null;
        } finally {
          client.close();
        }
      },
      { timeoutMs: this.cluster.timeouts.leaderElectionMs, intervalMs: this.cluster.timeouts.pollMs, description: `a linearizable read of ${key}` },
    );
    if (kv?.value.toString() !== value) throw new DrillError(`${key} should hold the acknowledged '${value}' but holds ${kv ? `'${kv.value.toString()}'` : 'nothing'}`);
    return Number(kv.mod_revision);
  }

  lastSnapshotRevision(): number {
    const artifact = this.state.runbook.artifacts[this.state.runbook.artifacts.length - 1];
    if (!artifact) throw new DrillError('the snapshot runbook left no artifact');
    return artifact.revision;
  }

  /** The cluster's members must be the model's: a replacement that added or dropped the wrong one shows here. */
  expectMembership(model: ClusterModel): void {
    const real = this.cluster.members.map((m) => m.name).sort();
    const expected = [...model.memberNames].sort();
    if (real.join(',') !== expected.join(',')) throw new DrillError(`the cluster's members are ${real.join(', ')}; the model expects ${expected.join(', ')}`);
  }

  /** Runs one property until it fails (and is shrunk) or `timeLimitMs` ends; a failure is then replayed on fresh clusters. */
  async check(property: DrillProperty, options: CheckOptions): Promise<PropertyResult> {
    const started = Date.now();
    this.faultSeed = options.seed;
    const recreatedBefore = this.recreated;
    let runs = 0;
    let steps = 0;
    const commandCounts: Record<string, number> = {};
    let shrinking = false;
    let lastFailure: (Omit<PropertyFailure, 'property' | 'seed' | 'path' | 'replays' | 'cutOffByBudget'> & { runIndex: number }) | undefined;
    let running: Promise<void> = Promise.resolve();
    const predicate = async (commands: Iterable<fc.AsyncCommand<ClusterModel, Drill>>) => {
      const model = await this.reset();
      const runIndex = runs;
      runs += 1;
      try {
        await fc.asyncModelRun(() => ({ model, real: this }), commands);
        // fast-check's commands print as the ones that ran, in order: in a run that held, each completed.
        if (!shrinking) for (const name of commandNames(String(commands))) commandCounts[name] = (commandCounts[name] ?? 0) + 1;
      } catch (err) {
        const inStep = err instanceof StepFailedError;
        const lastStep = describeStep(this.runSteps[this.runSteps.length - 1] as Step);
        lastFailure = { runIndex, steps: [...this.runSteps], failedStep: inStep ? err.step : `the drill's check after "${lastStep}"`, replayable: inStep, commands: String(commands), error: describeError(err) };
        shrinking = true;
        throw err;
      } finally {
        steps += this.runSteps.length;
        options.onProgress?.({ property: property.name, runs, steps, elapsedMs: Date.now() - started });
      }
    };
    const details = await fc.check(
      fc.asyncProperty(commandsOf(property), (commands) => {
        // The time limit abandons a run under way; its outcome is awaited below, and a failure in it is reported.
        running = predicate(commands);
        return running;
      }),
      { seed: options.seed, numRuns: options.numRuns ?? Number.MAX_SAFE_INTEGER, plugins: [fc.interruptAfterTimeLimit(options.timeLimitMs)] },
    );
    const failedFirst = lastFailure;
    const cutOff = await running.then(
      () => undefined,
      (err: unknown) => err,
    );
    // A shrink candidate abandoned at the time limit may still fail after fast-check has answered: its counterexample is the one reported.
    const found = details.failed ? failedFirst : cutOff === undefined ? undefined : lastFailure;
    if ((details.failed || cutOff !== undefined) && !found) {
      throw new DrillError(`the drill could not run ${property.name}: ${describeError(details.failed ? details.errorInstance : cutOff)}`, { hint: 'the cluster could not be reset; see the error, then run again' });
    }
    let failure: PropertyFailure | undefined;
    if (found) {
      const { runIndex, ...record } = found;
      // A run cut off by the budget was never seen failing by fast-check: its path is its index among the runs.
      const path = details.failed ? (details.counterexamplePath ?? String(runIndex)) : String(runIndex);
      failure = { ...record, property: property.name, seed: options.seed, path, cutOffByBudget: !details.failed, replays: await this.replayRun(property, options.seed, path, record.commands, options.replays ?? 3) };
    }
    return {
      property: property.name,
      seed: options.seed,
      // fast-check's count: runs that finished before the failure or the time limit, shrinking not included.
      runs: details.numRuns + (failure?.cutOffByBudget ? 1 : 0),
      steps,
      shrinks: details.numShrinks,
      durationMs: Date.now() - started,
      recreated: this.recreated - recreatedBefore,
      commands: commandCounts,
      failure,
    };
  }

  /** The shrunk failure as a scenario file's text. */
  scenarioFor(failure: PropertyFailure): string {
    const scenario: Omit<Scenario, 'file'> = {
      name: `fuzz-${failure.property}-${failure.seed}`,
      description: `Shrunk failure of the property ${failure.property} (seed ${failure.seed}): ${failure.error.split('\n')[0]}`.replace(/\s+/g, ' '),
      topology: this.topology,
      workload: false,
      steps: failure.steps,
      checks: [],
      floors: {},
    };
    return writeScenario(scenario, failure);
  }

  async stop(): Promise<void> {
    await this.cluster.stop();
    await rm(this.workdir, { recursive: true, force: true });
  }

  private async healthy(): Promise<boolean> {
    const wanted = this.cluster.spec.members;
    return waitFor(
      async () => {
        const statuses = await this.cluster.status();
        // A destroyed member no replacement took out never comes back: no use waiting for it.
        if (statuses.some((s) => s.error === MEMBER_GONE)) return false;
        return statuses.length === wanted && statuses.every((s) => s.healthy) ? true : undefined;
      },
      { timeoutMs: this.cluster.timeouts.leaderElectionMs, intervalMs: this.cluster.timeouts.pollMs, description: 'every member to be healthy again' },
    ).catch(() => false);
  }

  private freshState(): RunState {
    const faults: FaultContext = faultContext(this.cluster, { seed: this.faultSeed });
    return {
      scenario: { name: 'fuzz', description: 'property drill', file: undefined, topology: this.topology, workload: false, steps: [], checks: [], floors: {} },
      cluster: this.cluster,
      faults,
      runbook: { cluster: this.cluster, events: this.events, faults, workdir: this.workdir, workload: undefined, artifacts: [], restores: this.restores },
      labels: new Map(),
      leaderBeforeLastFault: undefined,
      runbooks: RUNBOOKS,
      conditions: CONDITIONS,
      metrics: {},
    };
  }
}

/**
 * The command sequences a property draws from, as fast-check generates them for a seed. A shrunk
 * sequence depends on which commands ran on the way, which a replay by seed and path does not
 * repeat: fast-check prints that as the sequence's `replayPath`, which the replay hands back.
 */
function commandsOf(property: DrillProperty, replayPath?: string): fc.Arbitrary<Iterable<fc.AsyncCommand<ClusterModel, Drill>>> {
  return fc.commands([fc.oneof(...property.commands)], { maxCommands: property.maxCommands ?? MAX_COMMANDS, size: 'max', replayPath });
}

/** `put(k0),kill(leader) /*replayPath="CCA"*\/` → `CCA`: fast-check's note of which commands of a printed sequence ran. */
export function replayPathOf(commands: string): string | undefined {
  return /\/\*replayPath="([^"]*)"\*\//.exec(commands)?.[1];
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** `put(k0),fault(kill, leader),heal` → `put`, `fault(kill, leader)`, `heal`: a command's name without the key it chose. */
export function commandNames(ran: string): string[] {
  return ran
    .replace(/\/\*.*?\*\//g, '') // fast-check's replay path, after the last command
    .split(/,(?![^(]*\))/)
    .map((c) => c.trim())
    .filter(Boolean)
    .map((c) => c.replace(/\(k\d+\)$/, ''));
}
