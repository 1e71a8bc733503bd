import { truncate } from 'node:fs/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runScenarioLeavingNothing } from './helpers.js';
import { catalog, shippedScenarioFiles } from '../../src/scenarios/catalog.js';
import { RUNBOOKS } from '../../src/scenarios/runbooks/registry.js';
import { defineRunbook, latestArtifact, type AnyRunbook, type RunbookContext } from '../../src/scenarios/runbooks/runbook.js';
import { loadScenario } from '../../src/scenarios/scenario-file.js';
import type { Report } from '../../src/scenarios/types.js';
import { plantForgottenRemove } from '../support/plants.js';

const files = await shippedScenarioFiles();

function explain(report: Report): string {
  return [...report.steps.filter((s) => s.state === 'failed').map((s) => `step ${s.name}: ${s.message}`), ...report.checks.filter((c) => !c.ok).map((c) => `check ${c.check}: ${c.message}`)].join('\n');
}

describe('every shipped scenario passes on real etcd', () => {
  it.each(files.map((f) => [f.split('/').pop() as string, f]))('%s', async (_name, file) => {
    const scenario = await loadScenario(file, catalog());
    const report = await runScenarioLeavingNothing(scenario, { seed: 11 });
    for (const verdict of report.checks) console.log(`${scenario.name}: ${verdict.check} ${verdict.status}: ${verdict.message}`);
    expect(report.passed, explain(report)).toBe(true);
    // Green means looked at: linearizability and the watch judged, every count at or above its floor.
    expect(report.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['linearizability', 'watch', 'no-stale-reads', 'acked-writes-durable']));
    for (const verdict of report.checks) for (const e of verdict.evidence) expect(e.count, `${verdict.check}: ${e.what}`).toBeGreaterThanOrEqual(Math.max(1, e.min));
    if (scenario.name === 'quorum-loss-and-restore') {
      const { rtoMs, rpoWrites, snapshotKeys, restoredKeys, dbSizeBytes, stateKeys } = report.metrics;
      console.log(`quorum-loss-and-restore: RTO ${rtoMs} ms, RPO ${rpoWrites} writes; ${stateKeys} objects preloaded, ${snapshotKeys} keys backed up, ${restoredKeys} restored, database ${dbSizeBytes} bytes`);
      expect(rpoWrites).toBeGreaterThan(0);
      // On `small`: the control plane's objects were backed up and every one came back (the restore proves it by hash).
      expect(snapshotKeys).toBeGreaterThan(Number(stateKeys));
      expect(restoredKeys).toBe(snapshotKeys);
      expect(dbSizeBytes).toBeGreaterThan(3_000_000);
      // The informers on the preloaded prefixes listed the same objects before and after the restore.
      const watchMessage = report.checks.find((c) => c.check === 'watch')?.message ?? '';
      const informers = /informers on 4 preloaded prefixes, 0 events; objects in each epoch's first lists: ([\d,]+), then ([\d,]+)$/.exec(watchMessage);
      expect(informers, watchMessage).not.toBeNull();
      expect(informers?.[1]).toBe(informers?.[2]);
      expect(Number(informers?.[1]?.replace(/,/g, ''))).toBeGreaterThan(1_000);
    }
    if (scenario.name === 'replace-two-failed-members') {
      // One learner at a time, each promoted once etcd said it had caught up.
      const joined = 'as a learner, promoted after \\d+\\.\\d s( \\(\\d+ refused as not yet in sync\\))?';
      expect(report.steps.find((s) => s.name.startsWith('remove both'))?.message).toMatch(new RegExp(`^replaced member\\d → member6 ${joined}, member\\d → member7 ${joined}$`));
    }
    if (scenario.name === 'slow-disk-on-leader') {
      // What the operator sees, as etcd itself reported it over the run: the stalled member's fsyncs, and the election.
      const stalled = report.signals?.find((s) => (s.walFsyncP99Ms ?? 0) >= 1_000);
      console.log(`slow-disk-on-leader signals: ${JSON.stringify(report.signals)}`);
      expect(stalled, JSON.stringify(report.signals)).toBeDefined();
      expect(Math.max(...(report.signals ?? []).map((s) => s.leaderChanges))).toBeGreaterThanOrEqual(1);
    }
    if (scenario.name === 'defrag-under-load') {
      // Every strategy defragmented every member under load; move-leader handed leadership over, and etcd saw it.
      for (const strategy of ['all-at-once', 'followers-first', 'move-leader']) {
        expect(report.metrics[`defrag.${strategy}.ms`], strategy).toBeGreaterThan(0);
        expect(report.metrics[`defrag.${strategy}.writeP99Ms`], strategy).toBeGreaterThan(0);
      }
      const moved = / then leadership (member\d) → (member\d), then \1 /.exec(report.steps.find((s) => s.name.startsWith('the followers, then move-leader'))?.message ?? '');
      expect(moved).not.toBeNull();
      expect(report.timeline.some((e) => e.type === 'leader.changed' && e.to === moved?.[2])).toBe(true);
      expect(report.metrics['defrag.move-leader.elections']).toBe(0);
    }
  });
});

/**
 * Doctored runbooks, in test code only: each must make its scenario fail with a message that says
 * what went wrong. A drill that passes whatever the runbook does proves nothing.
 */
describe('doctored runbooks fail their scenario', () => {
  const withRunbook = (name: string, runbook: AnyRunbook) => new Map([...RUNBOOKS, [name, runbook]]);
  const real = (name: string) => RUNBOOKS.get(name) as AnyRunbook;
  const quorumLoss = () => loadScenario(files.find((f) => f.endsWith('quorum-loss-and-restore.yaml')) as string, catalog());

  it('a replace that forgets `member remove` (planted in the real replace)', async () => {
    onTestFinished(plantForgottenRemove());
    const scenario = await loadScenario(files.find((f) => f.endsWith('replace-two-failed-members.yaml')) as string, catalog());
    const report = await runScenarioLeavingNothing(scenario, { seed: 11 });
    expect(report.passed).toBe(false);
    const replace = report.steps.find((s) => s.name.startsWith('remove both'));
    expect(replace?.message).toMatch(/etcd refuses `member add member6` .*while member\d, member\d are unreachable/);
  });

  it('a backup file that is truncated is detected, and nothing is restored from it', async () => {
    const truncatesIt = defineRunbook({
      ...real('encrypted-backup'),
      run: async (ctx: RunbookContext, options) => {
        const outcome = await real('encrypted-backup').run(ctx, options);
        const artifact = latestArtifact(ctx, 'encrypted-backup') as NonNullable<ReturnType<typeof latestArtifact>>;
        await truncate(artifact.path, Math.floor(artifact.sizeBytes / 2));
        return outcome;
      },
    });
    // The damaged file is refused before anything is restored, whatever the cluster's size: three members show it.
    const scenario = await quorumLoss();
    const report = await runScenarioLeavingNothing({ ...scenario, topology: { ...scenario.topology, members: 3 } }, { seed: 11, runbooks: withRunbook('encrypted-backup', truncatesIt) });
    expect(report.passed).toBe(false);
    const restore = report.steps.find((s) => s.name.startsWith('restore'));
    expect(restore?.state).toBe('failed');
    expect(restore?.message).toMatch(/cannot be decrypted .*wrong key or damaged file; nothing was restored/);
  });
});
