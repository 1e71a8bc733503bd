import { describe, expect, it } from 'vitest';
import { runStep, type RunState } from '../../src/scenarios/engine.js';
import { CONDITIONS, type Condition } from '../../src/scenarios/conditions.js';
import type { Step } from '../../src/scenarios/types.js';
import type { Cluster } from '../../src/topology/cluster.js';

/** A key-holds whose first read is stale and whose later reads are fresh: what a retry would hide. */
function staleThenFresh(): { condition: Condition; calls: () => number } {
  let calls = 0;
  const condition: Condition = async () => ((calls += 1) === 1 ? '/registry/drill/objects/3 is \'4\', expected \'5\'' : true);
  return { condition, calls: () => calls };
}

function stateWith(condition: Condition): RunState {
  const cluster = { timeouts: { leaderElectionMs: 1000, pollMs: 1 } } as unknown as Cluster;
  return {
    scenario: { name: 't', description: '', file: undefined, topology: {}, workload: false, steps: [], checks: [], floors: {} },
    cluster,
    faults: undefined as never,
    runbook: { cluster, workload: undefined, restores: [], artifacts: [] } as never,
    labels: new Map(),
    leaderBeforeLastFault: undefined,
    runbooks: new Map(),
    conditions: new Map([...CONDITIONS, ['key-holds', condition]]),
    metrics: {},
  };
}

const step = (kind: 'expect' | 'wait-for'): Step => ({ kind, condition: 'key-holds', args: { key: '/registry/drill/objects/3', values: ['5'] } });

describe('expect means now', () => {
  it('judges a data condition on its first answer: a stale read fails the step, naming the key', async () => {
    const { condition, calls } = staleThenFresh();
    await expect(runStep(stateWith(condition), step('expect'), Date.now())).rejects.toThrow(/key-holds does not hold: \/registry\/drill\/objects\/3 is '4'/);
    expect(calls()).toBe(1);
  });

  it('wait-for still polls it until it holds', async () => {
    const { condition, calls } = staleThenFresh();
    await expect(runStep(stateWith(condition), step('wait-for'), Date.now())).resolves.toMatch(/key-holds held/);
    expect(calls()).toBe(2);
  });
});
