import { describeError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { Step, StepResult } from './types.js';

/**
 * The one place a run records a step: its result goes into the report and the same moment out as
 * the event the UI and the progress lines show. A scenario step keeps its index in the file; the
 * run's own phases (starting the cluster, the final heal, judging) are recorded after them, named
 * for what they did, so a failure there is never shown as some other step.
 */
export class StepLog {
  readonly steps: StepResult[] = [];

  constructor(
    private readonly events: EventBus,
    private readonly scenario: string,
  ) {}

  /** Carries out one scenario step (or the run's own phase), recording it as passed with its message or failed with its error. */
  async run(name: string, kind: Step['kind'], action: () => Promise<string>): Promise<boolean> {
    const index = this.steps.length;
    const startedAt = Date.now();
    this.events.emit({ type: 'step.started', scenario: this.scenario, index, name });
    const commands: StepResult['commands'] = [];
    const stopRecording = this.events.subscribe((e) => {
      if (e.type === 'command.ran') commands.push({ command: e.command, exitCode: e.exitCode, output: e.output, durationMs: e.durationMs });
    });
    try {
      this.finish({ name, kind, state: 'passed', startedAt, message: await action(), commands });
      return true;
    } catch (err) {
      this.finish({ name, kind, state: 'failed', startedAt, message: describeError(err), commands });
      return false;
    } finally {
      stopRecording();
    }
  }

  /** A step that never ran, and why. */
  skip(name: string, kind: Step['kind'], why: string): void {
    // The report's line says it was skipped; the event's readers (the UI, the progress lines) say so themselves.
    this.finish({ name, kind, state: 'skipped', startedAt: Date.now(), message: `skipped: ${why}`, commands: [] }, why);
  }

  /** A phase that failed outside `run` (its error caught by the caller), recorded and told like any step. */
  fail(name: string, kind: Step['kind'], startedAt: number, err: unknown): void {
    this.finish({ name, kind, state: 'failed', startedAt, message: describeError(err), commands: [] });
  }

  private finish(result: Omit<StepResult, 'index' | 'endedAt'>, told = result.message): void {
    const index = this.steps.length;
    this.steps.push({ index, ...result, endedAt: Date.now() });
    this.events.emit({ type: 'step.finished', scenario: this.scenario, index, name: result.name, state: result.state, message: told });
  }
}
