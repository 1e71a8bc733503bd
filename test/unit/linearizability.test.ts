import { CHECKS, WORKLOAD_CHECKS } from '../../src/checks/registry.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizability, linearizability, linearizabilityVerdict } from '../../src/checks/linearizability.js';
import { bruteForceLinearizable } from '../../src/checks/linearizability-search.js';
import { serializableReads } from '../../src/checks/serializable-reads.js';
import { emptyHistory, type History } from '../../src/workload/history.js';
import { DRILL_PREFIX, applied, compareFailed, draft, generateKvHistory, historyOf, mutateHistory, unanswered } from '../support/kv-history.js';

const K = `${DRILL_PREFIX}3`;
const L = `${DRILL_PREFIX}4`;

/** Textbook histories are far below the default floors: judge them with floors of one. */
const judge = (history: History) => linearizability.judge(history, { operations: 1, reads: 0 });
const sliceOf = (history: History, key = K) => checkLinearizability(history).keys.find((k) => k.key === key)?.slice;

describe('linearizability: textbook cases', () => {
  it('fails a read of a value before its write began, naming the key', () => {
    const history = historyOf([draft.get(K, '1', 5, 5, [0, 10]), draft.create(K, '1', [100, 110], applied(5))]);
    const verdict = judge(history);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(new RegExp(`^${K} cannot be linearized: the operation below, from the start of the history \\(${K} absent\\)`));
    expect(verdict.details[1]).toBe(`  op 1 get ${K} → 1 mod 5 rev 5 [0–10 ms]`);
    expect(sliceOf(history)!.lines).toHaveLength(1);
  });

  it('fails two clients that see two writes in opposite orders', () => {
    const history = historyOf([
      draft.txn({ [K]: 'a' }, [0, 100], applied(10)),
      draft.txn({ [K]: 'b' }, [0, 100], applied(11)),
      draft.get(K, 'a', 10, 10, [10, 20]), // client A: a, then b
      draft.get(K, 'b', 11, 11, [30, 40]),
      draft.get(K, 'b', 11, 11, [12, 22]), // client B: b, then a
      draft.get(K, 'a', 10, 11, [32, 42]),
    ]);
    expect(judge(history).status).toBe('failed');
    // From 30 ms on, the last two reads disagree, whichever write lands when.
    expect(sliceOf(history)!.lines).toEqual([
      `op 1 txn put ${K} = a → ok rev 10 [0–100 ms] (cut short: judged as in flight)`,
      `op 2 txn put ${K} = b → ok rev 11 [0–100 ms] (cut short: judged as in flight)`,
      `op 4 get ${K} → b mod 11 rev 11 [30–40 ms]`,
      `op 6 get ${K} → a mod 10 rev 11 [32–42 ms]`,
    ]);
  });

  it('fails a lost update: two updates guarded on the same revision both applied', () => {
    const history = historyOf([
      draft.create(K, '1', [0, 10], applied(5)),
      draft.update(K, '2', 5, [20, 30], applied(6)),
      draft.update(K, '3', 5, [40, 50], applied(7)),
    ]);
    expect(judge(history).status).toBe('failed');
    expect(sliceOf(history)!.lines).toEqual([
      `op 2 update ${K} = 2 if mod=5 → ok rev 6 [20–30 ms]`,
      `op 3 update ${K} = 3 if mod=5 → ok rev 7 [40–50 ms]`,
    ]);
  });

  it('places a timed-out write that later shows up', () => {
    const history = historyOf([draft.create(K, '1', [0, 10], unanswered), draft.get(K, '1', 7, 7, [100, 110])]);
    const verdict = judge(history);
    expect(verdict.status).toBe('ok');
    expect(verdict.message).toContain('linearizable (1 indeterminate writes placed)');
  });

  it('accepts a timed-out write that never shows up', () => {
    const history = historyOf([draft.create(K, '1', [0, 10], unanswered), draft.get(K, undefined, 0, 3, [100, 110])]);
    expect(judge(history).status).toBe('ok');
  });

  it('fails a timed-out write that shows up and then vanishes with no delete', () => {
    const history = historyOf([draft.create(K, '1', [0, 10], unanswered), draft.get(K, '1', 7, 7, [100, 110]), draft.get(K, undefined, 0, 7, [200, 210])]);
    expect(judge(history).status).toBe('failed');
    expect(sliceOf(history)!.lines).toHaveLength(3);
  });

  it('judges a failed compare as a read of the key as it was', () => {
    const created = draft.create(K, '1', [0, 10], applied(5));
    expect(judge(historyOf([created, draft.update(K, '2', 4, [20, 30], compareFailed('1', 5, 5))])).status).toBe('ok');
    // It shows a value the key never held then…
    const wrongValue = historyOf([created, draft.update(K, '2', 4, [20, 30], compareFailed('9', 5, 5))]);
    expect(judge(wrongValue).status).toBe('failed');
    // …or says the compare failed although the key was at the revision it asked for.
    const compareHeld = historyOf([created, draft.update(K, '2', 5, [20, 30], compareFailed('1', 5, 5))]);
    expect(judge(compareHeld).status).toBe('failed');
    expect(sliceOf(compareHeld)!.lines).toEqual([`op 2 update ${K} if mod=5 → conflict: 1 mod 5 rev 5 [20–30 ms]`]);
  });

  it('decomposes a range into a read of every key under its prefix the history writes', () => {
    const writes = [draft.create(K, '1', [0, 10], applied(5)), draft.create(L, '2', [0, 10], applied(6))];
    expect(judge(historyOf([...writes, draft.range(DRILL_PREFIX, { [K]: ['1', 5], [L]: ['2', 6] }, 6, [20, 30])])).status).toBe('ok');
    const missing = historyOf([...writes, draft.range(DRILL_PREFIX, { [K]: ['1', 5] }, 6, [20, 30])]);
    const verdict = judge(missing);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(new RegExp(`^${L} cannot be linearized`));
    expect(sliceOf(missing, L)!.lines).toEqual([
      `op 2 create ${L} = 2 → ok rev 6 [0–10 ms]`,
      `op 3 range ${DRILL_PREFIX} (${L}) → absent rev 6 [20–30 ms]`,
    ]);
  });

  it('fails a mod revision that goes backwards', () => {
    const history = historyOf([draft.create(K, '1', [0, 10], applied(10)), draft.update(K, '2', 10, [20, 30], applied(8))]);
    expect(judge(history).status).toBe('failed');
    expect(sliceOf(history)!.lines).toHaveLength(2);
  });

  it('fails a read answered at a revision older than one the same key already showed', () => {
    const history = historyOf([draft.create(K, '1', [0, 10], applied(10)), draft.get(K, '1', 10, 12, [20, 30]), draft.get(K, '1', 10, 11, [40, 50])]);
    expect(judge(history).status).toBe('failed');
    expect(sliceOf(history)!.lines).toHaveLength(2);
  });

  it('fails a read whose header revision is below a write acknowledged before it began, on another key', () => {
    const history = historyOf([draft.create(K, '1', [0, 10], applied(50)), draft.get(L, undefined, 0, 40, [20, 30]), draft.create(L, '2', [100, 110], applied(60))]);
    const result = checkLinearizability(history);
    expect(result.keys.every((k) => k.status === 'ok')).toBe(true);
    const verdict = judge(history);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(`${L}: op 2 (get) answered at revision 40, below revision 50 of op 1 (create ${K}) acknowledged before it started`);
  });

  it('judges the final read as a read of every written key at its instant', () => {
    const writes = [draft.create(K, '1', [0, 10], applied(5)), draft.create(L, '2', [0, 10], applied(6))];
    const final = (values: Record<string, string>) => ({ final: { at: 100, revision: 6, prefix: DRILL_PREFIX, values } });
    expect(judge(historyOf(writes, final({ [K]: '1', [L]: '2' }))).status).toBe('ok');
    const lost = historyOf(writes, final({ [K]: '1' }));
    expect(judge(lost).message).toMatch(new RegExp(`^${L} cannot be linearized`));
    expect(sliceOf(lost, L)!.lines).toEqual([`op 2 create ${L} = 2 → ok rev 6 [0–10 ms]`, `final read ${L} → absent rev 6 [100 ms]`]);
  });

  it('judges what follows a restore from what the restore left', () => {
    const before = [draft.create(K, '1', [0, 10], applied(5)), draft.update(K, '2', 5, [20, 30], applied(6))];
    const restore = { startedAt: 40, endedAt: 50, snapshotRevision: 5, restoredValues: { [K]: '1' } };
    expect(judge(historyOf([...before, draft.get(K, '1', 5, 5, [60, 70])], { restores: [restore] })).status).toBe('ok');
    expect(judge(historyOf([...before, draft.get(K, '1', 5, 5, [60, 70])])).status).toBe('failed');
  });

  it('starts from the store as the workload first listed it: keys another run left there are no violation', () => {
    const list = draft.range(DRILL_PREFIX, { [K]: ['9', 3] }, 4, [0, 5]);
    const start = { at: 5, reason: 'start' as const, fromRevision: 5, listOp: 1 };
    const drafts = [list, draft.get(K, '9', 3, 4, [10, 15]), draft.update(K, '10', 3, [20, 30], applied(5)), draft.get(K, '10', 5, 5, [40, 45])];
    expect(judge(historyOf(drafts, { watch: { prefix: DRILL_PREFIX, sessions: [start], events: [] } })).status).toBe('ok');
    // Without the list to start from, the same history reads a value nobody wrote.
    expect(judge(historyOf(drafts.slice(1))).status).toBe('failed');
    // And a stale read after the list is still caught.
    const stale = [...drafts, draft.get(K, '9', 3, 5, [50, 55])];
    expect(judge(historyOf(stale, { watch: { prefix: DRILL_PREFIX, sessions: [start], events: [] } })).status).toBe('failed');
  });

  it('still judges what came before a restore: a stale read there fails', () => {
    const before = [draft.create(K, '1', [0, 10], applied(5)), draft.update(K, '2', 5, [20, 30], applied(6)), draft.get(K, '1', 5, 6, [32, 35])];
    const restore = { startedAt: 40, endedAt: 50, snapshotRevision: 5, restoredValues: { [K]: '1' } };
    const verdict = judge(historyOf([...before, draft.get(K, '1', 5, 5, [60, 70])], { restores: [restore] }));
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(new RegExp(`^${K} cannot be linearized`));
  });

  it('is inconclusive on an empty history, never ok', () => {
    const verdict = linearizability.judge(emptyHistory(), {});
    expect(verdict.status).toBe('inconclusive');
    expect(verdict.ok).toBe(false);
  });

  it('is unknown, never ok, past its budget', () => {
    const history = generateKvHistory({ seed: 11, operations: 400, keys: 2 });
    const result = checkLinearizability(history, { maxStatesPerKey: 10 });
    expect(result.status).toBe('unknown');
    const verdict = linearizabilityVerdict(result, {});
    expect(verdict.status).toBe('unknown');
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/^unknown: the search for 2 of 2 keys/);
  });
});

