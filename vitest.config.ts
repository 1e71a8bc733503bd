import { defineConfig } from 'vitest/config';

// Unit tests run in parallel first; integration tests (real Docker, real etcd) then run one file
// at a time: two cores cannot host two clusters' elections honestly.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          sequence: { groupOrder: 0 },
          // Unit files are CPU-bound and share nothing: both cores (vitest's default leaves one idle here).
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Property drills on real etcd: after integration, one file at a time, each bounded by its own time budget.
        test: {
          name: 'property',
          include: ['test/property/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          sequence: { groupOrder: 2 },
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 600_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
