import { describe, expect, it, vi } from 'vitest';
import { EventBus, type Timestamped } from '../../src/events.js';
import type { Scenario } from '../../src/scenarios/types.js';

/**
 * The run's own phases, named for what they did: a failure after the steps (gathering the history)
 * or before them (starting the cluster) is reported and told as that phase, never as another step.
 * The cluster, the faults and the history are stand-ins at their modules: no Docker here.
 */
const phases = vi.hoisted(() => ({ start: async () => ({}) as unknown, gather: async (): Promise<never> => Promise.reject(new Error('member2 did not answer the final read')) }));
vi.mock('../../src/topology/cluster.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  startCluster: () => phases.start(),
}));
vi.mock('../../src/faults/inject.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  faultContext: () => ({}),
  healAll: async () => ({ healed: [], failed: [] }),
}));
vi.mock('../../src/workload/gather-history.js', () => ({ gatherHistory: () => phases.gather() }));

const { runScenario } = await import('../../src/scenarios/engine.js');

const cluster = { name: 'c', members: [], timeouts: { bootMs: 1, leaderElectionMs: 1, pollMs: 1 }, waitForLeader: async () => ({ name: 'member1' }), stop: async () => undefined };
const scenario: Scenario = {
  name: 'phases',
  description: 'a step, then the history',
  file: undefined,
  topology: { topology: 'cluster', members: 3 },
  workload: false,
  steps: [{ kind: 'check', check: 'converged' }],
  checks: [],
  floors: {},
};

async function run(): Promise<{ report: Awaited<ReturnType<typeof runScenario>>; told: Timestamped[] }> {
  const events = new EventBus();
  const told: Timestamped[] = [];
  events.subscribe((e) => told.push(e));
  return { report: await runScenario(scenario, { events, seed: 1 }), told };
}

describe('a run whose own phase fails', () => {
  it('after the steps: the history could not be gathered — reported and told as that phase', async () => {
    phases.start = async () => cluster;
    const { report, told } = await run();
    expect(report.passed).toBe(false);
    const last = report.steps.at(-1)!;
    expect(last).toMatchObject({ name: 'gather the history and judge it', state: 'failed', message: 'member2 did not answer the final read' });
    expect(report.steps.filter((s) => s.name === 'start the cluster and the API servers')).toEqual([]);
    expect(told).toContainEqual(expect.objectContaining({ type: 'step.finished', index: last.index, name: 'gather the history and judge it', state: 'failed' }));
  });

  it('before the steps: the cluster did not start — the steps keep their places, skipped, and the phase follows', async () => {
    phases.start = async () => Promise.reject(new Error('port 2379 is taken'));
    const { report, told } = await run();
    expect(report.steps.map((s) => [s.index, s.name, s.state])).toEqual([
      [0, 'check converged', 'skipped'],
      [1, 'start the cluster and the API servers', 'failed'],
    ]);
    expect(report.steps[1]!.message).toBe('port 2379 is taken');
    expect(told).toContainEqual(expect.objectContaining({ type: 'step.finished', index: 1, name: 'start the cluster and the API servers', state: 'failed', message: 'port 2379 is taken' }));
  });
});