describe('a workload that never read what it wrote', () => {
  // 60 creates of w-keys; every get, list and serializable get is of r-keys nobody writes.
  const neverRead = historyOf(
    Array.from({ length: 60 }, (_, i) => [
      draft.create(`${DRILL_PREFIX}w${i}`, String(i), [i * 20, i * 20 + 5], applied(i + 2)),
      draft.get(`${DRILL_PREFIX}r${i}`, undefined, 0, i + 2, [i * 20 + 10, i * 20 + 15]),
      draft.serializableGet('member1', `${DRILL_PREFIX}r${i}`, undefined, 0, i + 2, [i * 20 + 10, i * 20 + 15]),
    ]).flat(),
  );

  it('linearizability is inconclusive: writes alone always linearize', () => {
    const verdict = linearizability.judge(neverRead, {});
    expect(verdict).toMatchObject({ status: 'inconclusive', ok: false });
    expect(verdict.message).toMatch(/only 0 reads of written keys \(floor 20\)/);
  });

  it.each(WORKLOAD_CHECKS.map((name) => [name]))('%s does not vouch for it', (name) => {
    // The check's own judge, not the registry's: that one turns a throw into a failed verdict, which would pass as "not ok".
    const verdict = CHECKS.get(name)!.judge(neverRead, {});
    // Nothing wrong in it, only nothing to compare: inconclusive, not failed.
    expect(verdict, verdict.message).toMatchObject({ check: name, status: 'inconclusive', ok: false });
  });

  it('serializable-reads is inconclusive: no value read could be checked against a write', () => {
    const verdict = serializableReads.judge(neverRead, {});
    expect(verdict).toMatchObject({ status: 'inconclusive', ok: false });
    expect(verdict.message).toMatch(/only 0 of them showed a value checked against the writes \(floor 5\)/);
  });
});

