import { Command } from 'commander';
import { DrillError } from '../../errors.js';
import { log } from '../../log.js';
import { randomSeed } from '../../random.js';
import { wholeNumber } from './shared.js';

export function runCommand(): Command {
  return new Command('run')
    .argument('<scenario...>')
    .description('run scenario files (or shipped scenario names); exit 0 only when every step and check passes')
    .option('--seed <n>', 'seed for every random choice, to replay a run', wholeNumber('--seed'))
    .option('--report-dir <dir>', 'write junit.xml, and a JSON and an HTML report per scenario, here', 'reports')
    .action(async (names: string[], flags: { seed?: number; reportDir: string }) => {
      const [{ catalog, SHIPPED_DIR }, { loadScenario, ScenarioFileError }, { writeReports }, { runScenarioOnFace }] = await Promise.all([
        import('../../scenarios/catalog.js'),
        import('../../scenarios/scenario-file.js'),
        import('../../scenarios/reports/index.js'),
        import('../ui.js'),
      ]);
      /** A path as given, or the name of a shipped scenario. */
      const pathOf = (name: string) => (name.includes('/') || name.endsWith('.yaml') || name.endsWith('.yml') ? name : `${SHIPPED_DIR}${name}.yaml`);
      // Every file is validated before any cluster starts: a typo in the third file costs nothing.
      const loaded = await Promise.allSettled(names.map((name) => loadScenario(pathOf(name), catalog())));
      const problems = loaded.flatMap((r) => (r.status === 'rejected' && r.reason instanceof ScenarioFileError ? r.reason.problems : []));
      if (problems.length) throw new ScenarioFileError(problems);
      const scenarios = loaded.map((r) => {
        if (r.status === 'rejected') throw r.reason;
        return r.value;
      });
      const seed = flags.seed ?? randomSeed();
      log.info(`seed ${seed} (replay with --seed ${seed})`);
      const reports = [];
      for (const scenario of scenarios) {
        log.info(`\n▶ ${scenario.name}: ${scenario.description}`);
        reports.push(await runScenarioOnFace(scenario, seed));
      }
      const written = await writeReports(reports, flags.reportDir);
      log.info(`reports: ${written.files.join(', ')}`);
      const failed = reports.filter((r) => !r.passed).map((r) => r.scenario);
      if (failed.length) throw new DrillError(`${failed.length} of ${reports.length} scenarios failed: ${failed.join(', ')}`, { hint: `see ${written.junit} and the HTML reports` });
    });
}
