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
import { TARGET_KINDS } from '../faults/target.js';
import { type ClusterSpecInput, SpecError, validateSpec } from '../topology/spec.js';
import { DEFAULT_KEYS, DEFAULT_RATE_PER_SECOND as DEFAULT_RATE } from '../workload/defaults.js';
import { STATE_PRESET_NAMES, type StatePresetName } from '../workload/preload.js';
import { closest, didYouMean, isObject, Locator, orList, Problems, ScenarioFileError, type Obj, type Path, type ScenarioProblem } from './scenario-problems.js';
import type { Scenario, Step } from './types.js';

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
const STEP_KINDS = ['fault', 'heal', 'runbook', 'wait-for', 'expect'] as const;
type StepKey = (typeof STEP_KINDS)[number];
/** The keys each step kind accepts besides its own. */
const STEP_EXTRA_KEYS: Record<StepKey, readonly string[]> = {
  fault: ['target', 'options', 'as', 'name'],
  heal: ['name'],
  runbook: ['options', 'name'],
  'wait-for': ['timeout', 'name'],
  expect: ['timeout', 'name'],
};
/** The keys of a condition's mapping form that are not its arguments. */
const CONDITION_KEYS = ['condition', 'timeout'] as const;
const TARGET_WORDS: readonly string[] = TARGET_KINDS.filter((k) => k !== 'member:NAME');
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

/** A duration: a number of milliseconds, or `500ms` / `30s` / `2m`. Returns ms, or a reason. */
function parseTimeout(value: unknown): number | string {
  const unparseable = 'must be milliseconds or a duration like 500ms, 30s or 2m';
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const match = /^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m)\s*$/.exec(value);
    if (!match) return unparseable;
    ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
  } else {
    return unparseable;
  }
  if (!Number.isFinite(ms)) return unparseable;
  if (ms <= 0) return `must be greater than 0 (got ${String(value)})`;
  // Round up so a sub-millisecond timeout does not become 0.
  return Math.ceil(ms);
}

/** The YAML document and its plain value; a syntax error ends the parse here (the tree would be a guess). */
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

type StepBase = { name?: string; line: number };

/** The steps, in order: a `heal` may name only the labels of faults before it. */
class StepParser {
  private readonly labels = new Set<string>();

  constructor(
    private readonly problems: Problems,
    private readonly catalog: Catalog,
  ) {}

  steps(value: unknown): Step[] {
    if (value === undefined) this.problems.add(['steps'], 'required: a list of at least one step');
    else if (!Array.isArray(value)) this.problems.add(['steps'], 'must be a list of steps');
    else if (value.length === 0) this.problems.add(['steps'], 'needs at least one step');
    else return value.flatMap((raw: unknown, index) => this.step(raw, ['steps', index]) ?? []);
    return [];
  }

  private step(raw: unknown, at: Path): Step | undefined {
    if (!isObject(raw)) {
      this.problems.add(at, `a step must be a mapping with one of ${STEP_KINDS.join(', ')}`);
      return undefined;
    }
    const keys = Object.keys(raw);
    const kinds = STEP_KINDS.filter((k) => k in raw);
    if (kinds.length === 0) {
      // Usually a misspelt kind: say so once rather than also reporting the stray key.
      const guesses = keys.map((k) => closest(k, STEP_KINDS)).filter((g) => g !== undefined);
      const hint = guesses.length ? ` (did you mean '${guesses[0]}'?)` : '';
      this.problems.add(at, `a step needs one of ${STEP_KINDS.join(', ')}; found ${keys.join(', ') || 'nothing'}${hint}`);
      return undefined;
    }
    if (kinds.length > 1) {
      this.problems.add(at, `a step does one thing, but this one has ${kinds.join(' and ')}; split it into ${kinds.length} steps`);
      return undefined;
    }
    const kind = kinds[0]!;
    const allowed = [kind, ...STEP_EXTRA_KEYS[kind]];
    this.problems.unknownKeys(at, raw, allowed, (dym) => `unknown field for a ${kind} step;${dym} allowed: ${allowed.join(', ')}`);

    const base: StepBase = { line: this.problems.lineOf(at) };
    if (raw.name !== undefined) {
      if (typeof raw.name === 'string' && raw.name.trim() !== '') base.name = raw.name;
      else this.problems.add([...at, 'name'], 'must be a line of text');
    }
    switch (kind) {
      case 'fault':
        return this.fault(raw, at, base);
      case 'heal':
        return this.heal(raw.heal, at, base);
      case 'runbook':
        return this.runbook(raw, at, base);
      case 'wait-for':
      case 'expect':
        return isObject(raw[kind]) && 'check' in raw[kind] ? this.check(raw, at, base, kind) : this.condition(raw, at, base, kind);
    }
  }

  /** A step's `options`, judged by the schema of the fault or runbook it names (when the name is known). */
  private options(path: Path, value: unknown, registry: ReadonlyMap<string, OptionsSchema>, name: unknown): Record<string, unknown> {
    const options = this.problems.mapping(path, value);
    const schema = typeof name === 'string' ? registry.get(name) : undefined;
    if (options && schema) this.problems.matches(path, options, schema, { name: name as string, noun: 'option' });
    return options ?? {};
  }

