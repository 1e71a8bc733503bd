import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from '../../src/checks/index.js';
import type { Verdict } from '../../src/checks/verdict.js';
import { loadRun } from '../../src/cli/check.js';

/**
 * Reports of real runs on etcd 3.4.23 with TLS (gzipped; the scenario and seed are in each), judged
 * again by today's checks: every verdict must come out as the run recorded it, status and message.
 * A change to a check that moves one is either a bug or a decision — then the report is re-recorded
 * with the run that shows the new verdict, and the commit says why. One run failed for real (a
 * team's restore script that skipped member3) and must keep failing, naming the key and member.
 */
const CORPUS = fileURLToPath(new URL('../fixtures/reports/', import.meta.url));

interface RecordedRun {
  scenario: string;
  passed: boolean;
  checks: Verdict[];
}

describe('the corpus of real run reports, judged again', async () => {
  const files = (await readdir(CORPUS)).filter((f) => f.endsWith('.json.gz')).sort();
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etcd-drill-corpus-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('holds passing and failing runs', async () => {
    const runs = await Promise.all(files.map(async (f) => JSON.parse(gunzipSync(await readFile(join(CORPUS, f))).toString('utf8')) as RecordedRun));
    expect(runs.filter((r) => r.passed).length).toBeGreaterThanOrEqual(3);
    expect(runs.filter((r) => !r.passed).length).toBeGreaterThanOrEqual(1);
  });

  it.each(files)('%s: every recorded verdict again, word for word', async (file) => {
    const text = gunzipSync(await readFile(join(CORPUS, file))).toString('utf8');
    const recorded = JSON.parse(text) as RecordedRun;
    // Through the same reader `etcd-drill check` uses, as a user's saved report would be.
    const path = join(dir, file.replace(/\.gz$/, ''));
    await writeFile(path, text);
    const { history, floors, judged } = await loadRun(path);
    expect(judged.length).toBeGreaterThan(0);
    for (const verdict of recorded.checks) {
      const again = judge(verdict.check, history, floors);
      expect({ check: again.check, status: again.status, message: again.message }).toEqual({ check: verdict.check, status: verdict.status, message: verdict.message });
    }
  });

  it('the failed run still fails where it did, naming what it lost', async () => {
    const file = files.find((f) => f.includes('member-skipped'))!;
    const recorded = JSON.parse(gunzipSync(await readFile(join(CORPUS, file))).toString('utf8')) as RecordedRun;
    expect(recorded.passed).toBe(false);
    const failed = recorded.checks.filter((v) => v.status === 'failed').map((v) => `${v.check}: ${v.message}`);
    expect(failed).toContainEqual(expect.stringMatching(/^converged: member3 revision \d+ differs/));
    expect(failed).toContainEqual(expect.stringMatching(/^acked-writes-durable: \/registry\/drill\/objects\/\d+: acknowledged/));
  });
});
