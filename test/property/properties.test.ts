import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSeed } from '../../src/random.js';
import { PROPERTIES } from '../../src/scenarios/fuzz/commands.js';
import { Drill, type PropertyResult } from '../../src/scenarios/fuzz/drill.js';
import { describeCommands } from '../../src/cli/fuzz.js';
import { expectClusterGone } from '../integration/helpers.js';

/**
 * The five properties on a real three-member etcd cluster, reused between runs. CI's budget:
 * PROPERTY_BUDGET_MS per property with a fixed seed, then one property with a fresh seed that the
 * log prints with its replay command. `npm run soak` runs them for longer through the CLI.
 */
const FIXED_SEED = 20_251_125;
const PROPERTY_BUDGET_MS = Number(process.env.ETCD_DRILL_PROPERTY_BUDGET_MS ?? 30_000);
const CLUSTER = 'prop-drills';

function summary(result: PropertyResult): string {
  const perRun = result.runs ? Math.round(result.durationMs / result.runs) : 0;
  return `${result.property} (seed ${result.seed}): ${result.runs} runs, ${result.steps} steps in ${Math.round(result.durationMs / 1000)} s (${perRun} ms a run, cluster re-created ${result.recreated}×); commands: ${describeCommands(result.commands)}`;
}

describe('property drills on real etcd', () => {
  let drill: Drill;

  beforeAll(async () => {
    drill = await Drill.start({ name: CLUSTER, topology: 'cluster', members: 3 });
  });
  afterAll(async () => {
    await drill?.stop();
    await expectClusterGone(CLUSTER);
  });

  it.each(PROPERTIES.map((p) => [p.name, p] as const))('%s holds (fixed seed)', async (_name, property) => {
    const result = await drill.check(property, { seed: FIXED_SEED, timeLimitMs: PROPERTY_BUDGET_MS });
    console.log(summary(result));
    expect(result.failure, result.failure && drill.scenarioFor(result.failure)).toBeUndefined();
    expect(result.runs).toBeGreaterThan(0);
  });

  it('one property holds with a fresh seed', async () => {
    const seed = randomSeed();
    const property = PROPERTIES[seed % PROPERTIES.length]!;
    console.log(`fresh seed ${seed} on ${property.name}; replay: etcd-drill fuzz --property ${property.name} --seed ${seed}`);
    const result = await drill.check(property, { seed, timeLimitMs: PROPERTY_BUDGET_MS });
    console.log(summary(result));
    // A failure its own shrunk steps do not reproduce is reported and counted, not a red build: it proves nothing either way.
    if (result.failure && !result.failure.reproduced) {
      console.log(`UNCONFIRMED failure of ${property.name} with fresh seed ${seed} (its shrunk steps passed on replay):\n${drill.scenarioFor(result.failure)}`);
      return;
    }
    expect(result.failure, result.failure && drill.scenarioFor(result.failure)).toBeUndefined();
  });
});
