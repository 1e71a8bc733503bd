/**
 * Scenario files: YAML in, a validated `Scenario` out, or a `ScenarioFileError` naming every
 * problem at once as `file:line: field: message` — a user fixing a file should not have to
 * run it a dozen times to find a dozen mistakes. The whole file is judged before any cluster
 * starts: names against the registries, and each fault's and runbook's options and each
 * condition's arguments against the schema the registry entry itself defines (`Catalog`).
 *
 * The format:
 *
 * ```yaml
 * name: quorum-loss-and-restore            # required, a-z, 0-9 and "-"
 * description: Majority lost for good; restore from the last encrypted backup   # required, one line
 * topology: { topology: cluster, members: 5 }   # optional, default { topology: cluster }:
 *                                          #   any cluster spec field except name (the engine names the cluster)
 * state: medium                            # optional: a Kubernetes-shaped keyspace preloaded first,
 *                                          #   small | medium | large
 * workload: { rate: 100, keys: 32 }       # optional, default { rate: 100 } operations/s (1..500) on
 *                                          #   `keys` objects (1..1000, default 32; fewer: hotter keys);
 *                                          #   `workload: none` runs no API servers
 * steps:                                   # required, at least one; each has exactly one of
 *                                          #   fault, heal, runbook, wait-for, expect
 *   - runbook: encrypted-backup            # a runbook name
 *     options: { member: etcd-1 }          # optional mapping, checked against the runbook's own options
 *   - fault: quorum-loss                   # a fault kind
 *     target: majority                     # optional: leader | follower | member:NAME | minority | majority | all
 *     options: { mode: kill }              # optional mapping, checked against the fault's own options
 *     as: lost-majority                    # optional label, for `heal`
 *   - wait-for: leader                     # a condition, polled until it holds...
 *     timeout: 30s                         # optional: milliseconds, or 500ms / 30s / 2m (more than 0)
 *   - wait-for: { condition: members-healthy, count: 5 }   # ...or a condition with its arguments
 *   - wait-for: { condition: leader, timeout: 10s }        #   (the timeout may sit in the mapping instead)
 *   - expect: writes-fail                  # a condition that must hold now (same forms as wait-for)
 *   - expect: { check: converged }         # or a check, run over the history so far
 *   - heal: lost-majority                  # `all`, or an earlier fault's `as` label
 *     name: bring the majority back        # optional on any step: shown in timelines and reports
 * checks: [acked-writes-durable, converged]   # optional: checks run over the whole run at the end
 *                                          #   (with a workload, its checks always run too)
 * floors: { no-stale-reads: { reads: 5 } }  # optional: a check's evidence floor, lowered or raised;
 *                                          #   the report shows every floor in force
 * ```
 *
 * An unknown key is refused wherever it sits (top level, steps, options, arguments, topology,
 * workload, floors), with the nearest known one when a couple of edits away. Field paths in
 * errors are dotted and 0-based (`steps.2.fault` is the third step), the same indexes the engine
 * reports steps by.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { type ClusterSpecInput, SpecError, validateSpec } from '../topology/spec.js';
import { DEFAULT_KEYS, DEFAULT_RATE_PER_SECOND as DEFAULT_RATE } from '../workload/defaults.js';
import { STATE_PRESET_NAMES, type StatePresetName } from '../workload/preload.js';
import { isObject, Locator, Problems, ScenarioFileError, type Obj, type Path, type ScenarioProblem } from './scenario-problems.js';
import type { Scenario } from './types.js';
import { StepParser } from './scenario-steps.js';

export { formatProblem, ScenarioFileError, type ScenarioProblem } from './scenario-problems.js';

/** What a registry entry defines for its options (a fault's, a runbook's) or its arguments (a condition's). */
export type OptionsSchema = z.ZodType;

/**
 * Every name a scenario may use, each with the schema of its options where it takes any; the
 * caller supplies it (`catalog()` reads the registries) so this module stays free of them.
 */
export interface Catalog {
  /** Fault kinds, each with the schema of its `options`. */
  faults: ReadonlyMap<string, OptionsSchema>;
  /** Runbook names, each with the schema of its `options`. */
  runbooks: ReadonlyMap<string, OptionsSchema>;
  /** Conditions, each with the schema of its arguments (the mapping form's keys besides `condition` and `timeout`). */
  conditions: ReadonlyMap<string, OptionsSchema>;
  checks: string[];
  /** Each check's floor names. */
  floors: Record<string, string[]>;
  /** Runbooks whose options name something outside the file (a script), checked once the file is read. */
  preflights?: ReadonlyMap<string, Preflight>;
}

/** A runbook's check of its (valid) options against the world: problems by option, with relative paths read from `baseDir`. */
export type Preflight = (options: Record<string, unknown>, baseDir: string) => Promise<{ option: string; problem: string }[]>;

