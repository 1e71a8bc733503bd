import { afterAll, afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { runScenarioLeavingNothing } from './helpers.js';
import type { Etcd3, IWatchResponse } from 'etcd3';
import { randomSeed } from '../../src/random.js';
import { plantStaleCache } from '../support/plants.js';
import { SoakTable } from '../support/soak-table.js';
import { catalog } from '../../src/scenarios/catalog.js';
import { parseScenario } from '../../src/scenarios/scenario-file.js';
import type { Report } from '../../src/scenarios/types.js';
import type { Operation } from '../../src/workload/history.js';
import { Informer } from '../../src/workload/informer.js';
import { Workload } from '../../src/workload/workload.js';
import { OBJECTS_PREFIX } from '../../src/workload/mix.js';

/**
 * Bugs planted in the workload's real code path (its own methods, or the etcd3 client under them,
 * spied on), each caught by a named check whose message names the key. CI runs each on a fresh seed,
 * printed; `npm run soak:planted` (ETCD_DRILL_PLANTED_SEEDS=20) runs each on that many seeds and
 * writes the table to docs/planted-soak.md: the target is at least 19 of 20.
 */
const SEED_COUNT = Number(process.env.ETCD_DRILL_PLANTED_SEEDS ?? 1);
const FIRST_SEED = Number(process.env.ETCD_DRILL_PLANTED_FIRST_SEED ?? randomSeed());
const SEEDS = Array.from({ length: SEED_COUNT }, (_, i) => FIRST_SEED + i);
const soak = new SoakTable('workload', SEED_COUNT);

/** The workload's private seams, as the spies see them. */
interface WorkloadSeams {
  record(request: Partial<Operation> & Pick<Operation, 'kind' | 'key'>, call: (client: Etcd3) => Promise<unknown>): Promise<void>;
}
const seams = Workload.prototype as unknown as WorkloadSeams;
/** The informer's private seam: what it does with each response of its watch. */
const informerSeams = Informer.prototype as unknown as { record(response: IWatchResponse): void };

const steady = (extra = '', checks = '[]', keys = 32) => `
name: planted
description: a workload on three members, long enough for every check's floor
topology: { topology: cluster, members: 3 }
workload: { keys: ${keys} }
steps:
  - wait-for: { condition: workload-progress, writes: 40, reads: 20 }
    timeout: 30s
${extra}checks: ${checks}
`;

const quorumLost = steady(`  - fault: quorum-loss
    options: { mode: kill }
  - expect: writes-fail
    timeout: 15s
  - heal: all
  - wait-for: members-healthy
  - wait-for: { condition: workload-progress, writes: 20, reads: 10 }
    timeout: 30s
`, '[quorum-semantics]');

async function run(text: string, seed: number): Promise<Report> {
  console.log(`${expect.getState().currentTestName}; replay: ETCD_DRILL_PLANTED_FIRST_SEED=${seed} npx vitest run test/integration/planted-workload-bugs.test.ts`);
  return runScenarioLeavingNothing(parseScenario(text, 'planted.yaml', catalog()), { seed });
}

/** The check's verdict, recorded for the soak's table: caught when it failed. */
function verdict(report: Report, check: string, bug: string) {
  const found = report.checks.find((c) => c.check === check);
  expect(found, `${check} was judged`).toBeDefined();
  console.log(`planted: ${check} ${found!.status}: ${found!.message}`);
  soak.record({ bug, seed: report.seed, caught: found!.status === 'failed', detail: `${check} ${found!.status}`, searchMs: report.endedAt - report.startedAt });
  return found!;
}

const KEY = new RegExp(OBJECTS_PREFIX.replace(/\//g, '\\/') + '\\d+');

describe('bugs planted in the workload are caught by the checks, naming the key', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(() => soak.write());

  it.each(SEEDS)('a write that failed (timed out, unavailable) recorded as acknowledged → quorum-semantics (seed %i)', async (seed) => {
    const record = seams.record;
    let lies = 0;
    vi.spyOn(seams, 'record').mockImplementation(async function (this: WorkloadSeams, request, call) {
      return record.call(this, request, async (client) => {
        try {
          return await call(client);
        } catch (err) {
          // Whatever kind the failure was (it depends on which member the call reached), the bug calls it a success.
          if (!['create', 'update', 'delete'].includes(request.kind)) throw err;
          lies += 1;
          return { ok: true, value: request.value, revision: undefined };
        }
      });
    });
    const report = await run(quorumLost, seed);
    expect(lies, 'the planted bug had writes to lie about').toBeGreaterThan(0);
    const semantics = verdict(report, 'quorum-semantics', 'a failed write recorded as acknowledged');
    expect(semantics.status).toBe('failed');
    expect(semantics.message).toMatch(new RegExp(`of ${KEY.source} \\(op \\d+.*was acknowledged while quorum was lost`));
  });

  it.each(SEEDS)('a get answered from a stale cache in the client → no-stale-reads and linearizability (seed %i)', async (seed) => {
    onTestFinished(plantStaleCache(OBJECTS_PREFIX));
    // Four hot keys: a key read again has been written since, as on a busy API server.
    const report = await run(steady('', '[]', 4), seed);
    for (const check of ['no-stale-reads', 'linearizability']) {
      const found = verdict(report, check, `a get answered from a stale cache (${check})`);
      expect(found.status).toBe('failed');
      expect(found.message).toMatch(KEY);
    }
  });

  it.each(SEEDS)('a watch that drops one event → watch (seed %i)', async (seed) => {
    const recordEvents = informerSeams.record;
    let seen = 0;
    let dropped: string | undefined;
    vi.spyOn(informerSeams, 'record').mockImplementation(function (this: Informer, response) {
      const events = response.events.filter((event) => {
        seen += 1;
        const key = event.kv.key.toString();
        // Drop the first update of an object after the first ten events, once.
        if (dropped || seen < 10 || !key.startsWith(OBJECTS_PREFIX) || event.type.toLowerCase() !== 'put') return true;
        dropped = `${key} at revision ${event.kv.mod_revision}`;
        return false;
      });
      recordEvents.call(this, { ...response, events });
    });
    const report = await run(steady(), seed);
    const watch = verdict(report, 'watch', 'a watch that drops one event');
    expect(dropped, 'an event was dropped').toBeDefined();
    expect(watch.status).toBe('failed');
    expect(watch.message).toContain(dropped!.split(' at ')[0]);
  });
});
