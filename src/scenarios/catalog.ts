import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FAULTS } from '../faults/registry.js';
import { CHECKS } from '../checks/registry.js';
import { CONDITIONS } from './conditions.js';
import { RUNBOOKS } from './runbooks/registry.js';
import type { Catalog, OptionsSchema, Preflight } from './scenario-file.js';

/** Each registry entry's name with the schema it defines for its options or arguments. */
function schemas<T>(registry: ReadonlyMap<string, T>, schemaOf: (entry: T) => OptionsSchema): ReadonlyMap<string, OptionsSchema> {
  return new Map([...registry].map(([name, entry]) => [name, schemaOf(entry)]));
}

/** Every name a scenario file may use, with the schemas of their options, from the registries themselves. */
export function catalog(): Catalog {
  return {
    faults: schemas(FAULTS, (f) => f.options),
    runbooks: schemas(RUNBOOKS, (r) => r.options),
    conditions: schemas(CONDITIONS, (c) => c.args),
    checks: [...CHECKS.keys()],
    floors: Object.fromEntries([...CHECKS.values()].map((c) => [c.name, Object.keys(c.floors)])),
    preflights: new Map(
      [...RUNBOOKS].flatMap(([name, runbook]) => {
        const { preflight } = runbook;
        if (!preflight) return [];
        const check: Preflight = async (options, baseDir) => {
          const parsed = runbook.options.safeParse(options);
          return parsed.success ? preflight.call(runbook, parsed.data, baseDir) : [];
        };
        return [[name, check] as const];
      }),
    ),
  };
}

/** The scenarios shipped in the package's `scenarios/` folder (from `src/` and from `dist/` alike). */
export const SHIPPED_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export async function shippedScenarioFiles(): Promise<string[]> {
  return (await readdir(SHIPPED_DIR)).filter((f) => f.endsWith('.yaml')).sort().map((f) => `${SHIPPED_DIR}${f}`);
}