const TOP_KEYS = ['name', 'description', 'topology', 'state', 'workload', 'steps', 'checks', 'floors'] as const;
const MIN_RATE = 1;
const MAX_RATE = 500;
const MAX_KEYS = 1000;
const WORKLOAD_KEYS = ['rate', 'keys'] as const;

/** A type's keys, listed once and held to the type by the compiler (a key missing or extra does not compile). */
const fieldsOf = <T>(fields: { [K in keyof Required<T>]: true }): string[] => Object.keys(fields);

/** The cluster spec's fields a scenario may set, by the section they sit in, for "did you mean" on a misspelt one. */
const SPEC_FIELDS = {
  top: fieldsOf<Omit<ClusterSpecInput, 'name'>>({ topology: true, members: true, allowEven: true, tls: true, image: true, basePort: true, etcd: true, resources: true }),
  etcd: fieldsOf<NonNullable<ClusterSpecInput['etcd']>>({ heartbeatIntervalMs: true, electionTimeoutMs: true, quotaBackendBytes: true, snapshotCount: true, corruptCheckMs: true, logLevel: true }),
  resources: fieldsOf<NonNullable<ClusterSpecInput['resources']>>({ cpus: true, memoryMb: true }),
};

function readYaml(text: string, file: string): { doc: Document; lines: LineCounter; root: unknown } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ScenarioFileError(
      doc.errors.map((err) => ({
        file,
        line: err.linePos?.[0].line ?? 1,
        field: '(yaml)',
        message: (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, ''),
      })),
    );
  }
  try {
    return { doc, lines, root: doc.toJS() };
  } catch (err) {
    // toJS refuses alias bombs and the like.
    throw new ScenarioFileError([{ file, line: 1, field: '(yaml)', message: err instanceof Error ? err.message : String(err) }]);
  }
}

/** Parses and validates one scenario file's text; throws a ScenarioFileError with every problem. */
export function parseScenario(text: string, file: string, catalog: Catalog): Scenario {
  const { doc, lines, root } = readYaml(text, file);
  const problems = new Problems(file, new Locator(doc, lines));
  if (!isObject(root)) {
    problems.add([], 'a scenario file must be a mapping with name, description and steps');
    throw problems.error();
  }
  const scenario = parseTopLevel(problems, root, catalog);
  if (problems.any) throw problems.error();
  return scenario;
}

function parseTopLevel(problems: Problems, root: Obj, catalog: Catalog): Scenario {
  problems.unknownKeys([], root, TOP_KEYS);
  const state = parseState(problems, root.state);
  return {
    name: parseName(problems, root.name),
    description: parseDescription(problems, root.description),
    file: problems.file,
    topology: parseTopology(problems, root.topology),
    ...(state === undefined ? {} : { state }),
    workload: parseWorkload(problems, root.workload),
    steps: new StepParser(problems, catalog).steps(root.steps),
    checks: parseChecks(problems, root.checks, catalog.checks),
    floors: parseFloors(problems, root.floors, catalog),
  };
}

function parseName(problems: Problems, name: unknown): string {
  if (name === undefined) problems.add(['name'], 'required: the scenario name, a-z, 0-9 and "-"');
  else if (typeof name !== 'string' || !/^[a-z0-9-]+$/.test(name)) problems.add(['name'], 'must hold only a-z, 0-9 and "-"');
  return name as string;
}

function parseDescription(problems: Problems, raw: unknown): string {
  const description = typeof raw === 'string' ? raw.trim() : raw;
  if (description === undefined) problems.add(['description'], 'required: one line saying what the scenario rehearses');
  else if (typeof description !== 'string' || description === '') problems.add(['description'], 'must be a line of text');
  else if (description.includes('\n')) problems.add(['description'], 'must be one line');
  return description as string;
}

function parseState(problems: Problems, state: unknown): StatePresetName | undefined {
  if (state === undefined) return undefined;
  return problems.knownName(['state'], 'state preset', state, STATE_PRESET_NAMES) ? state : undefined;
}

/** `value` without the keys `allowed` lacks, each refused at its own line. */
function knownFieldsOnly(problems: Problems, path: Path, value: Obj, allowed: readonly string[]): Obj {
  problems.unknownKeys(path, value, allowed);
  return Object.fromEntries(Object.entries(value).filter(([key]) => allowed.includes(key)));
}

