import { TARGET_KINDS } from '../faults/target.js';
import type { Catalog, OptionsSchema } from './scenario-file.js';
import { closest, didYouMean, isObject, orList, type Obj, type Path, type Problems } from './scenario-problems.js';
import type { Step } from './types.js';

/**
 * The steps of a scenario file, in order: each step's kind and the keys it accepts, faults with
 * their targets and labels, runbooks and conditions with the options their registries' schemas
 * allow, and durations. The file's other sections are parsed in scenario-file.ts.
 */

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
type StepBase = { name?: string; line: number };

/** The steps, in order: a `heal` may name only the labels of faults before it. */
export class StepParser {
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

