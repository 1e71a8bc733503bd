import { truncate } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { catalog, shippedScenarioFiles } from '../../src/scenarios/catalog.js';
import { runScenario } from '../../src/scenarios/engine.js';
import { RUNBOOKS } from '../../src/scenarios/runbooks/registry.js';
import { PEER_PORT, nextMemberName } from '../../src/topology/plan.js';
import { initialClusterFrom, listMembers } from '../../src/scenarios/runbooks/replace-member.js';
import { RESTORED_DATA_DIR, restoreDataDirs, restoreToken, restoreVolume, snapshotBytes } from '../../src/scenarios/runbooks/restore.js';
import { defineRunbook, latestArtifact, type AnyRunbook, type RunbookContext } from '../../src/scenarios/runbooks/runbook.js';
import { loadScenario } from '../../src/scenarios/scenario-file.js';
import type { Report } from '../../src/scenarios/types.js';
import { z } from 'zod';

const files = await shippedScenarioFiles();

function explain(report: Report): string {
  return [...report.steps.filter((s) => s.state === 'failed').map((s) => `step ${s.name}: ${s.message}`), ...report.checks.filter((c) => !c.ok).map((c) => `check ${c.check}: ${c.message}`)].join('\n');
}

describe('every shipped scenario passes on real etcd', () => {
  it.each(files.map((f) => [f.split('/').pop() as string, f]))('%s', async (_name, file) => {
    const scenario = await loadScenario(file, catalog());
    const report = await runScenario(scenario, { seed: 11 });
    for (const verdict of report.checks) console.log(`${scenario.name}: ${verdict.check} ${verdict.status}: ${verdict.message}`);
    expect(report.passed, explain(report)).toBe(true);
    // Green means looked at: linearizability and the watch judged, every count at or above its floor.
    expect(report.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['linearizability', 'watch', 'no-stale-reads', 'acked-writes-durable']));
    for (const verdict of report.checks) for (const e of verdict.evidence) expect(e.count, `${verdict.check}: ${e.what}`).toBeGreaterThanOrEqual(Math.max(1, e.min));
    if (scenario.name === 'quorum-loss-and-restore') {
      console.log(`quorum-loss-and-restore: RTO ${report.metrics.rtoMs} ms, RPO ${report.metrics.rpoWrites} writes`);
      expect(report.metrics.rpoWrites).toBeGreaterThan(0);
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

  it('a restore that leaves the API servers running', async () => {
    const leavesThemRunning = defineRunbook({
      ...real('restore'),
      run: (ctx: RunbookContext, options) => {
        const running = ctx.workload;
        // The same restore, handed API servers whose stop and start do nothing.
        const workload = running ? Object.create(running, { stop: { value: async () => running.history }, start: { value: async () => undefined } }) : undefined;
        return real('restore').run({ ...ctx, workload }, options);
      },
    });
    const report = await runScenario(await quorumLoss(), { seed: 11, runbooks: withRunbook('restore', leavesThemRunning) });
    expect(report.passed).toBe(false);
    expect(report.checks.find((c) => c.check === 'restore-rpo')?.message).toMatch(/API servers were not stopped: \d+ operations issued while etcd was being restored/);
  });

  it('a restore that skips one member’s data dir', async () => {
    const skipsOne = defineRunbook({
      ...real('restore'),
      run: async (ctx: RunbookContext) => {
        const artifact = latestArtifact(ctx) as NonNullable<ReturnType<typeof latestArtifact>>;
        const bytes = await snapshotBytes(artifact);
        await ctx.workload?.stop();
        await ctx.cluster.removeMemberContainers();
        const names = ctx.cluster.members.map((m) => m.name);
        const skipped = names[names.length - 1] as string;
        const token = restoreToken(ctx.cluster, 1);
        const volumes = await restoreDataDirs(ctx.cluster, bytes, { skipHashCheck: false, attempt: 1, token, members: names.slice(0, -1) });
        volumes[skipped] = restoreVolume(ctx.cluster, skipped, 1);
        await ctx.cluster.startRestoredMembers(volumes, RESTORED_DATA_DIR, token);
        return { summary: 'restored (but not every member)' };
      },
    });
    const report = await runScenario(await quorumLoss(), { seed: 11, runbooks: withRunbook('restore', skipsOne) });
    expect(report.passed).toBe(false);
    expect(explain(report)).toMatch(/member5/);
  });

  it('a replace that forgets `member remove`', async () => {
    const forgetsRemove = defineRunbook({
      name: 'replace-member',
      summary: 'doctored',
      options: z.object({}).passthrough(),
      run: async (ctx: RunbookContext) => {
        const statuses = await ctx.cluster.status();
        const failed = statuses.find((s) => !s.healthy)?.name as string;
        const via = statuses.find((s) => s.healthy)?.name as string;
        const newName = nextMemberName((await listMembers(ctx.cluster, via)).map((m) => m.name));
        const scheme = ctx.cluster.spec.tls ? 'https' : 'http';
        const { stdout } = await ctx.cluster.etcdctl(['member', 'add', newName, `--peer-urls=${scheme}://${newName}:${PEER_PORT}`], { member: via });
        await ctx.cluster.startAddedMember(newName, initialClusterFrom(stdout));
        await ctx.cluster.forgetMember(failed);
        return { summary: `added ${newName}` };
      },
    });
    const scenario = await loadScenario(files.find((f) => f.endsWith('replace-failed-member.yaml')) as string, catalog());
    const report = await runScenario(scenario, { seed: 11, runbooks: withRunbook('replace-member', forgetsRemove) });
    expect(report.passed).toBe(false);
    expect(explain(report)).toMatch(/member list|members? .*(6|expected 5)|unreachable|healthy/);
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
    const report = await runScenario(await quorumLoss(), { seed: 11, runbooks: withRunbook('encrypted-backup', truncatesIt) });
    expect(report.passed).toBe(false);
    const restore = report.steps.find((s) => s.name.startsWith('restore'));
    expect(restore?.state).toBe('failed');
    expect(restore?.message).toMatch(/cannot be decrypted .*wrong key or damaged file; nothing was restored/);
  });
});
