import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FAULTS } from '../faults/registry.js';
import { CHECKS } from '../checks/registry.js';
import { CONDITIONS } from './conditions.js';
import { RUNBOOKS } from './runbooks/registry.js';
import type { Catalog } from './scenario-file.js';

/** Every name a scenario file may use, from the registries themselves. */
export function catalog(): Catalog {
  return { faults: [...FAULTS.keys()], runbooks: [...RUNBOOKS.keys()], conditions: [...CONDITIONS.keys()], checks: [...CHECKS.keys()], floors: Object.fromEntries([...CHECKS.values()].map((c) => [c.name, Object.keys(c.floors)])) };
}

/** The scenarios shipped in the package's `scenarios/` folder (from `src/` and from `dist/` alike). */
export const SHIPPED_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export async function shippedScenarioFiles(): Promise<string[]> {
  return (await readdir(SHIPPED_DIR)).filter((f) => f.endsWith('.yaml')).sort().map((f) => `${SHIPPED_DIR}${f}`);
}
