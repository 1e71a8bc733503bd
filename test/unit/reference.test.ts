import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/registry.js';
import { FAULTS } from '../../src/faults/registry.js';
import { buildProgram } from '../../src/cli/main.js';
import { CONDITIONS } from '../../src/scenarios/conditions.js';
import { REFERENCE_KINDS, optionsOf, reference, referenceMarkdown } from '../../src/scenarios/reference.js';
import { RUNBOOKS } from '../../src/scenarios/runbooks/registry.js';
import { z } from 'zod';

describe('the reference, made from the registries', () => {
  it('docs/reference.md is what `npm run docs:reference` writes now (run it after changing a registry)', async () => {
    expect(await readFile(new URL('../../docs/reference.md', import.meta.url), 'utf8')).toBe(referenceMarkdown());
  });

  it('names every fault, runbook, condition and check there is', () => {
    const names = (kind: (typeof REFERENCE_KINDS)[number]) => reference(kind).map((e) => e.name);
    expect(names('faults')).toEqual([...FAULTS.keys()]);
    expect(names('runbooks')).toEqual([...RUNBOOKS.keys()]);
    expect(names('conditions')).toEqual([...CONDITIONS.keys()]);
    expect(names('checks')).toEqual([...CHECKS.keys()]);
    for (const kind of REFERENCE_KINDS) for (const entry of reference(kind)) expect(entry.summary, `${kind}: ${entry.name}`).not.toBe('');
  });

  it('reads each option as the parser does: type, default or required, bounds and choices', () => {
    const schema = z.object({ order: z.enum(['a', 'b']).default('a'), n: z.number().int().min(1).max(9).optional(), script: z.string().min(1), pct: z.number().gt(0).max(100).default(30) }).strict();
    expect(optionsOf(schema)).toEqual([
      { name: 'order', type: 'one of', presence: 'default "a"', allowed: 'a | b' },
      { name: 'n', type: 'integer', presence: 'optional', allowed: '≥ 1, ≤ 9' },
      { name: 'script', type: 'string', presence: 'required', allowed: 'not empty' },
      { name: 'pct', type: 'number', presence: 'default 30', allowed: '> 0, ≤ 100' },
    ]);
  });

  it('is printed by a command of each kind, which the runbooks\' option errors point to', () => {
    const commands = buildProgram().commands.map((c) => c.name());
    expect(commands).toEqual(expect.arrayContaining([...REFERENCE_KINDS]));
  });
});
