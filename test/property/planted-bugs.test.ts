import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { catalog } from '../../src/scenarios/catalog.js';
import { lookupProperty } from '../../src/scenarios/fuzz/commands.js';
import { Drill } from '../../src/scenarios/fuzz/drill.js';
import { randomSeed } from '../../src/random.js';
import { loadScenario } from '../../src/scenarios/scenario-file.js';
import { expectClusterGone, runScenarioLeavingNothing } from '../integration/helpers.js';
import { plantAcknowledgedTimeouts, plantAddBeforeRemove, plantOldToken, plantSkippedDataDir, plantUnencryptedBackup } from '../support/plants.js';
import { SoakTable } from '../support/soak-table.js';

/**
 * Bugs planted in the real code path (at its seam with the cluster handle or a library, never in a
 * copy of it; never selectable from the CLI). Each must be caught by a property, by a named step or
 * check other than the code it corrupts, with a message that names the key or member; shrunk to the
 * few commands it needs; and the written scenario file, run with the same bug, must fail at the
 * same step.
 *
 * CI searches each from a fresh seed every run, printed with its replay command.
 * `npm run soak:planted` (ETCD_DRILL_PLANTED_SEEDS=20, from ETCD_DRILL_PLANTED_FIRST_SEED) searches
 * each from that many seeds and writes the per-seed table to docs/planted-soak.md: the target is at
 * least 19 of 20.
 */
const SEED_COUNT = Number(process.env.ETCD_DRILL_PLANTED_SEEDS ?? 1);
const FIRST_SEED = Number(process.env.ETCD_DRILL_PLANTED_FIRST_SEED ?? randomSeed());
const SEEDS = Array.from({ length: SEED_COUNT }, (_, i) => FIRST_SEED + i);
const SEARCH_BUDGET_MS = Number(process.env.ETCD_DRILL_PLANTED_BUDGET_MS ?? 360_000);

/** `caughtBy` is the step (as the timeline names it) that must fail; `shrunkTo` the commands the bug needs at most. */
const PLANTED: { bug: string; property: string; plant: () => () => void; caughtBy: RegExp; message: RegExp; shrunkTo: number }[] = [
  {
    bug: 'a replace that adds the new member before removing the failed one',
    property: 'replace',
    plant: plantAddBeforeRemove,
    caughtBy: /^runbook replace-member/,
    message: /etcd refuses `member add member\d+` .*while member\d.* unreachable/,
    shrunkTo: 2,
  },
  {
    bug: 'a restore that skips one member’s data dir',
    property: 'snapshot-restore',
    plant: plantSkippedDataDir,
    caughtBy: /^runbook restore/,
    message: /the restored members do not all hold the snapshot: .*but member3 (hashes to \d+|cannot tell its hash)/,
    shrunkTo: 2,
  },
  {
    bug: 'a restore that keeps the old cluster token',
    property: 'snapshot-restore',
    plant: plantOldToken,
    caughtBy: /^check restore-new-cluster/,
    message: /restore-new-cluster: .*kept cluster ID \w+: member1, member2, member3/,
    shrunkTo: 2,
  },
  {
    bug: 'a backup step that leaves the snapshot unencrypted',
    property: 'snapshot-restore',
    plant: plantUnencryptedBackup,
    caughtBy: /^check backup-encrypted/,
    message: /backup-encrypted: backup-\d\.db\.age .*plaintext etcd snapshot/,
    shrunkTo: 1,
  },
  {
    bug: 'a client library that answers a timed-out put as acknowledged',
    property: 'quorum-writes',
    plant: plantAcknowledgedTimeouts,
    caughtBy: /^expect put$|^the drill's check after/,
    message: /put \/fuzz\/k\d=\d+ was acknowledged by member\d although quorum is lost|\/fuzz\/k\d should hold the acknowledged '\d+' but holds/,
    shrunkTo: 3,
  },
];

function commandCount(commands: string): number {
  return commands.replace(/\/\*.*\*\//, '').split(',').filter((c) => c.trim() !== '').length;
}

const soak = new SoakTable('property drills', SEED_COUNT);

describe('planted bugs are caught, shrunk and replayable', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etcd-drill-planted-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await soak.write();
  });

  it.each(PLANTED.flatMap((p) => SEEDS.map((seed) => [p.bug, seed, p] as const)))('%s (seed %i)', async (_bug, seed, planted) => {
    console.log(`${planted.bug}: seed ${seed}; replay: ETCD_DRILL_PLANTED_FIRST_SEED=${seed} npx vitest run test/property/planted-bugs.test.ts -t '${planted.bug}'`);
    onTestFinished(planted.plant());
    const started = Date.now();
    const name = `planted-${planted.property}`.slice(0, 31);
    const drill = await Drill.start({ name, topology: 'cluster', members: 3 });
    let result;
    try {
      // No replay here: the scenario file below, run on a cluster of its own, is the proof that it fails again.
      result = await drill.check(lookupProperty(planted.property)!, { seed, timeLimitMs: SEARCH_BUDGET_MS, replays: 0 });
      // A catch by the model's own check outside any step is proven by a replay of the run instead: a file of steps may pass.
      if (result.failure && !result.failure.replayable) result.failure.replays = await drill.replay(result.failure, 1);
    } finally {
      await drill.stop();
    }
    await expectClusterGone(name);
    const failure = result.failure;
    const searchMs = Date.now() - started;
    soak.record({ bug: planted.bug, seed, caught: failure !== undefined, detail: failure ? `after ${result.runs} runs, shrunk to ${commandCount(failure.commands)} commands, at "${failure.failedStep}"` : `not in ${result.runs} runs`, searchMs });
    expect(failure, `${planted.bug} was not caught in ${result.runs} runs`).toBeDefined();
    if (!failure) return;
    console.log(`${planted.bug} (seed ${seed}): caught after ${result.runs} runs, ${result.shrinks} shrinks, ${Math.round(searchMs / 1000)} s; shrunk to ${commandCount(failure.commands)} commands (${failure.commands}), ${failure.steps.length} steps; failed at "${failure.failedStep}": ${failure.error}`);
    expect(failure.failedStep).toMatch(planted.caughtBy);
    expect(failure.error).toMatch(planted.message);
    if (!failure.replayable) expect(failure.replays).toMatchObject({ ran: 1, failed: 1 });
    expect(commandCount(failure.commands), failure.commands).toBeLessThanOrEqual(planted.shrunkTo);

    if (!failure.replayable) return;
    const file = join(dir, `${planted.property}.yaml`);
    await writeFile(file, drill.scenarioFor(failure));
    const scenario = await loadScenario(file, catalog());
    const report = await runScenarioLeavingNothing(scenario, { seed: failure.seed });
    const failed = report.steps.find((s) => s.state === 'failed');
    console.log(`replayed ${file} in ${Math.round((report.endedAt - report.startedAt) / 1000)} s: failed at "${failed?.name}": ${failed?.message}`);
    expect(report.passed).toBe(false);
    expect(failed?.name).toBe(failure.failedStep);
    expect(failed?.message).toMatch(planted.message);
  });
});
