/**
 * Scenario files: YAML in, a validated `Scenario` out, or a `ScenarioFileError` naming every
 * problem at once as `file:line: field: message` — a user fixing a file should not have to
 * run it a dozen times to find a dozen mistakes.
 *
 * The format:
 *
 * ```yaml
 * name: quorum-loss-and-restore            # required, a-z, 0-9 and "-"
 * description: Majority lost for good; restore from the last encrypted backup   # required, one line
 * topology: { topology: cluster, members: 5 }   # optional, default { topology: cluster }:
 *                                          #   any cluster spec field except name (the engine names the cluster)
 * workload: { rate: 20, keys: 32 }        # optional, default { rate: 20 } operations/s (1..500) on
 *                                          #   `keys` objects (1..1000, default 32; fewer: hotter keys);
 *                                          #   `workload: none` runs no API servers
 * steps:                                   # required, at least one; each has exactly one of
 *                                          #   fault, heal, runbook, wait-for, expect
 *   - runbook: encrypted-backup            # a runbook name
 *     options: { to: backups }             # optional mapping, passed to the runbook
 *   - fault: quorum-loss                   # a fault kind
 *     target: majority                     # optional: leader | follower | member:NAME | minority | majority | all
 *     options: { mode: kill }              # optional mapping, passed to the fault
 *     as: lost-majority                    # optional label, for `heal`
 *   - wait-for: leader                     # a condition, polled until it holds...
 *     timeout: 30s                         # optional: milliseconds, or 500ms / 30s / 2m
 *   - wait-for: { condition: members-healthy, count: 5 }   # ...or a condition with arguments
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
 * Field paths in errors are dotted and 0-based (`steps.2.fault` is the third step), the same
 * indexes the engine reports steps by.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { InvalidInputError } from '../errors.js';
import { SpecError, validateSpec } from '../topology/spec.js';
import type { Scenario, Step } from './types.js';

/** Every name a scenario may use; the caller supplies it so this module stays free of the registries. */
export interface Catalog {
  faults: string[];
  runbooks: string[];
  conditions: string[];
  checks: string[];
  /** Each check's floor names. */
  floors: Record<string, string[]>;
}

export interface ScenarioProblem {
  file: string;
  line: number;
  /** Dotted path of the offending field, `(yaml)` for syntax errors, `(document)` for the whole file. */
  field: string;
  message: string;
}

export function formatProblem(p: ScenarioProblem): string {
  return `${p.file}:${p.line}: ${p.field}: ${p.message}`;
}

export class ScenarioFileError extends InvalidInputError {
  constructor(readonly problems: ScenarioProblem[]) {
    super(problems.map(formatProblem).join('\n'), { hint: 'fix the scenario file (`etcd-drill list` shows the shipped ones)' });
  }
}

const TOP_KEYS = ['name', 'description', 'topology', 'workload', 'steps', 'checks', 'floors'] as const;
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
const TARGET_WORDS = ['leader', 'follower', 'minority', 'majority', 'all'];
const MIN_RATE = 1;
const MAX_RATE = 500;
const DEFAULT_RATE = 20;
const DEFAULT_KEYS = 32;
const MAX_KEYS = 1000;

type Path = (string | number)[];
type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Turns paths into lines via the YAML node tree, so problems found on plain JS values still point at the file. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The line of the field at `path`, or of its nearest parent that exists (a missing field is reported where it belongs). */
  line(path: Path): number {
    for (let n = path.length; n > 0; n--) {
      const found = this.exactLine(path.slice(0, n));
      if (found !== undefined) return found;
    }
    return this.nodeLine(this.doc.contents) ?? 1;
  }

  private exactLine(path: Path): number | undefined {
    const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      // Point at the key rather than the value: a block value starts on the line after its key.
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
      return pair ? (this.nodeLine(pair.key) ?? this.nodeLine(pair.value)) : undefined;
    }
    if (isSeq(parent) && typeof last === 'number') return this.nodeLine(parent.items[last]);
    return undefined;
  }

  private nodeLine(node: unknown): number | undefined {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? this.lines.linePos(range[0]).line : undefined;
  }
}

