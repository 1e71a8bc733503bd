import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { classifyError } from '../../src/workload/history.js';
import { catalog } from '../../src/scenarios/catalog.js';
import { CONDITIONS, type Condition } from '../../src/scenarios/conditions.js';
import { runScenario } from '../../src/scenarios/engine.js';
import { lookupProperty } from '../../src/scenarios/fuzz/commands.js';
import { Drill, type DrillOptions } from '../../src/scenarios/fuzz/drill.js';
import { putCondition, recordPut, type PutRecorder } from '../../src/scenarios/kv-conditions.js';
import { RUNBOOKS } from '../../src/scenarios/runbooks/registry.js';
import { initialClusterFrom, listMembers } from '../../src/scenarios/runbooks/replace-member.js';
import { defineRunbook, type AnyRunbook, type RunbookContext } from '../../src/scenarios/runbooks/runbook.js';
import { Cluster } from '../../src/topology/cluster.js';
import { loadScenario } from '../../src/scenarios/scenario-file.js';
import { PEER_PORT, nextMemberName } from '../../src/topology/plan.js';
import { expectClusterGone } from '../integration/helpers.js';

/**
 * Bugs planted in test code only (never selectable from the CLI). Each must be caught by a
 * property, shrunk to at most five commands, and the written scenario file, run with the same bug,
 * must fail at the same step.
 */
const SEED = 7;
const SEARCH_BUDGET_MS = Number(process.env.ETCD_DRILL_PLANTED_BUDGET_MS ?? 360_000);

const withRunbook = (name: string, runbook: AnyRunbook) => new Map([...RUNBOOKS, [name, runbook]]);

/** A replace that adds the new member before removing the failed one (and without the quorum refusal). */
const addsBeforeRemoving = defineRunbook({
  name: 'replace-member',
  summary: 'planted bug: member add before member remove',
  options: z.object({}).passthrough(),
  run: async (ctx: RunbookContext) => {
    await ctx.cluster.waitForLeader();
    const statuses = await ctx.cluster.status();
    const failed = statuses.find((s) => !s.healthy)?.name;
    const via = statuses.find((s) => s.healthy)?.name as string;
    if (!failed) return { summary: 'nothing to replace' };
    const listed = await listMembers(ctx.cluster, via);
    const newName = nextMemberName([...ctx.cluster.members.map((m) => m.name), ...listed.map((m) => m.name)]);
    const scheme = ctx.cluster.spec.tls ? 'https' : 'http';
    const { stdout } = await ctx.cluster.etcdctl(['member', 'add', newName, `--peer-urls=${scheme}://${newName}:${PEER_PORT}`], { member: via });
    await ctx.cluster.startAddedMember(newName, initialClusterFrom(stdout));
    const entry = listed.find((m) => m.name === failed);
    if (entry) await ctx.cluster.etcdctl(['member', 'remove', entry.id], { member: via });
    await ctx.cluster.forgetMember(failed);
    return { summary: `added ${newName}, then removed ${failed}` };
  },
});

/**
 * The real restore runbook, planted at its seam with the cluster handle: the last member is started
 * on a fresh, empty volume instead of the data dir restored for it.
 */
function plantSkippedDataDir(): () => void {
  const start = Cluster.prototype.startRestoredMembers;
  const spy = vi.spyOn(Cluster.prototype, 'startRestoredMembers').mockImplementation(function (this: Cluster, volumes, dataDir, token) {
    const skipped = Object.keys(volumes).at(-1) as string;
    return start.call(this, { ...volumes, [skipped]: `${volumes[skipped]}-skipped` }, dataDir, token);
  });
  return () => spy.mockRestore();
}

/** An observer that records a timed-out write as acknowledged. */
const liesAboutTimeouts: PutRecorder = async (...args) => {
  const outcome = await recordPut(...args);
  return !outcome.acked && classifyError(outcome.error) === 'timeout' ? { acked: true, revision: 0 } : outcome;
};
const lyingConditions: ReadonlyMap<string, Condition> = new Map([...CONDITIONS, ['put', putCondition(liesAboutTimeouts)]]);

/** `options` swap a registry entry; `plant` spies on the real code path and returns how to undo it. */
const PLANTED: { bug: string; property: string; options: DrillOptions; plant?: () => () => void; message: RegExp }[] = [
  { bug: 'a replace that adds the new member before removing the failed one', property: 'replace', options: { runbooks: withRunbook('replace-member', addsBeforeRemoving) }, message: /member|quorum|healthy|started/i },
  { bug: 'a restore that skips one member’s data dir', property: 'snapshot-restore', options: {}, plant: plantSkippedDataDir, message: /member3/ },
  { bug: 'an observer that records a timed-out write as acknowledged', property: 'quorum-writes', options: { conditions: lyingConditions }, message: /acknowledged by member\d although quorum is lost/ },
];

function commandCount(commands: string): number {
  return commands.replace(/\/\*.*\*\//, '').split(',').filter((c) => c.trim() !== '').length;
}

describe('planted bugs are caught, shrunk and replayable', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etcd-drill-planted-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(PLANTED.map((p) => [p.bug, p] as const))('%s', async (_bug, planted) => {
    const unplant = planted.plant?.();
    onTestFinished(() => unplant?.());
    const started = Date.now();
    const name = `planted-${planted.property}`.slice(0, 31);
    const drill = await Drill.start({ name, topology: 'cluster', members: 3 }, planted.options);
    let result;
    try {
      result = await drill.check(lookupProperty(planted.property)!, { seed: SEED, timeLimitMs: SEARCH_BUDGET_MS });
    } finally {
      await drill.stop();
    }
    await expectClusterGone(name);
    const failure = result.failure;
    expect(failure, `${planted.bug} was not caught in ${result.runs} runs`).toBeDefined();
    if (!failure) return;
    const searchMs = Date.now() - started;
    console.log(`${planted.bug}: caught after ${result.runs} runs, ${result.shrinks} shrinks, ${Math.round(searchMs / 1000)} s; shrunk to ${commandCount(failure.commands)} commands (${failure.commands}), ${failure.steps.length} steps; failed at "${failure.failedStep}": ${failure.error}`);
    expect(commandCount(failure.commands)).toBeLessThanOrEqual(5);
    expect(failure.error).toMatch(planted.message);

    const file = join(dir, `${planted.property}.yaml`);
    await writeFile(file, drill.scenarioFor(failure));
    const scenario = await loadScenario(file, catalog());
    const report = await runScenario(scenario, { seed: failure.seed, ...planted.options });
    const failed = report.steps.find((s) => s.state === 'failed');
    console.log(`replayed ${file} in ${Math.round((report.endedAt - report.startedAt) / 1000)} s: failed at "${failed?.name}": ${failed?.message}`);
    expect(report.passed).toBe(false);
    expect(failed?.name).toBe(failure.failedStep);
    expect(failed?.message).toMatch(planted.message);
  });
});
