/**
 * How a scenario file's problems are found and told: every problem at once, one line each, with
 * its file, line and dotted field, the nearest known name when a name is misspelt, and zod's issues
 * in the words a scenario author uses.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { OptionsSchema } from './scenario-file.js';

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

export type Path = (string | number)[];
export type Obj = Record<string, unknown>;

export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Turns paths into lines via the YAML node tree, so problems found on plain JS values still point at the file. */
export class Locator {
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
export function editDistance(a: string, b: string): number {
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

/** The known name closest to `name`, if a couple of edits away (case aside); ties go to the earlier name. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

export function didYouMean(name: string, known: readonly string[]): string {
  const guess = closest(name, known);
  return guess === undefined ? '' : ` did you mean '${guess}'?`;
}

/** `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** A value as the user wrote it, for "(got …)". */
export function shown(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** What a schema expected, in the scenario file's words. */
export const EXPECTED: Record<string, string> = { string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'a mapping', null: 'null' };
export const expected = (type: string): string => EXPECTED[type] ?? type;

/**
 * One line for a schema's complaint, in this file's style; a message the schema's author wrote
 * (`.min(16, 'etcd does not even start under 16 MB')`) takes precedence, as zod gives it.
 */
export const describeIssue: z.core.$ZodErrorMap = (issue) => {
  const got = ` (got ${shown(issue.input)})`;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `required: ${expected(issue.expected)}` : `must be ${expected(issue.expected)}${got}`;
    case 'invalid_value': {
      const values = issue.values.map(String);
      return `expected ${orList(values)}${got}${typeof issue.input === 'string' ? didYouMean(issue.input, values).replace(/^ /, '; ') : ''}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? issue.minimum : issue.maximum;
      if (issue.origin === 'string') return small && Number(bound) === 1 ? 'must not be empty' : `must be ${small ? 'at least' : 'at most'} ${bound} characters${got}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `needs ${small ? 'at least' : 'at most'} ${bound} item${Number(bound) === 1 ? '' : 's'}`;
      const word = small ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
      return `must be ${word} ${bound}${got}`;
    }
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern ? `must match ${issue.pattern}${got}` : `must be a valid ${issue.format}${got}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}${got}`;
    case 'invalid_union': {
      const types = [...new Set(issue.errors.flat().flatMap((e) => (e.code === 'invalid_type' ? [expected(e.expected)] : [])))];
      return types.length ? `must be ${orList(types)}${got}` : undefined;
    }
    default:
      return undefined; // zod's own one-line message
  }
};

/** The fields an object schema declares at `path` inside `schema` (through optional, default and pipe wrappers). */
export function fieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let at: unknown = schema;
  for (const key of [...path, undefined]) {
    for (;;) {
      if (at instanceof z.ZodOptional || at instanceof z.ZodNullable || at instanceof z.ZodDefault || at instanceof z.ZodPrefault || at instanceof z.ZodReadonly) at = at.unwrap();
      else if (at instanceof z.ZodPipe) at = at.in;
      else break;
    }
    if (key === undefined) return at instanceof z.ZodObject ? Object.keys(at.shape) : [];
    if (at instanceof z.ZodObject) at = (at.shape as Record<string, unknown>)[String(key)];
    else if (at instanceof z.ZodArray) at = at.element;
    else return [];
  }
  return [];
}

/** Whose options a schema judges, for its messages: `isolate's options: scope`, `leader takes no arguments`. */
export interface SchemaOwner {
  name: string;
  noun: 'option' | 'argument';
  /** Keys allowed beside the schema's own (a condition's `condition` and `timeout`), for "did you mean". */
  besides?: readonly string[];
}

/** The problems found so far, each placed at its field's line. */
export class Problems {
  private readonly found: ScenarioProblem[] = [];

  constructor(
    readonly file: string,
    private readonly where: Locator,
  ) {}

  add(path: Path, message: string): void {
    this.found.push({ file: this.file, line: this.where.line(path), field: path.length ? path.join('.') : '(document)', message });
  }

  lineOf(path: Path): number {
    return this.where.line(path);
  }

  get any(): boolean {
    return this.found.length > 0;
  }

  /** Every problem, top to bottom as the user reads the file (sort is stable: same-line problems keep their order). */
  error(): ScenarioFileError {
    return new ScenarioFileError([...this.found].sort((a, b) => a.line - b.line));
  }

  /** Refuses each key of `value` outside `allowed`, each at its own line. */
  unknownKeys(path: Path, value: Obj, allowed: readonly string[], message = (dym: string) => `unknown field;${dym} allowed: ${allowed.join(', ')}`): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.add([...path, key], message(didYouMean(key, allowed)));
    }
  }

  /** True when `value` is one of `known`; otherwise says so, with the nearest name. */
  knownName<T extends string>(path: Path, what: string, value: unknown, known: readonly T[]): value is T {
    if ((known as readonly unknown[]).includes(value)) return true;
    const list = `known: ${known.join(', ')}`;
    if (typeof value !== 'string' || value === '') this.add(path, `must name a ${what}; ${list}`);
    else this.add(path, `unknown ${what} '${value}';${didYouMean(value, known)} ${list}`);
    return false;
  }

  /** An optional mapping: `{}` when absent, undefined (and a problem) when not a mapping. */
  mapping(path: Path, value: unknown): Obj | undefined {
    if (value === undefined) return {};
    if (isObject(value)) return value;
    this.add(path, 'must be a mapping, e.g. { key: value }');
    return undefined;
  }

  /** Judges `value` by a registry entry's schema: each of its issues becomes a problem at its own field. */
  matches(path: Path, value: Obj, schema: OptionsSchema, owner: SchemaOwner): void {
    const result = schema.safeParse(value, { error: describeIssue });
    if (result.success) return;
    for (const issue of result.error.issues) {
      const at: Path = [...path, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
      if (issue.code !== 'unrecognized_keys') {
        this.add(at, issue.message);
        continue;
      }
      const fields = fieldsAt(schema, issue.path);
      for (const key of issue.keys) this.add([...at, key], issue.path.length > 0 ? `unknown field;${didYouMean(key, fields)} allowed: ${fields.join(', ')}` : unknownOption(key, fields, owner));
    }
  }
}

/** `unknown option; did you mean 'scope'? isolate's options: scope`, `unknown argument; leader takes no arguments`. */
export function unknownOption(key: string, fields: readonly string[], { name, noun, besides = [] }: SchemaOwner): string {
  const known = fields.length ? `${name}'s ${noun}s: ${fields.join(', ')}` : `${name} takes no ${noun}s`;
  return `unknown ${noun};${didYouMean(key, [...fields, ...besides])} ${known}`;
}

