import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { catalog as realCatalog, shippedScenarioFiles } from '../../src/scenarios/catalog.js';
import { loadScenario, parseScenario, ScenarioFileError } from '../../src/scenarios/scenario-file.js';
import { STATE_PRESET_NAMES } from '../../src/workload/preload.js';

/**
 * A scenario file is judged whole — names, and every option and argument by the schema its fault,
 * runbook or condition defines — before any cluster starts. Every way of reaching Docker is
 * replaced here by a tripwire: a parse that touched one would show up in `touched`.
 */
const touched = vi.hoisted(() => [] as string[]);

vi.mock('dockerode', () => ({
  default: class {
    constructor() {
      touched.push('dockerode');
      throw new Error('a scenario parse reached Docker');
    }
  },
}));
vi.mock('testcontainers', () => {
  const trip = (name: string) => () => {
    touched.push(`testcontainers ${name}`);
    throw new Error('a scenario parse reached Docker');
  };
  return { GenericContainer: vi.fn(trip('GenericContainer')), getContainerRuntimeClient: vi.fn(trip('getContainerRuntimeClient')) };
});
vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:child_process')>();
  const trip =
    (name: string) =>
    (...args: unknown[]) => {
      touched.push(`${name} ${String(args[0])}`);
      throw new Error('a scenario parse ran a process');
    };
  return { ...real, execFile: trip('execFile'), spawn: trip('spawn'), exec: trip('exec') };
});

const catalog = realCatalog();
const BROKEN = fileURLToPath(new URL('../fixtures/scenarios/broken/', import.meta.url));

afterEach(() => {
  expect(touched).toEqual([]);
});

describe('the tripwires', () => {
  it('catch a Docker client being made', async () => {
    const { DockerRuntime } = await import('../../src/runtime/docker.js');
    expect(() => new DockerRuntime()).toThrow('a scenario parse reached Docker');
    expect(touched).toEqual(['dockerode']);
    touched.length = 0;
  });
});

/** Loads a file that must be refused; returns the error and how long the refusal took. */
async function refusal(file: string): Promise<{ err: ScenarioFileError; ms: number }> {
  const started = performance.now();
  const err: unknown = await loadScenario(file, catalog).then(
    () => undefined,
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  expect(err).toBeInstanceOf(ScenarioFileError);
  return { err: err as ScenarioFileError, ms };
}

/** Each fixture, and every line it must be refused with, in order (`line: field: message`; the file is put in front). */
const REFUSED: [string, string[]][] = [
  ['fault-option-enum.yaml', ["7: steps.0.options.scope: expected peer, client or both (got 'peers'); did you mean 'peer'?"]],
  ['fault-option-unknown.yaml', ["6: steps.0.options.jitterms: unknown option; did you mean 'jitterMs'? latency's options: ms, jitterMs"]],
  ['fault-takes-no-options.yaml', ['6: steps.0.options.graceful: unknown option; kill takes no options']],
  ['fault-option-range.yaml', ['7: steps.0.options.percent: must be at most 100']],
  ['runbook-option-unknown.yaml', ["7: steps.1.options.form: unknown option; did you mean 'from'? restore's options: from, identity"]],
  [
    'runbook-option-type.yaml',
    ['5: steps.0.options.script: required: text', "6: steps.0.options.args: must be a list (got '--fast')", '7: steps.0.options.timeoutMs: must be a whole number (got 1.5)'],
  ],
  ['mapping-negative-timeout.yaml', ['6: steps.1.wait-for.timeout: must be greater than 0 (got -5s)']],
  ['mapping-zero-timeout.yaml', ['7: steps.0.expect.timeout: must be greater than 0 (got 0)']],
  [
    'condition-arg-unknown.yaml',
    ["4: steps.0.wait-for.cuont: unknown argument; did you mean 'count'? members-healthy's arguments: count", '5: steps.1.wait-for.count: unknown argument; leader takes no arguments'],
  ],
  ['condition-arg-missing.yaml', ['5: steps.0.expect.value: required: text', '6: steps.1.expect.values.1: must be text (got 3)']],
  ['state-unknown.yaml', ["3: state: unknown state preset 'meduim'; did you mean 'medium'? known: small, medium, large"]],
  ['step-key-typo.yaml', ["5: steps.0.targte: unknown field for a fault step; did you mean 'target'? allowed: fault, target, options, as, name"]],
  [
    'topology-key-typo.yaml',
    [
      "5: topology.member: unknown field; did you mean 'members'? allowed: topology, members, allowEven, tls, image, basePort, etcd, resources",
      "7: topology.etcd.electionTimeout: unknown field; did you mean 'electionTimeoutMs'? allowed: heartbeatIntervalMs, electionTimeoutMs, quotaBackendBytes, snapshotCount, corruptCheckMs, logLevel",
    ],
  ],
  ['workload-key-typo.yaml', ["3: workload.key: unknown field; did you mean 'keys'? allowed: rate, keys"]],
  [
    'many-problems.yaml',
    [
      "3: state: unknown state preset 'huge'; known: small, medium, large",
      '4: workload.burst: unknown field; allowed: rate, keys',
      "7: steps.0.options.scope: expected peer, client or both (got 'peers'); did you mean 'peer'?",
      '9: steps.1.options.recipient: must be an age recipient (age1…)',
      '10: steps.2.wait-for.count: must be more than 0 (got 0)',
      '10: steps.2.wait-for.timeout: must be greater than 0 (got 0)',
      "11: steps.3.expect.name: expected NOSPACE or CORRUPT (got 'nospace'); did you mean 'NOSPACE'?",
      '12: steps.3.timeout: must be greater than 0 (got -1s)',
      '14: steps.4.after: unknown field for a heal step; allowed: heal, name',
      "15: floors.converged.member: unknown floor; did you mean 'members'? converged's floors: members",
    ],
  ],
];

describe('loadScenario refuses a malformed file whole, in under a second, without Docker', () => {
  it.each(REFUSED)('%s', async (name, lines) => {
    const file = `${BROKEN}${name}`;
    const { err, ms } = await refusal(file);
    // Every problem at once, one `file:line: field: message` line each, top to bottom.
    expect(err.message.split('\n')).toEqual(lines.map((line) => `${file}:${line}`));
    expect(err.problems).toHaveLength(lines.length);
    expect(ms).toBeLessThan(1000);
  });

  it('never passes on a schema library dump', async () => {
    for (const [name] of REFUSED) {
      const { err } = await refusal(`${BROKEN}${name}`);
      for (const problem of err.problems) {
        expect(problem.message).not.toMatch(/\n|"code"|"path"|Invalid input|Invalid option|Unrecognized key|Too (small|big)/);
      }
    }
  });
});

describe('every shipped scenario still parses', async () => {
  const files = await shippedScenarioFiles();

  it('ships scenarios to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files.map((f) => [f.split('/').pop()!, f]))('%s', async (_name, file) => {
    const started = performance.now();
    const scenario = await loadScenario(file, catalog);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(scenario.steps.length).toBeGreaterThan(0);
  });
});

