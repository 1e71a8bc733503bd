import { fileURLToPath } from 'node:url';
import { DEFAULT_KEYS, DEFAULT_RATE_PER_SECOND } from '../../src/workload/defaults.js';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { catalog as realCatalog } from '../../src/scenarios/catalog.js';
import { type Catalog, formatProblem, loadScenario, parseScenario, ScenarioFileError } from '../../src/scenarios/scenario-file.js';
import type { Scenario } from '../../src/scenarios/types.js';

/** The registries' own names and schemas: what `etcd-drill run` validates against. */
const catalog: Catalog = realCatalog();

const BROKEN = fileURLToPath(new URL('../fixtures/scenarios/broken/', import.meta.url));

/** Loads a file that must be refused and returns the ScenarioFileError. */
async function refused(path: string): Promise<ScenarioFileError> {
  const err: unknown = await loadScenario(path, catalog).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScenarioFileError);
  return err as ScenarioFileError;
}

function parseRefused(text: string): ScenarioFileError {
  try {
    parseScenario(text, 'inline.yaml', catalog);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioFileError);
    return err as ScenarioFileError;
  }
  throw new Error('expected the scenario to be refused');
}

/** File, line, field, and a pattern the message must match. */
const brokenFiles: [string, number, string, RegExp][] = [
  ['bad-indentation.yaml', 5, '(yaml)', /without - indicator/],
  ['unknown-fault-typo.yaml', 4, 'steps.0.fault', /^unknown fault 'kil'; did you mean 'kill'\? known: kill, stop, pause, .*quorum-loss$/],
  ['member-without-name.yaml', 5, 'steps.0.target', /'member:' needs a member's name/],
  ['negative-timeout.yaml', 7, 'steps.1.timeout', /must be greater than 0 \(got -5s\)/],
  ['zero-timeout.yaml', 5, 'steps.0.timeout', /must be greater than 0 \(got 0\)/],
  ['unknown-runbook.yaml', 4, 'steps.0.runbook', /^unknown runbook 'defragment-everything'; known: replace-member, snapshot, .*exec$/],
  ['unknown-condition.yaml', 5, 'steps.1.wait-for.condition', /^unknown condition 'members-happy'; known: client-refused, leader, new-leader, .*quorum-leader$/],
  ['heal-unknown-label.yaml', 7, 'steps.1.heal', /no earlier fault has `as: lost-follower`.*known: all, lost-leader$/],
  ['two-kinds.yaml', 5, 'steps.1', /has fault and expect; split it into 2 steps/],
  ['missing-steps.yaml', 1, 'steps', /^required: a list of at least one step$/],
  ['even-members.yaml', 3, 'topology.members', /4 members: even sizes add no fault tolerance over 3/],
  ['unknown-top-level-key.yaml', 5, 'chekcs', /^unknown field; did you mean 'checks'\? allowed: name, description/],
  ['rate-zero.yaml', 3, 'workload.rate', /from 1 to 500 \(got 0\)/],
  ['keys-zero.yaml', 3, 'workload.keys', /whole number of objects from 1 to 1000 \(got 0\)/],
  ['floor-unknown.yaml', 5, 'floors.no-stale-reads.writes', /^unknown floor; no-stale-reads's floors: reads$/],
  ['name-with-capitals.yaml', 1, 'name', /a-z, 0-9 and "-"/],
  ['bad-target.yaml', 5, 'steps.0.target', /must be leader, follower, member:NAME, minority, majority or all; got "boss"/],
  ['duplicate-label.yaml', 9, 'steps.1.as', /label 'first' is already used/],
  ['topology-name.yaml', 5, 'topology.name', /the engine names the cluster/],
  ['unknown-check.yaml', 4, 'steps.0.expect.check', /^unknown check 'convergd'; did you mean 'converged'\?/],
];

describe('loadScenario refuses broken files with exactly one problem each', () => {
  it.each(brokenFiles)('%s → line %i, %s', async (name, line, field, message) => {
    const err = await refused(`${BROKEN}${name}`);
    expect(err.problems).toHaveLength(1);
    const [problem] = err.problems;
    expect(problem).toMatchObject({ file: `${BROKEN}${name}`, line, field });
    expect(problem!.message).toMatch(message);
    expect(err.message).toBe(formatProblem(problem!));
    expect(err.message.startsWith(`${BROKEN}${name}:${line}: ${field}: `)).toBe(true);
  });
});

describe('scenario file problems', () => {
  it('reports every problem in a file at once, top to bottom', async () => {
    const file = `${BROKEN}three-problems.yaml`;
    const err = await refused(file);
    expect(err.problems.map((p) => `${p.line} ${p.field}`)).toEqual(['3 topology.members', '5 steps.0.fault', '7 steps.1.timeout']);
    expect(err.problems[1]!.message).toMatch(/did you mean 'partition'\?/);
    expect(err.message.split('\n')).toHaveLength(3);
    expect(err.message.split('\n')[2]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7: steps\\.1\\.timeout: must be milliseconds or a duration`));
  });

  it('is an InvalidInputError with a hint', async () => {
    const err = await refused(`${BROKEN}rate-zero.yaml`);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.exitCode).toBe(2);
    expect(err.hint).toBe('fix the scenario file (`etcd-drill list` shows the shipped ones)');
  });

  it('reports a file it cannot read on line 1', async () => {
    const err = await refused(`${BROKEN}no-such-file.yaml`);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ line: 1, field: '(file)' });
    expect(err.problems[0]!.message).toMatch(/^cannot read: .*ENOENT/);
  });

  it('refuses a document that is not a mapping', () => {
    const err = parseRefused('- just\n- a list\n');
    expect(err.problems).toEqual([{ file: 'inline.yaml', line: 1, field: '(document)', message: expect.stringMatching(/must be a mapping/) }]);
    expect(parseRefused('').problems[0]!.field).toBe('(document)');
  });

  it('refuses a step with no kind and suggests the misspelt one', () => {
    const err = parseRefused('name: x\ndescription: y\nsteps:\n  - fualt: kill\n');
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ line: 4, field: 'steps.0' });
    expect(err.problems[0]!.message).toMatch(/needs one of fault, heal, runbook, wait-for, expect; found fualt \(did you mean 'fault'\?\)/);
  });

  it('refuses a heal of a label that only a later fault gives', () => {
    const err = parseRefused('name: x\ndescription: y\nsteps:\n  - heal: later\n  - fault: kill\n    as: later\n');
    expect(err.problems.map((p) => p.field)).toEqual(['steps.0.heal']);
  });

  it('refuses keys a step kind does not take, and a timeout on a check', () => {
    const err = parseRefused('name: x\ndescription: y\nsteps:\n  - heal: all\n    target: leader\n  - expect: { check: converged }\n    timeout: 5s\n');
    expect(err.problems.map((p) => `${p.line} ${p.field}`)).toEqual(['5 steps.0.target', '7 steps.1.timeout']);
  });

  it('maps unknown topology fields to their line', () => {
    const err = parseRefused('name: x\ndescription: y\ntopology:\n  topology: cluster\n  memebrs: 3\nsteps:\n  - expect: leader\n');
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({
      line: 5,
      field: 'topology.memebrs',
      message: "unknown field; did you mean 'members'? allowed: topology, members, allowEven, tls, image, basePort, etcd, resources",
    });
  });
});

const FULL = `# The example from the format's documentation.
name: quorum-loss-and-restore
description: Majority lost for good; restore from the last encrypted backup
topology: { topology: cluster, members: 5 }
state: medium
workload: { rate: 20 }
steps:
  - runbook: encrypted-backup
    options: { member: etcd-2 }
  - fault: quorum-loss
    target: majority
    options: { mode: kill }
    as: lost-majority
  - wait-for: leader
    timeout: 30s
  - wait-for: { condition: members-healthy, count: 5 }
    timeout: 500
  - expect: writes-fail
    timeout: 2m
  - expect: { check: converged }
  - heal: lost-majority
    name: free text
  - fault: kill
    target: member:etcd-2
  - heal: all
checks: [acked-writes-durable, converged]
floors: { no-stale-reads: { reads: 5 } }
`;

describe('parseScenario on a valid file', () => {
  it('turns the documented example into a Scenario', () => {
    const expected: Scenario = {
      name: 'quorum-loss-and-restore',
      description: 'Majority lost for good; restore from the last encrypted backup',
      file: 'full.yaml',
      topology: { topology: 'cluster', members: 5 },
      state: 'medium',
      workload: { ratePerSecond: 20, keys: 32 },
      steps: [
        { kind: 'runbook', runbook: 'encrypted-backup', options: { member: 'etcd-2' }, line: 8 },
        { kind: 'fault', fault: 'quorum-loss', target: 'majority', options: { mode: 'kill' }, as: 'lost-majority', line: 10 },
        { kind: 'wait-for', condition: 'leader', args: {}, timeoutMs: 30_000, line: 14 },
        { kind: 'wait-for', condition: 'members-healthy', args: { count: 5 }, timeoutMs: 500, line: 16 },
        { kind: 'expect', condition: 'writes-fail', args: {}, timeoutMs: 120_000, line: 18 },
        { kind: 'check', check: 'converged', line: 20 },
        { kind: 'heal', heal: 'lost-majority', name: 'free text', line: 21 },
        { kind: 'fault', fault: 'kill', target: 'member:etcd-2', options: {}, line: 23 },
        { kind: 'heal', heal: 'all', line: 25 },
      ],
      checks: ['acked-writes-durable', 'converged'],
      floors: { 'no-stale-reads': { reads: 5 } },
    };
    expect(parseScenario(FULL, 'full.yaml', catalog)).toStrictEqual(expected);
  });

  it('fills the defaults and understands `workload: none`', () => {
    const minimal = parseScenario('name: m\ndescription: d\nsteps:\n  - expect: leader\n', 'm.yaml', catalog);
    expect(minimal.topology).toEqual({ topology: 'cluster' });
    expect(minimal.workload).toEqual({ ratePerSecond: DEFAULT_RATE_PER_SECOND, keys: DEFAULT_KEYS });
    expect(minimal.checks).toEqual([]);
    expect(minimal.floors).toEqual({});
    expect(minimal).not.toHaveProperty('state');
    const none = parseScenario('name: m\ndescription: d\nworkload: none\nsteps:\n  - expect: leader\n', 'm.yaml', catalog);
    expect(none.workload).toBe(false);
  });
});

describe('floors', () => {
  const withFloors = (floors: string) => `name: x\ndescription: y\nsteps:\n  - expect: leader\nfloors:\n${floors}`;

  it('parses each check’s floors, raised or lowered, zero included', () => {
    const scenario = parseScenario(withFloors('  no-stale-reads: { reads: 5 }\n  restore-rpo:\n    writes: 0\n    restores: 2\n'), 'f.yaml', catalog);
    expect(scenario.floors).toEqual({ 'no-stale-reads': { reads: 5 }, 'restore-rpo': { writes: 0, restores: 2 } });
  });

  it('reports every problem at once, one line each, at its own line', () => {
    const text = withFloors(
      [
        '  no-stale-read: { reads: 5 }', // line 6: unknown check
        '  converged:',
        '    member: 1', // line 8: unknown floor
        '  acked-writes-durable:',
        '    writes: -1', // line 10: negative
        '  restore-rpo:',
        '    restores: 1.5', // line 12: fractional
        '    writes: many', // line 13: not a number
        '',
      ].join('\n'),
    );
    const err = parseRefused(text);
    expect(err.message.split('\n')).toEqual([
      `inline.yaml:6: floors.no-stale-read: unknown check 'no-stale-read'; did you mean 'no-stale-reads'? known: ${catalog.checks.join(', ')}`,
      "inline.yaml:8: floors.converged.member: unknown floor; did you mean 'members'? converged's floors: members",
      "inline.yaml:10: floors.acked-writes-durable.writes: must be a whole number ≥ 0 (got -1)",
      "inline.yaml:12: floors.restore-rpo.restores: must be a whole number ≥ 0 (got 1.5)",
      "inline.yaml:13: floors.restore-rpo.writes: must be a whole number ≥ 0 (got many)",
    ]);
  });

  it('refuses floors that are not a mapping, and a check whose floors are not one', () => {
    expect(parseRefused(withFloors('  - reads\n')).message).toBe('inline.yaml:5: floors: must be a mapping of check names to floors, e.g. { no-stale-reads: { reads: 5 } }');
    expect(parseRefused(withFloors('  converged: 3\n')).message).toBe("inline.yaml:6: floors.converged: must be a mapping of floor names to counts; converged's floors: members");
  });
});
