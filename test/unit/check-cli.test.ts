import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS, WORKLOAD_CHECKS } from '../../src/checks/registry.js';
import { checkRun, loadRun } from '../../src/cli/check.js';
import { REPORT_FORMAT_VERSION } from '../../src/scenarios/reports/json.js';
import { DrillError, InvalidInputError } from '../../src/errors.js';
import { emptyHistory, type History, type Operation } from '../../src/workload/history.js';
import { cleanRun, PREFIX } from '../support/history.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'etcd-drill-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `content` (an object as JSON, or text as is) to a file of the temp dir and returns its path. */
async function saved(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** A run report as `etcd-drill run` writes it, with the checks it judged (their verdicts as the run found them), its floors and its history. */
const report = (history: History, { floors = {}, judged = [] }: { floors?: Record<string, Record<string, number>>; judged?: readonly string[] } = {}) => ({
  scenario: 'leader-loss',
  floors,
  checks: judged.map((check) => ({ check, status: 'ok', ok: true, message: '…', details: [], evidence: [] })),
  history,
});

/** The clean run with its last read of `key` answering the key's first value: a stale read. */
function withStaleRead(key = `${PREFIX}1`): { history: History; read: Operation } {
  const history = cleanRun();
  const first = history.operations.find((o) => o.kind === 'create' && o.key === key)!;
  const read = history.operations.filter((o) => o.kind === 'get' && o.key === key).at(-1)!;
  Object.assign(read, { value: first.value, modRevision: first.revision });
  return { history, read };
}

/** Runs checkRun and returns what it printed with what it returned or threw. */
async function check(path: string, which: Parameters<typeof checkRun>[1] = {}): Promise<{ lines: string[]; error: unknown; verdicts: Awaited<ReturnType<typeof checkRun>> | undefined }> {
  const lines: string[] = [];
  try {
    return { lines, error: undefined, verdicts: await checkRun(path, which, (line) => lines.push(line)) };
  } catch (error) {
    return { lines, error, verdicts: undefined };
  }
}

describe('etcd-drill check on a saved run', () => {
  it('judges again the checks the run judged, and finds every workload check ok on a clean run, one ✔ line each', async () => {
    const { lines, error, verdicts } = await check(await saved('clean.json', report(cleanRun(), { judged: WORKLOAD_CHECKS })));
    expect(error).toBeUndefined();
    expect(verdicts!.map((v) => [v.check, v.status])).toEqual(WORKLOAD_CHECKS.map((name) => [name, 'ok']));
    expect(lines).toHaveLength(WORKLOAD_CHECKS.length);
    for (const [i, name] of WORKLOAD_CHECKS.entries()) expect(lines[i]).toMatch(new RegExp(`^✔ ${name} +ok +\\d+ `));
  });

  it('judges every check with --all, with the floors the report carries', async () => {
    // No fault, restore or backup: the checks of those vouch for nothing unless the scenario said so.
    const floors = { 'quorum-semantics': { stretches: 0 }, 'restore-rpo': { restores: 0 }, 'restore-new-cluster': { restores: 0 }, 'backup-encrypted': { backups: 0 } };
    const { lines, error, verdicts } = await check(await saved('floors.json', report(cleanRun(), { floors, judged: WORKLOAD_CHECKS })), { all: true });
    expect(error).toBeUndefined();
    expect(verdicts!.map((v) => v.check)).toEqual([...CHECKS.keys()]);
    expect(verdicts!.every((v) => v.status === 'ok')).toBe(true);
    expect(lines.find((l) => l.startsWith('✔ quorum-semantics'))).toContain('(floor lowered to 0)');
  });

  it('judges every check of a report that recorded none, failing those that could not vouch for anything as inconclusive', async () => {
    const { lines, error } = await check(await saved('no-floors.json', report(cleanRun())));
    expect(error).toBeInstanceOf(DrillError);
    expect(error).not.toBeInstanceOf(InvalidInputError);
    expect((error as DrillError).message).toBe(`4 of ${CHECKS.size} checks are not ok: quorum-semantics (inconclusive), restore-rpo (inconclusive), restore-new-cluster (inconclusive), backup-encrypted (inconclusive)`);
    expect(lines.find((l) => l.startsWith('✘ restore-rpo'))).toMatch(/inconclusive +inconclusive: only 0 restores judged \(floor 1\)/);
    // Each of the four on its own line: ✘ (not ok) and inconclusive in the status column, not failed.
    for (const name of ['quorum-semantics', 'restore-rpo', 'restore-new-cluster', 'backup-encrypted']) expect(lines.find((l) => l.startsWith(`✘ ${name} `))).toMatch(new RegExp(`^✘ ${name} +inconclusive +inconclusive: `));
  });

  it('fails a run with a stale read, naming the failing checks, and prints the key and the op', async () => {
    const { history, read } = withStaleRead();
    const { lines, error } = await check(await saved('stale.json', report(history, { judged: WORKLOAD_CHECKS })));
    expect(error).toBeInstanceOf(DrillError);
    expect((error as DrillError).exitCode).toBe(1);
    expect((error as DrillError).message).toMatch(/^\d of 5 checks are not ok: .*no-stale-reads \(failed\)/);
    expect((error as DrillError).hint).toBe('each line above says what it found or what it lacked');
    const stale = lines.find((l) => l.startsWith('✘ no-stale-reads'));
    expect(stale).toContain(`failed       stale read of ${read.key} (op ${read.id}, get) returned ${read.value} after update`);
    expect(lines.find((l) => l.startsWith('✘ linearizability'))).toContain(read.key);
    expect(lines.find((l) => l.startsWith('✔ acked-writes-durable'))).toBeDefined();
  });

  describe('--checks', () => {
    it('judges only the checks named, in the order named', async () => {
      const path = await saved('stale-only.json', report(withStaleRead().history));
      const { lines, verdicts } = await check(path, { only: ['converged', 'acked-writes-durable'] });
      expect(verdicts!.map((v) => v.check)).toEqual(['converged', 'acked-writes-durable']);
      expect(lines).toHaveLength(2);
      const { error } = await check(path, { only: ['no-stale-reads'] });
      expect((error as DrillError).message).toBe('1 of 1 checks are not ok: no-stale-reads (failed)');
    });

    it('refuses an unknown check before reading the run, listing the known ones', async () => {
      const { error, lines } = await check(join(dir, 'never-written.json'), { only: ['no-stale-read'] });
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).message).toBe("unknown check 'no-stale-read'");
      expect((error as InvalidInputError).hint).toBe(`known checks: ${[...CHECKS.keys()].join(', ')}`);
      expect(lines).toEqual([]);
    });
  });
});