/** Levenshtein distance with adjacent transpositions counted as one edit (typos swap letters). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `name`, if a couple of edits away; ties go to the earlier name. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function didYouMean(name: string, known: readonly string[]): string {
  const guess = closest(name, known);
  return guess === undefined ? '' : ` did you mean '${guess}'?`;
}

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

/** Parses and validates one scenario file's text; throws a ScenarioFileError with every problem. */
export function parseScenario(text: string, file: string, catalog: Catalog): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const problems: ScenarioProblem[] = [];

  // With a syntax error the tree is a guess; checking its content would report phantom problems.
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const message = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
      problems.push({ file, line: err.linePos?.[0].line ?? 1, field: '(yaml)', message });
    }
    throw new ScenarioFileError(problems);
  }

  let root: unknown;
  try {
    root = doc.toJS();
  } catch (err) {
    // toJS refuses alias bombs and the like.
    throw new ScenarioFileError([{ file, line: 1, field: '(yaml)', message: err instanceof Error ? err.message : String(err) }]);
  }

  const where = new Locator(doc, lines);
  const problem = (path: Path, message: string): void => {
    problems.push({ file, line: where.line(path), field: path.length ? path.join('.') : '(document)', message });
  };
  const unknownName = (path: Path, what: string, value: unknown, known: readonly string[]): void => {
    const list = `known: ${known.join(', ')}`;
    if (typeof value !== 'string' || value === '') problem(path, `must name a ${what}; ${list}`);
    else problem(path, `unknown ${what} '${value}';${didYouMean(value, known)} ${list}`);
  };
  const checkName = (path: Path, what: string, value: unknown, known: readonly string[]): value is string => {
    if (typeof value === 'string' && known.includes(value)) return true;
    unknownName(path, what, value, known);
    return false;
  };
  const optionalMapping = (path: Path, value: unknown): Obj => {
    if (value === undefined) return {};
    if (isObject(value)) return value;
    problem(path, 'must be a mapping, e.g. { key: value }');
    return {};
  };

  if (!isObject(root)) {
    problem([], 'a scenario file must be a mapping with name, description and steps');
    throw new ScenarioFileError(problems);
  }

  for (const key of Object.keys(root)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      problem([key], `unknown field;${didYouMean(key, TOP_KEYS)} allowed: ${TOP_KEYS.join(', ')}`);
    }
  }

  // name, description
  const name = root.name;
  if (name === undefined) problem(['name'], 'required: the scenario name, a-z, 0-9 and "-"');
  else if (typeof name !== 'string' || !/^[a-z0-9-]+$/.test(name)) problem(['name'], 'must hold only a-z, 0-9 and "-"');

  const description = typeof root.description === 'string' ? root.description.trim() : root.description;
  if (description === undefined) problem(['description'], 'required: one line saying what the scenario rehearses');
  else if (typeof description !== 'string' || description === '') problem(['description'], 'must be a line of text');
  else if (description.includes('\n')) problem(['description'], 'must be one line');

  // topology: a cluster spec minus its name, judged by the same validator as `etcd-drill up`.
  let topology: Scenario['topology'] = { topology: 'cluster' };
  if (root.topology !== undefined) {
    if (!isObject(root.topology)) {
      problem(['topology'], 'must be a mapping of cluster spec fields, e.g. { topology: cluster, members: 5 }');
    } else {
      const { name: clusterName, ...spec } = root.topology;
      if (clusterName !== undefined) problem(['topology', 'name'], 'not allowed: the engine names the cluster');
      topology = spec as Scenario['topology'];
      try {
        validateSpec(spec);
      } catch (err) {
        if (!(err instanceof SpecError)) throw err;
        for (const p of err.problems) {
          const path: Path = p.path === '(spec)' ? ['topology'] : ['topology', ...p.path.split('.')];
          // An unknown-field problem names the object; point at the first unknown key when it exists.
          const unknownKey = /^unknown field\(s\) ([^,]+)/.exec(p.message)?.[1];
          const line = where.line(unknownKey === undefined ? path : [...path, unknownKey]);
          problems.push({ file, line, field: path.join('.'), message: p.message });
        }
      }
    }
  }

  // workload
  let workload: Scenario['workload'] = { ratePerSecond: DEFAULT_RATE, keys: DEFAULT_KEYS };
  if (root.workload === 'none') {
    workload = false;
  } else if (root.workload !== undefined) {
    if (!isObject(root.workload)) {
      problem(['workload'], `must be \`none\` or a mapping like { rate: ${DEFAULT_RATE} }`);
    } else {
      for (const key of Object.keys(root.workload)) {
        if (key !== 'rate' && key !== 'keys') problem(['workload', key], 'unknown field; allowed: rate, keys');
      }
      const rate = root.workload.rate ?? DEFAULT_RATE;
      const keys = root.workload.keys ?? DEFAULT_KEYS;
      const rateOk = typeof rate === 'number' && Number.isFinite(rate) && rate >= MIN_RATE && rate <= MAX_RATE;
      const keysOk = typeof keys === 'number' && Number.isInteger(keys) && keys >= 1 && keys <= MAX_KEYS;
      if (!rateOk) problem(['workload', 'rate'], `must be a number of operations per second from ${MIN_RATE} to ${MAX_RATE} (got ${String(rate)})`);
      if (!keysOk) problem(['workload', 'keys'], `must be a whole number of objects from 1 to ${MAX_KEYS} (got ${String(keys)})`);
      if (rateOk && keysOk) workload = { ratePerSecond: rate, keys };
    }
  }

  // steps
  const steps: Step[] = [];
  const labels = new Set<string>();
  if (root.steps === undefined) problem(['steps'], 'required: a list of at least one step');
  else if (!Array.isArray(root.steps)) problem(['steps'], 'must be a list of steps');
  else if (root.steps.length === 0) problem(['steps'], 'needs at least one step');
  else {
    root.steps.forEach((raw: unknown, index) => {
      const step = parseStep(raw, ['steps', index]);
      if (step) steps.push(step);
    });
  }

  function parseStep(raw: unknown, at: Path): Step | undefined {
    if (!isObject(raw)) {
      problem(at, `a step must be a mapping with one of ${STEP_KINDS.join(', ')}`);
      return undefined;
    }
    const keys = Object.keys(raw);
    const kinds = STEP_KINDS.filter((k) => k in raw);
    if (kinds.length === 0) {
      // Usually a misspelt kind: say so once rather than also reporting the stray key.
      const guesses = keys.map((k) => closest(k, STEP_KINDS)).filter((g) => g !== undefined);
      const hint = guesses.length ? ` (did you mean '${guesses[0]}'?)` : '';
      problem(at, `a step needs one of ${STEP_KINDS.join(', ')}; found ${keys.join(', ') || 'nothing'}${hint}`);
      return undefined;
    }
    if (kinds.length > 1) {
      problem(at, `a step does one thing, but this one has ${kinds.join(' and ')}; split it into ${kinds.length} steps`);
      return undefined;
    }
    const kind = kinds[0]!;
    const allowed = [kind, ...STEP_EXTRA_KEYS[kind]];
    for (const key of keys) {
      if (!allowed.includes(key)) problem([...at, key], `unknown field for a ${kind} step;${didYouMean(key, allowed)} allowed: ${allowed.join(', ')}`);
    }

    const base: { name?: string; line: number } = { line: where.line(at) };
    if (raw.name !== undefined) {
      if (typeof raw.name === 'string' && raw.name.trim() !== '') base.name = raw.name;
      else problem([...at, 'name'], 'must be a line of text');
    }

    switch (kind) {
      case 'fault': {
        const fault = raw.fault;
        const known = checkName([...at, 'fault'], 'fault', fault, catalog.faults);
        const step: Step = { ...base, kind: 'fault', fault: fault as string, options: optionalMapping([...at, 'options'], raw.options) };
        if (raw.target !== undefined) {
          const target = raw.target;
          if (typeof target === 'string' && target.startsWith('member:')) {
            if (/^member:[A-Za-z0-9._-]+$/.test(target)) step.target = target;
            else problem([...at, 'target'], `'member:' needs a member's name right after the colon, e.g. member:etcd-2`);
          } else if (typeof target === 'string' && TARGET_WORDS.includes(target)) {
            step.target = target;
          } else {
            const guess = typeof target === 'string' ? didYouMean(target, TARGET_WORDS) : '';
            problem([...at, 'target'], `must be leader, follower, member:NAME, minority, majority or all; got ${JSON.stringify(target)}.${guess}`);
          }
        }
        if (raw.as !== undefined) {
          const label = raw.as;
          if (typeof label !== 'string' || label.trim() === '') problem([...at, 'as'], 'must be a label, e.g. as: lost-leader');
          else if (label === 'all') problem([...at, 'as'], "'all' is reserved: `heal: all` heals every fault");
          else if (labels.has(label)) problem([...at, 'as'], `label '${label}' is already used by an earlier fault`);
          else {
            labels.add(label);
            step.as = label;
          }
        }
        return known ? step : undefined;
      }
      case 'heal': {
        const heal = raw.heal;
        if (heal === 'all' || (typeof heal === 'string' && labels.has(heal))) return { ...base, kind: 'heal', heal };
        const choices = ['all', ...labels].join(', ');
        if (typeof heal !== 'string' || heal === '') problem([...at, 'heal'], `must be 'all' or an earlier fault's \`as\` label; known: ${choices}`);
        else problem([...at, 'heal'], `no earlier fault has \`as: ${heal}\`;${didYouMean(heal, ['all', ...labels])} known: ${choices}`);
        return undefined;
      }
      case 'runbook': {
        const options = optionalMapping([...at, 'options'], raw.options);
        return checkName([...at, 'runbook'], 'runbook', raw.runbook, catalog.runbooks) ? { ...base, kind: 'runbook', runbook: raw.runbook, options } : undefined;
      }
      case 'wait-for':
      case 'expect': {
        const value = raw[kind];
        let timeoutMs: number | undefined;
        if (raw.timeout !== undefined) {
          const parsed = parseTimeout(raw.timeout);
          if (typeof parsed === 'string') problem([...at, 'timeout'], parsed);
          else timeoutMs = parsed;
        }
        if (isObject(value) && 'check' in value) {
          if (kind === 'wait-for') {
            problem([...at, kind, 'check'], 'wait-for takes a condition; run a check with `expect: { check: NAME }`');
            return undefined;
          }
          let ok = checkName([...at, kind, 'check'], 'check', value.check, catalog.checks);
          for (const key of Object.keys(value)) {
            if (key !== 'check') {
              problem([...at, kind, key], 'a check takes no arguments');
              ok = false;
            }
          }
          if (raw.timeout !== undefined) problem([...at, 'timeout'], 'a check runs once over the history so far; a timeout does not apply');
          return ok ? { ...base, kind: 'check', check: value.check as string } : undefined;
        }
        let condition: unknown = value;
        let args: Obj = {};
        if (isObject(value)) {
          ({ condition, ...args } = value);
          if (condition === undefined) {
            problem([...at, kind], `the mapping form needs \`condition:\`${kind === 'expect' ? ' (or `check:`)' : ''}, e.g. { condition: members-healthy, count: 5 }`);
            return undefined;
          }
        }
        const conditionPath = isObject(value) ? [...at, kind, 'condition'] : [...at, kind];
        if (!checkName(conditionPath, 'condition', condition, catalog.conditions)) return undefined;
        return { ...base, kind, condition, args, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
      }
    }
  }

  // checks
  const checks: string[] = [];
  if (root.checks !== undefined) {
    if (!Array.isArray(root.checks)) {
      problem(['checks'], `must be a list of check names, e.g. [${catalog.checks.slice(0, 2).join(', ')}]`);
    } else {
      root.checks.forEach((check: unknown, index) => {
        if (!checkName(['checks', index], 'check', check, catalog.checks)) return;
        if (checks.includes(check)) problem(['checks', index], `'${check}' is listed twice`);
        else checks.push(check);
      });
    }
  }

  // floors
  const floors: Scenario['floors'] = {};
  if (root.floors !== undefined) {
    if (!isObject(root.floors)) {
      problem(['floors'], 'must be a mapping of check names to floors, e.g. { no-stale-reads: { reads: 5 } }');
    } else {
      for (const [check, set] of Object.entries(root.floors)) {
        if (!checkName(['floors', check], 'check', check, catalog.checks)) continue;
        const known = catalog.floors[check] ?? [];
        if (!isObject(set)) {
          problem(['floors', check], `must be a mapping of floor names to counts; ${check}'s floors: ${known.join(', ')}`);
          continue;
        }
        floors[check] = {};
        for (const [floor, min] of Object.entries(set)) {
          if (!known.includes(floor)) problem(['floors', check, floor], `unknown floor; ${check}'s floors: ${known.join(', ')}`);
          else if (typeof min !== 'number' || !Number.isInteger(min) || min < 0) problem(['floors', check, floor], `must be a whole number ≥ 0 (got ${String(min)})`);
          else floors[check][floor] = min;
        }
      }
    }
  }

  if (problems.length > 0) {
    // Top to bottom, as the user reads the file (sort is stable: same-line problems keep their order).
    throw new ScenarioFileError(problems.sort((a, b) => a.line - b.line));
  }
  return { name: name as string, description: description as string, file, topology, workload, steps, checks, floors };
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
  return parseScenario(text, path, catalog);
}
