import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Etcd3, IWatchResponse } from 'etcd3';
import { catalog } from '../../src/scenarios/catalog.js';
import { runScenario } from '../../src/scenarios/engine.js';
import { parseScenario } from '../../src/scenarios/scenario-file.js';
import type { Report } from '../../src/scenarios/types.js';
import type { Operation } from '../../src/workload/history.js';
import { Informer } from '../../src/workload/informer.js';
import { OBJECTS_PREFIX, Workload } from '../../src/workload/workload.js';

/**
 * Bugs planted in the workload's real code path (its own methods, spied on), each caught by a named
 * check whose message names the key. `ETCD_DRILL_PLANTED_SEEDS` (default 1; `npm run soak:planted`
 * runs 20) repeats each on that many seeds: the target is at least 19 of 20.
 */
const SEEDS = Array.from({ length: Number(process.env.ETCD_DRILL_PLANTED_SEEDS ?? 1) }, (_, i) => 101 + i);

/** The workload's private seams, as the spies see them. */
interface WorkloadSeams {
  record(request: Partial<Operation> & Pick<Operation, 'kind' | 'key'>, call: (client: Etcd3) => Promise<unknown>): Promise<void>;
  read(kind: 'get' | 'get-serializable', key: string): Promise<void>;
}
const seams = Workload.prototype as unknown as WorkloadSeams;
/** The informer's private seam: what it does with each response of its watch. */
const informerSeams = Informer.prototype as unknown as { record(response: IWatchResponse): void };

const steady = (extra = '', checks = '[]', keys = 32) => `
name: planted
description: a workload on three members, long enough for every check's floor
topology: { topology: cluster, members: 3 }
workload: { rate: 20, keys: ${keys} }
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
  return runScenario(parseScenario(text, 'planted.yaml', catalog()), { seed });
}

function verdict(report: Report, check: string) {
  const found = report.checks.find((c) => c.check === check);
  expect(found, `${check} was judged`).toBeDefined();
  console.log(`planted: ${check} ${found!.status}: ${found!.message}`);
  return found!;
}

const KEY = new RegExp(OBJECTS_PREFIX.replace(/\//g, '\\/') + '\\d+');

describe('bugs planted in the workload are caught by the checks, naming the key', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

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
    const semantics = verdict(report, 'quorum-semantics');
    expect(semantics.status).toBe('failed');
    expect(semantics.message).toMatch(new RegExp(`of ${KEY.source} \\(op \\d+.*was acknowledged while quorum was lost`));
  });

  it.each(SEEDS)('a get answered from a stale cache → no-stale-reads and linearizability (seed %i)', async (seed) => {
    const read = seams.read;
    const cache = new Map<string, unknown>();
    vi.spyOn(seams, 'read').mockImplementation(async function (this: WorkloadSeams, kind, key) {
      if (kind !== 'get') return read.call(this, kind, key);
      const cached = cache.get(key);
      if (cached) return this.record({ kind, key }, async () => cached);
      // The first read of a key fills the cache; every later one is served from it.
      const record = this.record;
      return record.call(this, { kind, key }, async (client) => {
        const response = await client.get(key).exec();
        const kv = response.kvs[0];
        const answer = { ok: true, value: kv?.value.toString(), revision: Number(response.header.revision), modRevision: kv ? Number(kv.mod_revision) : 0 };
        cache.set(key, answer);
        return answer;
      });
    });
    // Four hot keys: a key read again has been written since, as on a busy API server.
    const report = await run(steady('', '[]', 4), seed);
    for (const check of ['no-stale-reads', 'linearizability']) {
      const found = verdict(report, check);
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
    const watch = verdict(report, 'watch');
    expect(dropped, 'an event was dropped').toBeDefined();
    expect(watch.status).toBe('failed');
    expect(watch.message).toContain(dropped!.split(' at ')[0]);
  });
});