  private fault(raw: Obj, at: Path, base: StepBase): Step | undefined {
    const known = this.problems.knownName([...at, 'fault'], 'fault', raw.fault, [...this.catalog.faults.keys()]);
    const options = this.options([...at, 'options'], raw.options, this.catalog.faults, raw.fault);
    const target = raw.target === undefined ? undefined : this.target(raw.target, [...at, 'target']);
    const label = raw.as === undefined ? undefined : this.label(raw.as, [...at, 'as']);
    if (!known) return undefined;
    return { ...base, kind: 'fault', fault: raw.fault as string, options, ...(target === undefined ? {} : { target }), ...(label === undefined ? {} : { as: label }) };
  }

  private target(target: unknown, path: Path): string | undefined {
    if (typeof target === 'string' && target.startsWith('member:')) {
      if (/^member:[A-Za-z0-9._-]+$/.test(target)) return target;
      this.problems.add(path, `'member:' needs a member's name right after the colon, e.g. member:etcd-2`);
      return undefined;
    }
    if (typeof target === 'string' && TARGET_WORDS.includes(target)) return target;
    const guess = typeof target === 'string' ? didYouMean(target, TARGET_WORDS) : '';
    this.problems.add(path, `must be ${orList(TARGET_KINDS)}; got ${JSON.stringify(target)}.${guess}`);
    return undefined;
  }

  private label(label: unknown, path: Path): string | undefined {
    if (typeof label !== 'string' || label.trim() === '') this.problems.add(path, 'must be a label, e.g. as: lost-leader');
    else if (label === 'all') this.problems.add(path, "'all' is reserved: `heal: all` heals every fault");
    else if (this.labels.has(label)) this.problems.add(path, `label '${label}' is already used by an earlier fault`);
    else {
      this.labels.add(label);
      return label;
    }
    return undefined;
  }

  private heal(heal: unknown, at: Path, base: StepBase): Step | undefined {
    if (heal === 'all' || (typeof heal === 'string' && this.labels.has(heal))) return { ...base, kind: 'heal', heal };
    const choices = ['all', ...this.labels];
    if (typeof heal !== 'string' || heal === '') this.problems.add([...at, 'heal'], `must be 'all' or an earlier fault's \`as\` label; known: ${choices.join(', ')}`);
    else this.problems.add([...at, 'heal'], `no earlier fault has \`as: ${heal}\`;${didYouMean(heal, choices)} known: ${choices.join(', ')}`);
    return undefined;
  }

  private runbook(raw: Obj, at: Path, base: StepBase): Step | undefined {
    const known = this.problems.knownName([...at, 'runbook'], 'runbook', raw.runbook, [...this.catalog.runbooks.keys()]);
    const options = this.options([...at, 'options'], raw.options, this.catalog.runbooks, raw.runbook);
    return known ? { ...base, kind: 'runbook', runbook: raw.runbook as string, options } : undefined;
  }

  /** `expect: { check: NAME }`: a check run once over the history so far. */
  private check(raw: Obj, at: Path, base: StepBase, kind: 'wait-for' | 'expect'): Step | undefined {
    const value = raw[kind] as Obj;
    if (kind === 'wait-for') {
      this.problems.add([...at, kind, 'check'], 'wait-for takes a condition; run a check with `expect: { check: NAME }`');
      return undefined;
    }
    let ok = this.problems.knownName([...at, kind, 'check'], 'check', value.check, this.catalog.checks);
    for (const key of Object.keys(value)) {
      if (key !== 'check') {
        this.problems.add([...at, kind, key], 'a check takes no arguments');
        ok = false;
      }
    }
    if (raw.timeout !== undefined) this.problems.add([...at, 'timeout'], 'a check runs once over the history so far; a timeout does not apply');
    return ok ? { ...base, kind: 'check', check: value.check as string } : undefined;
  }

  /** `wait-for` / `expect` of a condition: a name, or a mapping of `condition`, its arguments and an optional `timeout`. */
  private condition(raw: Obj, at: Path, base: StepBase, kind: 'wait-for' | 'expect'): Step | undefined {
    const value = raw[kind];
    const { condition, timeout, ...args }: Obj = isObject(value) ? value : { condition: value };
    if (condition === undefined) {
      this.problems.add([...at, kind], `the mapping form needs \`condition:\`${kind === 'expect' ? ' (or `check:`)' : ''}, e.g. { condition: members-healthy, count: 5 }`);
      return undefined;
    }
    const path = isObject(value) ? [...at, kind, 'condition'] : [...at, kind];
    const known = this.problems.knownName(path, 'condition', condition, [...this.catalog.conditions.keys()]);
    if (known) this.problems.matches([...at, kind], args, this.catalog.conditions.get(condition)!, { name: condition, noun: 'argument', besides: CONDITION_KEYS });
    // The timeout may sit on the step or in the mapping, not both.
    if (timeout !== undefined && raw.timeout !== undefined) this.problems.add([...at, kind, 'timeout'], 'the step already has a timeout; give it once');
    const [inMapping, onStep] = [this.timeout([...at, kind, 'timeout'], timeout), this.timeout([...at, 'timeout'], raw.timeout)];
    const timeoutMs = inMapping ?? onStep;
    return known ? { ...base, kind, condition, args, ...(timeoutMs === undefined ? {} : { timeoutMs }) } : undefined;
  }

  private timeout(path: Path, value: unknown): number | undefined {
    if (value === undefined) return undefined;
    const parsed = parseTimeout(value);
    if (typeof parsed === 'number') return parsed;
    this.problems.add(path, parsed);
    return undefined;
  }
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