describe('linearizability: generated histories', () => {
  it('passes a long valid history', () => {
    const history = generateKvHistory({ seed: 20_240_601, operations: 6000, keys: 16, clients: 12, timeoutRate: 0.03 });
    const verdict = linearizability.judge(history, {});
    expect(verdict.message).toMatch(/^[\d,]+ operations judged, [\d,]+ reads of written keys, 16 keys: linearizable \(\d+ indeterminate writes placed\)$/);
    expect(verdict.status).toBe('ok');
    expect(serializableReads.judge(history, {}).status).toBe('ok');
  });

  it('agrees with the brute-force search on small histories, valid and mutated', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          operations: fc.integer({ min: 1, max: 12 }),
          keys: fc.integer({ min: 1, max: 3 }),
          clients: fc.integer({ min: 1, max: 4 }),
          mutation: fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 })),
        }),
        ({ seed, operations, keys, clients, mutation }) => {
          const valid = generateKvHistory({ seed, operations, keys, clients, timeoutRate: 0.2 });
          const history = mutation === null ? valid : mutateHistory(valid, mutation);
          const result = checkLinearizability(history);
          expect(result.keys.every((k) => k.status !== 'unknown')).toBe(true);
          const linearizable = result.keys.every((k) => k.status === 'ok');
          expect(linearizable).toBe(bruteForceLinearizable(history.operations, history.final));
          if (mutation === null) expect(result.status).toBe('ok');
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('serializable-reads', () => {
  const writes = [draft.create(K, '1', [0, 10], applied(5)), draft.update(K, '2', 5, [20, 30], applied(6))];
  const judgeReads = (history: History) => serializableReads.judge(history, { reads: 1, values: 0 });

  it('fails a value no write carried, naming key and member', () => {
    const verdict = judgeReads(historyOf([...writes, draft.serializableGet('member2', K, '99', 9, 9, [40, 50])]));
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(`${K} on member2: serializable read (op 3) returned 99, a value no write of ${K} carried`);
  });

  it('fails a member that goes back in time', () => {
    const verdict = judgeReads(
      historyOf([...writes, draft.serializableGet('member1', K, '2', 6, 6, [40, 50]), draft.serializableGet('member1', K, '1', 5, 5, [60, 70])]),
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(new RegExp(`^${K} on member1: serializable read \\(op 4\\) answered at revision 5, after op 3 on member1`));
    expect(verdict.details).toHaveLength(2); // the header revision and the mod revision both went back
  });

  it('passes lagging reads: behind an acknowledged write, behind another member, or overlapping', () => {
    const verdict = judgeReads(
      historyOf([
        ...writes,
        draft.serializableGet('member2', K, '1', 5, 5, [40, 50]),
        draft.serializableGet('member3', K, '2', 6, 6, [40, 50]),
        draft.serializableGet('member2', K, '1', 5, 5, [60, 70]),
        draft.serializableGet('member3', K, undefined, 0, 4, [45, 80]), // overlaps member3's newer read
        draft.serializableGet('member1', K, undefined, 0, 0, [60, 70]),
      ]),
    );
    expect(verdict.message).toBe(
      '5 serializable reads judged (floor lowered to 1), 3 of them showed a value checked against the writes (floor lowered to 0): every value read was written and no member went back in time',
    );
    expect(verdict.status).toBe('ok');
  });

  it('is inconclusive on an empty history', () => {
    expect(serializableReads.judge(emptyHistory(), {})).toMatchObject({ status: 'inconclusive', ok: false });
  });
});

describe('serializable-reads: boundaries and order', () => {
  const writes = [draft.create(K, '1', [0, 10], applied(5)), draft.update(K, '2', 5, [20, 30], applied(6)), draft.update(K, '3', 6, [30, 35], applied(7))];
  const judgeReads = (history: History) => serializableReads.judge(history, { reads: 1, values: 0 });
  const read = (value: string | undefined, modRevision: number | undefined, revision: number | undefined, span: readonly [number, number]) => ({
    ...draft.serializableGet('member1', K, value, 0, 0, span),
    modRevision,
    revision,
  });
  /** Judges the reads after the writes; ops are numbered 4, 5, … in the order given. */
  const judgeOn = (reads: ReturnType<typeof read>[], extra: Partial<History> = {}) => judgeReads(historyOf([...writes, ...reads], extra));

  it('does not take the value a failed compare showed for a value some write carried', () => {
    const refused = draft.update(K, '9', 4, [40, 45], compareFailed('8', 4, 7));
    const v = judgeReads(historyOf([...writes, refused, draft.serializableGet('member1', K, '8', 4, 7, [50, 60])]));
    expect(v.message).toBe(`${K} on member1: serializable read (op 5) returned 8, a value no write of ${K} carried`);
  });

  it('names a value read from a key no one wrote', () => {
    const v = judgeReads(historyOf([...writes, draft.serializableGet('member1', L, '1', 5, 7, [50, 60])]));
    expect(v.message).toBe(`${L} on member1: serializable read (op 4) returned 1, a value no write of ${L} carried`);
  });

  it('compares reads in the order they ran, whatever order they were recorded in', () => {
    const v = judgeOn([read('1', 5, 5, [60, 70]), read('2', 6, 6, [40, 50]), read('2', 6, 6, [80, 90])]);
    expect(v.status).toBe('failed');
    expect(v.message).toMatch(new RegExp(`^${K} on member1: serializable read \\(op 4\\) answered at revision 5, after op 5 on member1 had answered at revision 6`));
  });

  it('does not compare a read with one that ended exactly when it started', () => {
    expect(judgeOn([read('2', 6, 6, [40, 50]), read('1', 5, 5, [50, 60])]).status).toBe('ok');
  });

  it('compares reads on either side of a restore separately, and a read starting exactly at a restore with those before', () => {
    const restores = [{ startedAt: 1000, endedAt: 1500, snapshotRevision: 5, restoredValues: {} }];
    expect(judgeOn([read('2', 6, 6, [40, 50]), read('1', 5, 5, [1600, 1610])], { restores }).status).toBe('ok');
    expect(judgeOn([read('2', 6, 6, [40, 50]), read('1', 5, 5, [1000, 1010])], { restores }).status).toBe('failed');
  });

  it('skips a read that showed no header revision when tracking the newest', () => {
    const v = judgeOn([read('1', 5, undefined, [0, 10]), read('2', 6, 6, [20, 30]), read('2', 6, 5, [40, 50])]);
    expect(v.message).toMatch(/serializable read \(op 6\) answered at revision 5, after op 5 on member1 had answered at revision 6/);
  });

  it('holds a read to the highest header revision that ended before it, not the last', () => {
    const v = judgeOn([read('2', 6, 6, [0, 10]), read('1', 5, 5, [5, 20]), read('1', 5, 5, [30, 40])]);
    expect(v.message).toMatch(/serializable read \(op 6\) answered at revision 5, after op 4 on member1 had answered at revision 6/);
    const w = judgeOn([read('1', 5, 4, [0, 10]), read('2', 6, 6, [20, 30]), read('1', 5, 5, [40, 50])]);
    expect(w.message).toMatch(/serializable read \(op 6\) answered at revision 5, after op 5 on member1 had answered at revision 6/);
  });

  it('names the first read that answered at the newest revision', () => {
    const v = judgeOn([read('2', 6, 6, [0, 10]), read('2', 6, 6, [20, 30]), read('2', 6, 5, [40, 50])]);
    expect(v.message).toMatch(/serializable read \(op 6\) answered at revision 5, after op 4 on member1/);
  });

  it('skips a read that showed no mod revision when tracking the newest of a key', () => {
    const v = judgeOn([read('1', undefined, 7, [0, 10]), read('2', 6, 7, [20, 30]), read('1', 5, 7, [40, 50])]);
    expect(v.message).toBe(
      `${K} on member1: serializable read (op 6) showed mod revision 5, after op 5 on member1 had shown ${K} at mod revision 6: the member went back in time`,
    );
  });

  it('holds a read to the highest mod revision of its key that ended before it, naming the first such read', () => {
    const v = judgeOn([read('2', 6, 7, [0, 10]), read('1', 5, 7, [5, 20]), read('1', 5, 7, [30, 40])]);
    expect(v.message).toMatch(/serializable read \(op 6\) showed mod revision 5, after op 4 on member1 had shown/);
    const w = judgeOn([read('1', 5, 7, [0, 10]), read('2', 6, 7, [20, 30]), read('1', 5, 7, [40, 50])]);
    expect(w.message).toMatch(/serializable read \(op 6\) showed mod revision 5, after op 5 on member1 had shown/);
    const x = judgeOn([read('2', 6, 7, [0, 10]), read('2', 6, 7, [20, 30]), read('1', 5, 7, [40, 50])]);
    expect(x.message).toMatch(/serializable read \(op 6\) showed mod revision 5, after op 4 on member1 had shown/);
  });

  it('accepts a key absent after it was seen present: a delete makes that legitimate', () => {
    expect(judgeOn([read('2', 6, 6, [0, 10]), read(undefined, 0, 8, [20, 30])]).status).toBe('ok');
  });
});