describe('the registries’ schemas', () => {
  const entries = (['faults', 'runbooks', 'conditions'] as const).flatMap((registry) => [...catalog[registry]].map(([name, schema]) => [`${registry}: ${name}`, schema] as const));

  it.each(entries)('%s refuses an unknown key', (_entry, schema) => {
    const result = schema.safeParse({ 'no-such-key': 1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.some((i) => i.code === 'unrecognized_keys' && i.keys.includes('no-such-key'))).toBe(true);
  });
});

describe('what a valid file may now say', () => {
  const steps = (text: string) => parseScenario(`name: x\ndescription: y\nsteps:\n${text}`, 'x.yaml', catalog).steps;

  it('a timeout inside the mapping form is the step’s timeout', () => {
    expect(steps('  - wait-for: { condition: members-healthy, count: 3, timeout: 10s }\n')).toEqual([
      { kind: 'wait-for', condition: 'members-healthy', args: { count: 3 }, timeoutMs: 10_000, line: 4 },
    ]);
  });

  it('refuses a timeout given both in the mapping and on the step, and judges both', () => {
    expect(() => steps('  - expect: { condition: leader, timeout: 5s }\n    timeout: soon\n')).toThrow(
      new ScenarioFileError([
        { file: 'x.yaml', line: 4, field: 'steps.0.expect.timeout', message: 'the step already has a timeout; give it once' },
        { file: 'x.yaml', line: 5, field: 'steps.0.timeout', message: 'must be milliseconds or a duration like 500ms, 30s or 2m' },
      ]),
    );
  });

  it('options and arguments the schemas accept pass through unchanged', () => {
    expect(steps('  - fault: isolate\n    options: { scope: both }\n  - runbook: exec\n    options: { script: ./check.sh }\n  - expect: { condition: key-holds, key: /k, values: [null, "1"] }\n')).toEqual([
      { kind: 'fault', fault: 'isolate', options: { scope: 'both' }, line: 4 },
      { kind: 'runbook', runbook: 'exec', options: { script: './check.sh' }, line: 6 },
      { kind: 'expect', condition: 'key-holds', args: { key: '/k', values: [null, '1'] }, line: 8 },
    ]);
  });

  it.each(STATE_PRESET_NAMES)('state: %s', (state) => {
    expect(parseScenario(`name: x\ndescription: y\nstate: ${state}\nsteps:\n  - expect: leader\n`, 'x.yaml', catalog).state).toBe(state);
  });
});
