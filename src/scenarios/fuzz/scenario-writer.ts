import { stringify } from 'yaml';
import type { Scenario, Step } from '../types.js';

/**
 * Turns the steps a failing drill ran into a scenario file (the format `parseScenario` reads), so
 * `etcd-drill run <file>` replays the shrunk failure on a cluster of its own.
 */

export interface FailureRecord {
  property: string;
  seed: number;
  /** fast-check's replay path of the shrunk counterexample. */
  path: string;
  /** The shrunk command sequence as fast-check prints it. */
  commands: string;
  /** Why the run failed. */
  error: string;
  /** A step failed, so the file fails the same way; false when one of the drill's own checks (no scenario step has its like) caught it. */
  replayable: boolean;
}

/** One step as a scenario file spells it: the inverse of `parseStep`. */
export function stepToYaml(step: Step): Record<string, unknown> {
  const named = step.name ? { name: step.name } : {};
  const options = (o: Record<string, unknown>) => (Object.keys(o).length ? { options: o } : {});
  switch (step.kind) {
    case 'fault':
      return { fault: step.fault, ...(step.target ? { target: step.target } : {}), ...options(step.options), ...(step.as ? { as: step.as } : {}), ...named };
    case 'heal':
      return { heal: step.heal, ...named };
    case 'runbook':
      return { runbook: step.runbook, ...options(step.options), ...named };
    case 'wait-for':
    case 'expect': {
      const condition = Object.keys(step.args).length ? { condition: step.condition, ...step.args } : step.condition;
      return { [step.kind]: condition, ...(step.timeoutMs === undefined ? {} : { timeout: `${step.timeoutMs}ms` }), ...named };
    }
    case 'check':
      return { expect: { check: step.check }, ...named };
  }
}

/** The scenario's YAML text: the failure's seed, path and commands as comments, then the steps. */
export function writeScenario(scenario: Omit<Scenario, 'file'>, failure: FailureRecord): string {
  const header = [
    `# Shrunk by \`etcd-drill fuzz\` from a failing run of the property '${failure.property}'.`,
    `# Replay the search: etcd-drill fuzz --property ${failure.property} --seed ${failure.seed}   (fast-check path ${failure.path})`,
    `# Replay this file:  etcd-drill run <this file>`,
    `# Commands: ${failure.commands}`,
    `# Failed with: ${failure.error.split('\n')[0]}`,
    ...(failure.replayable ? [] : ['# Note: a check of the drill that no scenario step expresses caught this; the file replays the steps up to it, and may pass.']),
  ];
  const body = {
    name: scenario.name,
    description: scenario.description,
    topology: scenario.topology,
    workload: scenario.workload === false ? 'none' : { rate: scenario.workload.ratePerSecond },
    steps: scenario.steps.map(stepToYaml),
    ...(scenario.checks.length ? { checks: scenario.checks } : {}),
  };
  return `${header.join('\n')}\n${stringify(body, { lineWidth: 0 })}`;
}