/** A cluster spec minus its name, judged by the same validator as `etcd-drill up`. */
function parseTopology(problems: Problems, value: unknown): Scenario['topology'] {
  if (value === undefined) return { topology: 'cluster' };
  if (!isObject(value)) {
    problems.add(['topology'], 'must be a mapping of cluster spec fields, e.g. { topology: cluster, members: 5 }');
    return { topology: 'cluster' };
  }
  const { name, ...spec } = value;
  if (name !== undefined) problems.add(['topology', 'name'], 'not allowed: the engine names the cluster');
  // Unknown fields are refused here, with a "did you mean"; the validator judges the rest.
  const known = knownFieldsOnly(problems, ['topology'], spec, SPEC_FIELDS.top);
  for (const section of ['etcd', 'resources'] as const) {
    const fields = known[section];
    if (isObject(fields)) known[section] = knownFieldsOnly(problems, ['topology', section], fields, SPEC_FIELDS[section]);
  }
  try {
    validateSpec(known);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    for (const p of err.problems) problems.add(p.path === '(spec)' ? ['topology'] : ['topology', ...p.path.split('.')], p.message);
  }
  return spec as Scenario['topology'];
}

function parseWorkload(problems: Problems, value: unknown): Scenario['workload'] {
  const fallback = { ratePerSecond: DEFAULT_RATE, keys: DEFAULT_KEYS };
  if (value === 'none') return false;
  if (value === undefined) return fallback;
  if (!isObject(value)) {
    problems.add(['workload'], `must be \`none\` or a mapping like { rate: ${DEFAULT_RATE} }`);
    return fallback;
  }
  problems.unknownKeys(['workload'], value, WORKLOAD_KEYS);
  const rate = value.rate ?? DEFAULT_RATE;
  const keys = value.keys ?? DEFAULT_KEYS;
  const rateOk = typeof rate === 'number' && Number.isFinite(rate) && rate >= MIN_RATE && rate <= MAX_RATE;
  const keysOk = typeof keys === 'number' && Number.isInteger(keys) && keys >= 1 && keys <= MAX_KEYS;
  if (!rateOk) problems.add(['workload', 'rate'], `must be a number of operations per second from ${MIN_RATE} to ${MAX_RATE} (got ${String(rate)})`);
  if (!keysOk) problems.add(['workload', 'keys'], `must be a whole number of objects from 1 to ${MAX_KEYS} (got ${String(keys)})`);
  return rateOk && keysOk ? { ratePerSecond: rate, keys } : fallback;
}

function parseChecks(problems: Problems, value: unknown, known: readonly string[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add(['checks'], `must be a list of check names, e.g. [${known.slice(0, 2).join(', ')}]`);
    return [];
  }
  const checks: string[] = [];
  value.forEach((check: unknown, index) => {
    if (!problems.knownName(['checks', index], 'check', check, known)) return;
    if (checks.includes(check)) problems.add(['checks', index], `'${check}' is listed twice`);
    else checks.push(check);
  });
  return checks;
}

/** A check's evidence floors, lowered or raised: `{ no-stale-reads: { reads: 5 } }`. */
function parseFloors(problems: Problems, value: unknown, catalog: Catalog): Scenario['floors'] {
  const floors: Scenario['floors'] = {};
  if (value === undefined) return floors;
  if (!isObject(value)) {
    problems.add(['floors'], 'must be a mapping of check names to floors, e.g. { no-stale-reads: { reads: 5 } }');
    return floors;
  }
  for (const [check, set] of Object.entries(value)) {
    if (!problems.knownName(['floors', check], 'check', check, catalog.checks)) continue;
    const known = catalog.floors[check] ?? [];
    if (!isObject(set)) {
      problems.add(['floors', check], `must be a mapping of floor names to counts; ${check}'s floors: ${known.join(', ')}`);
      continue;
    }
    problems.unknownKeys(['floors', check], set, known, (dym) => `unknown floor;${dym} ${check}'s floors: ${known.join(', ')}`);
    floors[check] = {};
    for (const [floor, min] of Object.entries(set)) {
      if (!known.includes(floor)) continue;
      if (typeof min !== 'number' || !Number.isInteger(min) || min < 0) problems.add(['floors', check, floor], `must be a whole number ≥ 0 (got ${String(min)})`);
      else floors[check][floor] = min;
    }
  }
  return floors;
}

/** Reads and parses a scenario file; an unreadable file is reported like any other problem in it. */
export async function loadScenario(path: string, catalog: Catalog): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ScenarioFileError([{ file: path, line: 1, field: '(file)', message: `cannot read: ${reason}` }]);
  }
  const scenario = parseScenario(text, path, catalog);
  const problems: ScenarioProblem[] = [];
  for (const [i, step] of scenario.steps.entries()) {
    if (step.kind !== 'runbook') continue;
    const preflight = catalog.preflights?.get(step.runbook);
    if (!preflight) continue;
    for (const { option, problem } of await preflight(step.options, dirname(resolve(path)))) {
      problems.push({ file: path, line: step.line ?? 1, field: `steps.${i}.options.${option}`, message: problem });
    }
  }
  if (problems.length) throw new ScenarioFileError(problems);
  return scenario;
}
