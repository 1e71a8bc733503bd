// `npm run mutate`: how many planted faults (mutants) in the judges — the checks and the fuzz
// model — the unit tests catch. Not in CI (it reruns the unit tests per mutant). The run fails
// below 90% (thresholds.break); scripts/mutation-survivors.mjs then writes the score, the per-file
// figures and every surviving mutant from reports/mutation/mutation.json into
// docs/mutation-survivors.md, which the README cites.
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  mutate: ['src/checks/**/*.ts', '!src/checks/index.ts', '!src/checks/snapshots.ts', 'src/scenarios/fuzz/model.ts'],
  coverageAnalysis: 'perTest',
  // Message wording is asserted where it matters (key and member named); mutating every string of
  // every message would measure the wording, not the judging. Static initialisers rerun every test.
  mutator: { excludedMutations: ['StringLiteral'] },
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: 90 },
  // The project's TypeScript is the native 7.x compiler, whose JS API Stryker's tsconfig rewriting
  // cannot load; vitest runs the sources through esbuild, so no tsconfig needs rewriting.
  tsconfigFile: 'no-tsconfig-to-rewrite.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
