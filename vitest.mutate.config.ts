import { defineConfig } from 'vitest/config';

// The unit tests that judge the judges, for `npm run mutate` (Stryker): no Docker, no UI.
export default defineConfig({
  test: {
    include: [
      'test/unit/checks.test.ts',
      'test/unit/restore-rpo.test.ts',
      'test/unit/linearizability.test.ts',
      'test/unit/linearizability-cases.test.ts',
      'test/unit/watch-check.test.ts',
      'test/unit/watch-cases.test.ts',
      'test/unit/check-cli.test.ts',
      'test/unit/fuzz-model.test.ts',
      'test/unit/report-writers.test.ts',
      'test/unit/runbook-checks.test.ts',
    ],
  },
});
