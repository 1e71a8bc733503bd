import { z } from 'zod';
import { CHECKS } from '../checks/registry.js';
import { FAULTS } from '../faults/registry.js';
import { formatTarget } from '../faults/target.js';
import { CONDITIONS } from './conditions.js';
import { RUNBOOKS } from './runbooks/registry.js';
import { REFERENCE_KINDS, type ReferenceKind } from './reference-kinds.js';

/**
 * The reference of what a scenario file, the CLI and the UI can name — faults, runbooks, conditions
 * and checks with their options — made from the registries' own schemas, so it cannot say other
 * than the parser enforces. `etcd-drill faults|runbooks|conditions|checks` print it; docs/reference.md
 * is written from it (`npm run docs:reference`, and a unit test fails when that file is stale).
 */

export interface ReferenceOption {
  name: string;
  type: string;
  /** "required", "default 30", or "optional". */
  presence: string;
  /** Bounds and allowed values: "1–100", "kill | stop | isolate". */
  allowed: string;
}

export interface ReferenceEntry {
  name: string;
  summary: string;
  /** A fault's default target, a check's floors: what else a user sets or meets. */
  notes: string[];
  options: ReferenceOption[];
}

export { REFERENCE_KINDS, type ReferenceKind } from './reference-kinds.js';

interface JsonSchemaProperty {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  minLength?: number;
  items?: JsonSchemaProperty;
  properties?: Record<string, JsonSchemaProperty>;
}

/** One row per option, read from the schema as the parser reads it (zod's own JSON Schema of its input). */
export function optionsOf(schema: z.ZodType): ReferenceOption[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchemaProperty>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({
    name,
    type: typeOf(p),
    presence: p.default !== undefined ? `default ${JSON.stringify(p.default)}` : json.required?.includes(name) ? 'required' : 'optional',
    allowed: allowedOf(p),
  }));
}

function typeOf(p: JsonSchemaProperty): string {
  if (p.enum) return 'one of';
  const types = [p.type ?? 'any'].flat().join(' or ');
  return types === 'array' && p.items ? `list of ${typeOf(p.items)}` : types;
}

function allowedOf(p: JsonSchemaProperty): string {
  if (p.enum) return p.enum.map((v) => String(v)).join(' | ');
  // An option that is itself a set of fields (a runbook's `bounds`): each with its type and bounds.
  if (p.properties) return `{ ${Object.entries(p.properties).map(([name, field]) => [`${name}: ${typeOf(field)}`, allowedOf(field)].filter(Boolean).join(' ')).join('; ')} }`;
  // zod bounds every integer by the safe range: only a bound the schema itself sets is news.
  const set = (n: number | undefined) => (n === undefined || Math.abs(n) === Number.MAX_SAFE_INTEGER ? undefined : n);
  const low = set(p.minimum ?? p.exclusiveMinimum);
  const high = set(p.maximum ?? p.exclusiveMaximum);
  const bounds = [low === undefined ? '' : `${p.exclusiveMinimum !== undefined ? '>' : '≥'} ${low}`, high === undefined ? '' : `${p.exclusiveMaximum !== undefined ? '<' : '≤'} ${high}`].filter(Boolean);
  if (p.minItems) bounds.push(`at least ${p.minItems} item${p.minItems === 1 ? '' : 's'}`);
  if (p.minLength) bounds.push('not empty');
  return bounds.join(', ');
}

export function reference(kind: ReferenceKind): ReferenceEntry[] {
  switch (kind) {
    case 'faults':
      return [...FAULTS.values()].map((f) => ({ name: f.kind, summary: f.summary, notes: [`default target: ${formatTarget(f.defaultTarget)}`], options: optionsOf(f.options) }));
    case 'runbooks':
      return [...RUNBOOKS.values()].map((r) => ({ name: r.name, summary: r.summary, notes: [], options: optionsOf(r.options) }));
    case 'conditions':
      return [...CONDITIONS].map(([name, c]) => ({ name, summary: c.summary, notes: [], options: optionsOf(c.args) }));
    case 'checks':
      return [...CHECKS.values()].map((c) => ({
        name: c.name,
        summary: c.description,
        notes: [`floors: ${Object.entries(c.floors).map(([floor, min]) => `${floor} ≥ ${min}`).join(', ')}`],
        options: [],
      }));
  }
}

/** The reference as the terminal shows it: a name and its summary, then its notes and options indented. */
export function referenceText(kind: ReferenceKind): string {
  return reference(kind)
    .map((e) => [`${e.name} — ${e.summary}`, ...e.notes.map((n) => `    ${n}`), ...(e.options.length ? e.options.map((o) => `    ${o.name}: ${o.type}${o.allowed ? ` ${o.allowed}` : ''}, ${o.presence}`) : kind === 'checks' ? [] : ['    no options'])].join('\n'))
    .join('\n');
}

const TITLES: Record<ReferenceKind, string> = {
  faults: 'Faults (`fault:` steps, `etcd-drill fault KIND --option value`)',
  runbooks: 'Runbooks (`runbook:` steps, `options:`)',
  conditions: 'Conditions (`wait-for:` and `expect:` steps)',
  checks: 'Checks (`checks:`, `expect: { check: NAME }`; floors under `floors:`)',
};

/** docs/reference.md. */
export function referenceMarkdown(): string {
  const sections = REFERENCE_KINDS.map((kind) => {
    const entries = reference(kind).map((e) => {
      const options = e.options.length
        ? ['', '| option | type | allowed | presence |', '|---|---|---|---|', ...e.options.map((o) => `| \`${o.name}\` | ${o.type} | ${o.allowed.replace(/\|/g, '\\|') || '—'} | ${o.presence} |`)]
        : kind === 'checks'
          ? []
          : ['', 'No options.'];
      return [`### \`${e.name}\``, '', e.summary, ...e.notes.map((n) => `\n${n}`), ...options].join('\n');
    });
    return [`## ${TITLES[kind]}`, '', ...entries.flatMap((e) => [e, ''])].join('\n');
  });
  return ['# Reference', '', 'Generated from the registries\' own schemas by `npm run docs:reference`; do not edit by hand. `etcd-drill faults`, `runbooks`, `conditions` and `checks` print the same.', '', ...sections].join('\n').trimEnd() + '\n';
}
