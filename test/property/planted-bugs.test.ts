import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { classifyError } from '../../src/workload/history.js';
import { catalog } from '../../src/scenarios/catalog.js';
import { CONDITIONS, type Condition } from '../../src/scenarios/conditions.js';
import { runScenario } from '../../src/scenarios/engine.js';
import { lookupProperty } from '../../src/scenarios/fuzz/commands.js';
import { Drill, type DrillOptions } from '../../src/scenarios/fuzz/drill.js';
import { putCondition, recordPut, type PutRecorder } from '../../src/scenarios/kv-conditions.js';
import { loadScenario } from '../../src/scenarios/scenario-file.js';
import { expectClusterGone } from '../integration/helpers.js';
import { plantAddBeforeRemove, plantOldToken, plantSkippedDataDir, plantUnencryptedBackup } from '../support/plants.js';

/**
 * Bugs planted in test code only (never selectable from the CLI). Each must be caught by a
 * property, shrunk to at most five commands, and the written scenario file, run with the same bug,
 * must fail at the same step.
 */
/**
 * `ETCD_DRILL_PLANTED_SEEDS=20` (`npm run soak:planted`) searches each bug from that many seeds,
 * from seed 7 (or `ETCD_DRILL_PLANTED_FIRST_SEED`): the target is at least 19 of 20.
 */
const FIRST_SEED = Number(process.env.ETCD_DRILL_PLANTED_FIRST_SEED ?? 7);
const SEEDS = Array.from({ length: Number(process.env.ETCD_DRILL_PLANTED_SEEDS ?? 1) }, (_, i) => FIRST_SEED + i);
const SEARCH_BUDGET_MS = Number(process.env.ETCD_DRILL_PLANTED_BUDGET_MS ?? 360_000);

/** An observer that records a timed-out write as acknowledged. */
const liesAboutTimeouts: PutRecorder = async (...args) => {
  const outcome = await recordPut(...args);
  return !outcome.acked && classifyError(outcome.error) === 'timeout' ? { acked: true, revision: 0 } : outcome;
};
const lyingConditions: ReadonlyMap<string, Condition> = new Map([...CONDITIONS, ['put', putCondition(liesAboutTimeouts)]]);

/** `options` swap a registry entry; `plant` spies on the real code path and returns how to undo it. */
const PLANTED: { bug: string; property: string; options: DrillOptions; plant?: () => () => void; message: RegExp }[] = [
  { bug: 'a replace that adds the new member before removing the failed one', property: 'replace', options: {}, plant: plantAddBeforeRemove, message: /member add member\d.*while member\d.* unreachable/ },
  { bug: 'a restore that skips one member’s data dir', property: 'snapshot-restore', options: {}, plant: plantSkippedDataDir, message: /member3/ },
  { bug: 'a restore that keeps the old cluster token', property: 'snapshot-restore', options: {}, plant: plantOldToken, message: /restore-new-cluster: .*kept cluster ID \w+: member1, member2, member3/ },
  { bug: 'a backup step that leaves the snapshot unencrypted', property: 'snapshot-restore', options: {}, plant: plantUnencryptedBackup, message: /backup-encrypted: backup-\d\.db\.age .*plaintext etcd snapshot/ },
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

  it.each(PLANTED.flatMap((p) => SEEDS.map((seed) => [p.bug, seed, p] as const)))('%s (seed %i)', async (_bug, seed, planted) => {
    const unplant = planted.plant?.();
    onTestFinished(() => unplant?.());
    const started = Date.now();
    const name = `planted-${planted.property}`.slice(0, 31);
    const drill = await Drill.start({ name, topology: 'cluster', members: 3 }, planted.options);
    let result;
    try {
      result = await drill.check(lookupProperty(planted.property)!, { seed, timeLimitMs: SEARCH_BUDGET_MS });
    } finally {
      await drill.stop();
    }
    await expectClusterGone(name);
    const failure = result.failure;
    expect(failure, `${planted.bug} was not caught in ${result.runs} runs`).toBeDefined();
    if (!failure) return;
    const searchMs = Date.now() - started;
    console.log(`${planted.bug} (seed ${seed}): caught after ${result.runs} runs, ${result.shrinks} shrinks, ${Math.round(searchMs / 1000)} s; shrunk to ${commandCount(failure.commands)} commands (${failure.commands}), ${failure.steps.length} steps; failed at "${failure.failedStep}": ${failure.error}`);
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
