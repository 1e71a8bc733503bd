import { describe, expect, it } from 'vitest';
import { catalog } from '../../src/scenarios/catalog.js';
import { writeScenario } from '../../src/scenarios/fuzz/scenario-writer.js';
import { parseScenario } from '../../src/scenarios/scenario-file.js';
import type { Scenario, Step } from '../../src/scenarios/types.js';

const steps: Step[] = [
  { kind: 'expect', condition: 'put', args: { key: '/fuzz/k0', value: '1' } },
  { kind: 'wait-for', condition: 'leader', args: {} },
  { kind: 'fault', fault: 'kill', target: 'leader', options: {}, as: 'fault-1' },
  { kind: 'fault', fault: 'isolate', target: 'follower', options: { scope: 'both' }, as: 'fault-2' },
  { kind: 'expect', condition: 'put', args: { key: '/fuzz/k1', value: '2', outcome: 'refused' } },
  { kind: 'heal', heal: 'all' },
  { kind: 'wait-for', condition: 'members-healthy', args: { count: 3 }, timeoutMs: 12_000 },
  { kind: 'check', check: 'converged' },
  { kind: 'runbook', runbook: 'snapshot', options: {} },
  { kind: 'runbook', runbook: 'restore', options: { from: 'snapshot' }, name: 'restore from the snapshot' },
  { kind: 'expect', condition: 'key-holds', args: { key: '/fuzz/k1', values: [null, '2'] } },
];

const scenario: Omit<Scenario, 'file'> = {
  name: 'fuzz-durability-42',
  description: 'Shrunk failure of the property durability (seed 42): it failed',
  topology: { topology: 'cluster', members: 3 },
  workload: false,
  steps,
  checks: [],
  floors: {},
};

const failure = { property: 'durability', seed: 42, path: '3:1:0', commands: 'put(k0),kill(leader)', error: 'put failed\nmore', replayable: true };

describe('the scenario writer', () => {
  it('writes a file parseScenario reads back to the same steps', () => {
    const text = writeScenario(scenario, failure);
    const parsed = parseScenario(text, 'fuzz.yaml', catalog());
    expect(parsed.steps.map(({ line: _line, ...step }) => step)).toEqual(steps);
    expect(parsed.workload).toBe(false);
    expect(parsed.topology).toEqual({ topology: 'cluster', members: 3 });
    expect(parsed.name).toBe('fuzz-durability-42');
  });

  it('says in comments how to replay the search and the file', () => {
    const text = writeScenario(scenario, failure);
    expect(text).toMatch(/^# .*property 'durability'/);
    expect(text).toContain('etcd-drill fuzz --property durability --seed 42');
    expect(text).toContain('path 3:1:0');
    expect(text).toContain('# Failed with: put failed\n');
    expect(text).not.toContain('may pass');
  });

  it('says when the failure came from a check no scenario step expresses', () => {
    expect(writeScenario(scenario, { ...failure, replayable: false })).toMatch(/^# Note: .*may pass\.$/m);
  });

  it('the new conditions are validated like any other name', () => {
    const text = 'name: x\ndescription: y\nsteps:\n  - expect: { condition: putt, key: /a, value: "1" }\n';
    expect(() => parseScenario(text, 'x.yaml', catalog())).toThrow(/unknown condition 'putt'; did you mean 'put'\?/);
  });
});
