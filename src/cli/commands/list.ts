import { Command } from 'commander';
import { table } from '../format.js';

export function listCommand(): Command {
  return new Command('list').description('the shipped scenarios, each with its one-line description').action(async () => {
    const [{ catalog, shippedScenarioFiles }, { loadScenario }] = await Promise.all([import('../../scenarios/catalog.js'), import('../../scenarios/scenario-file.js')]);
    const rows: string[][] = [];
    for (const file of await shippedScenarioFiles()) {
      const scenario = await loadScenario(file, catalog());
      rows.push([scenario.name, scenario.description]);
    }
    process.stdout.write(`${table(['SCENARIO', 'WHAT IT REHEARSES'], rows)}\n`);
  });
}