describe('loadRun', () => {
  /** The one line a user sees for a refused file: an InvalidInputError (exit 2) with a hint. */
  async function refused(path: string): Promise<InvalidInputError> {
    const error: unknown = await loadRun(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    const invalid = error as InvalidInputError;
    expect(invalid.exitCode).toBe(2);
    expect(invalid.hint).toMatch(/JSON report/);
    expect(invalid.oneLine()).not.toContain('\n');
    return invalid;
  }

  it('reads a run on preloaded state: its paginated lists and its informers on the preloaded prefixes', async () => {
    const history = cleanRun();
    const list = { id: 9_999, kind: 'list' as const, key: '/registry/pods/', value: undefined, start: 1, end: 2, ok: true, error: undefined, errorKind: undefined, revision: 3, member: undefined, listed: 40 };
    history.operations.push(list);
    history.informers = [{ prefix: '/registry/pods/', sessions: [{ at: 1, reason: 'start', fromRevision: 4, listOp: list.id }], events: [] }];
    const loaded = await loadRun(await saved('preloaded.json', report(history)));
    expect(loaded.history.operations.at(-1)).toMatchObject({ kind: 'list', listed: 40 });
    expect(loaded.history.informers).toEqual(history.informers);
  });

  it('reads the history, the floors and the checks judged of a report', async () => {
    const history = cleanRun();
    const { history: loaded, floors, judged } = await loadRun(await saved('load.json', report(history, { floors: { 'no-stale-reads': { reads: 5 } }, judged: ['converged'] })));
    expect(floors).toEqual({ 'no-stale-reads': { reads: 5 } });
    expect(judged).toEqual(['converged']);
    expect(loaded).toEqual(JSON.parse(JSON.stringify(history)));
  });

  it('fills in what an early-ended run did not record', async () => {
    const { history, floors, judged } = await loadRun(await saved('minimal.json', { history: { operations: [] } }));
    expect(history).toEqual(emptyHistory());
    expect(floors).toEqual({});
    expect(judged).toEqual([]);
  });

  it('refuses a file that is not JSON, pointing at the JSON report', async () => {
    const path = await saved('report.html', '<!doctype html><html></html>');
    expect((await refused(path)).message).toBe(`${path} is not JSON`);
  });

  it('refuses JSON that is not a run report, saying which field', async () => {
    const path = await saved('junit.json', { testsuites: [] });
    expect((await refused(path)).message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a run report: history: `));
    const old = await saved('old.json', report({ ...emptyHistory(), operations: [{ ...cleanRun().operations[0]!, kind: 'put' as never }] }));
    expect((await refused(old)).message).toContain('is not a run report: history.operations.0.kind: ');
  });

  it('refuses a report of a newer format than it reads, saying which it reads; reads its own and one without a version', async () => {
    const newer = await saved('newer.json', { formatVersion: REPORT_FORMAT_VERSION + 1, ...report(cleanRun()) });
    const refusal = await refused(newer);
    expect(refusal.message).toBe(`${newer} is a report of format ${REPORT_FORMAT_VERSION + 1}; this etcd-drill reads format ${REPORT_FORMAT_VERSION} and older`);
    expect(refusal.hint).toContain('upgrade');
    for (const fields of [{ formatVersion: REPORT_FORMAT_VERSION }, {}]) {
      expect((await loadRun(await saved('ours.json', { ...fields, ...report(cleanRun()) }))).judged.length).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses a file it cannot read', async () => {
    const path = join(dir, 'missing.json');
    expect((await refused(path)).message).toMatch(new RegExp(`^cannot read ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
  });

  it('refuses a floor that is not a whole number', async () => {
    const path = await saved('bad-floor.json', report(emptyHistory(), { floors: { 'no-stale-reads': { reads: -1 } } }));
    expect((await refused(path)).message).toContain('is not a run report: floors.no-stale-reads.reads: ');
  });
});
