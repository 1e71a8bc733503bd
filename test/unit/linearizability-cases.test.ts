/**
 * Linearizability on histories built to be judged one way only: each step of the key-value model
 * (revisions, mod revisions, guards, deletes of absent keys, writes whose response was lost), the
 * shortest failing slice and how it is shown, the cross-key header rule, and the search's budget
 * and bookkeeping. Times start at 1000 ms, so every "[x–y ms]" is measured from the first call.
 */
import { describe, expect, it } from 'vitest';
import { checkLinearizability, linearizability, linearizabilityVerdict, type LinearizabilityOptions } from '../../src/checks/linearizability.js';
import type { History } from '../../src/workload/history.js';
import { DRILL_PREFIX, applied, compareFailed, draft, generateKvHistory, historyOf, unanswered, type OperationDraft } from '../support/kv-history.js';

const K = `${DRILL_PREFIX}3`;
const L = `${DRILL_PREFIX}4`;
/** Read by the workload, written by no one: reads of it are judged by the header rule only. */
const M = `${DRILL_PREFIX}only-read`;
const OTHER = '/registry/other/';

const judge = (history: History) => linearizability.judge(history, { operations: 1, reads: 0 });
const keyOf = (history: History, key = K, options?: LinearizabilityOptions) => checkLinearizability(history, options).keys.find((k) => k.key === key)!;
const failedSlice = (history: History) => checkLinearizability(history).keys.find((k) => k.status === 'failed')!.slice!;
/** A read whose answer carried no header revision. */
const withoutRevision = (draft: OperationDraft): OperationDraft => ({ ...draft, revision: undefined });

describe("linearizability: etcd's model, one step at a time", () => {
  const rows: [string, OperationDraft[], 'ok' | 'failed'][] = [
    ['a read showing a mod revision above its own header revision', [draft.create(K, '1', [1000, 1010], unanswered), draft.get(K, '1', 7, 6, [1100, 1110])], 'failed'],
    ['a read showing the value written, at another mod revision', [draft.create(K, '1', [1000, 1010], applied(5)), draft.get(K, '1', 6, 6, [1020, 1030])], 'failed'],
    [
      'a write whose response was lost, seen at a mod revision the key had already passed',
      [draft.get(K, undefined, 0, 10, [1000, 1010]), draft.create(K, '1', [1020, 1030], unanswered), draft.get(K, '1', 10, 12, [1100, 1110])],
      'failed',
    ],
    [
      'a failed compare that did not show the mod revision, against a lost write that may have landed past the one it asked for',
      [draft.get(K, undefined, 0, 4, [1000, 1010]), draft.create(K, '1', [1020, 1030], unanswered), { ...draft.update(K, '2', 5, [1100, 1110], compareFailed('1', 5, 7)), modRevision: undefined }],
      'ok',
    ],
    [
      'an update guarded below the least mod revision a lost write can have landed at',
      [draft.get(K, undefined, 0, 4, [1000, 1010]), draft.create(K, '1', [1020, 1030], unanswered), draft.update(K, '2', 4, [1100, 1110], applied(6))],
      'failed',
    ],
    [
      'an update guarded on exactly the least mod revision a lost write can have landed at',
      [draft.get(K, undefined, 0, 4, [1000, 1010]), draft.create(K, '1', [1020, 1030], unanswered), draft.update(K, '2', 5, [1100, 1110], applied(6))],
      'ok',
    ],
    [
      'a delete of an absent key answered at the revision it found: etcd does not advance it',
      [draft.get(K, undefined, 0, 7, [1000, 1010]), draft.delete(K, 0, [1020, 1030], applied(7)), draft.get(K, undefined, 0, 7, [1040, 1050])],
      'ok',
    ],
    ['a delete of an absent key answered below the revision already seen', [draft.get(K, undefined, 0, 7, [1000, 1010]), draft.delete(K, 0, [1020, 1030], applied(6))], 'failed'],
    ['a delete of a present key answered at the revision it found', [draft.create(K, '1', [1000, 1010], applied(5)), draft.delete(K, 5, [1020, 1030], applied(5))], 'failed'],
    ['a create answered at the revision it found', [draft.get(K, undefined, 0, 5, [1000, 1010]), draft.create(K, '1', [1020, 1030], applied(5))], 'failed'],
    [
      'an update guarded on the mod revision the key had before it was deleted',
      [draft.create(K, '1', [1000, 1010], applied(5)), draft.delete(K, 5, [1020, 1030], applied(6)), draft.update(K, '2', 5, [1040, 1050], applied(7))],
      'failed',
    ],
    [
      'a delete guarded on a mod revision the key had left',
      [draft.create(K, '1', [1000, 1010], applied(5)), draft.update(K, '2', 5, [1020, 1030], applied(6)), draft.delete(K, 5, [1040, 1050], applied(7))],
      'failed',
    ],
    ['a create of a key that exists', [draft.create(K, '1', [1000, 1010], applied(5)), draft.create(K, '2', [1020, 1030], applied(6))], 'failed'],
    ['a read of a lost write called only after the read returned', [draft.get(K, '1', 1, 1, [1000, 1010]), draft.txn({ [K]: '1' }, [1100, 1105], unanswered)], 'failed'],
    ['a read of a lost write called the instant the read returned', [draft.get(K, '1', 1, 1, [1000, 1010]), draft.txn({ [K]: '1' }, [1010, 1015], unanswered)], 'ok'],
    [
      'two lost writes that must land around a read, found after a first try that linearized the earliest read too soon',
      [
        draft.txn({ [K]: 'a' }, [1000, 1005], unanswered),
        draft.txn({ [K]: 'b' }, [1000, 1005], unanswered),
        draft.get(K, 'b', 2, 2, [1000, 1010]),
        draft.get(K, 'a', 3, 3, [1020, 1030]),
      ],
      'ok',
    ],
    [
      'lost writes recorded out of the order they were called',
      [draft.txn({ [K]: 'b' }, [1100, 1105], unanswered), draft.txn({ [K]: 'a' }, [1000, 1005], unanswered), draft.get(K, 'a', 1, 1, [1010, 1020])],
      'ok',
    ],
  ];

  it.each(rows)('%s', (_, drafts, expected) => {
    const history = historyOf(drafts);
    const result = checkLinearizability(history);
    expect(result.headerViolations).toEqual([]);
    expect(result.status).toBe(expected);
    expect(keyOf(history).status).toBe(expected);
    const verdict = judge(history);
    expect(verdict.status).toBe(expected);
    if (expected === 'failed') expect(verdict.message).toMatch(new RegExp(`^${K} cannot be linearized`));
  });

  it('two writes whose responses were lost, read in the order they landed: the states they leave are not confused', () => {
    // Either may land first; only b then a fits the reads. Both orders end at the same revisions.
    const history = historyOf([
      draft.txn({ [K]: 'a' }, [1000, 1005], unanswered),
      draft.txn({ [K]: 'b' }, [1000, 1005], unanswered),
      draft.get(K, 'b', 1, 1, [1010, 1020]),
      draft.get(K, 'a', 2, 2, [1030, 1040]),
    ]);
    const key = keyOf(history);
    expect(key.status).toBe('ok');
    expect(key.placed).toBe(2);
  });

  it('leaves out a key written with a lease: etcd may delete it unseen', () => {
    const history = historyOf([{ ...draft.create(K, '1', [1000, 1010], applied(5)), lease: '1a2b' }, draft.get(K, undefined, 0, 6, [1100, 1110])]);
    expect(checkLinearizability(history).keys).toEqual([]);
  });

  it('does not take the final read of one prefix for a read of a key outside it', () => {
    const history = historyOf([draft.create(K, '1', [1000, 1010], applied(5)), draft.create(`${OTHER}x`, '2', [1000, 1010], applied(6))], {
      final: { at: 1100, revision: 6, prefix: DRILL_PREFIX, values: { [K]: '1' } },
    });
    expect(checkLinearizability(history).status).toBe('ok');
  });

  it('after a restore, judges a key from what the restore left: absent, or a value at a mod revision nobody knows', () => {
    const restores = [{ startedAt: 1100, endedAt: 1200, snapshotRevision: 5, restoredValues: {} }];
    const absent = historyOf([draft.create(K, '1', [1000, 1010], applied(5)), draft.update(K, '2', 5, [1300, 1310], applied(6))], { restores });
    expect(failedSlice(absent).from).toBe(`from the restore before it (${K} absent)`);
    expect(judge(absent).message).toMatch(new RegExp(`^${K} cannot be linearized: the operation below, from the restore before it`));

    const kept = [{ ...restores[0]!, restoredValues: { [K]: '1' } }];
    expect(judge(historyOf([draft.create(K, '1', [1000, 1010], applied(5)), draft.update(K, '2', 5, [1300, 1310], applied(6))], { restores: kept })).status).toBe('ok');
    const wrong = historyOf([draft.create(K, '1', [1000, 1010], applied(5)), draft.get(K, '9', 9, 9, [1300, 1310])], { restores: kept });
    expect(failedSlice(wrong).from).toBe(`from the restore before it (${K} = 1)`);
  });

  it('starts a key absent from the first list at the list’s revision: a create below it fails', () => {
    const list = draft.range(DRILL_PREFIX, {}, 4, [1000, 1005]);
    const watch = { prefix: DRILL_PREFIX, sessions: [{ at: 1005, reason: 'start' as const, fromRevision: 5, listOp: 1 }], events: [] };
    const history = historyOf([list, draft.create(K, '1', [1010, 1020], applied(3))], { watch });
    expect(keyOf(history).status).toBe('failed');
    expect(keyOf(historyOf([list, draft.create(K, '1', [1010, 1020], applied(5))], { watch })).status).toBe('ok');
  });
});

describe('linearizability: the failing slice and how it reads', () => {
  const sliceOf = (drafts: OperationDraft[], extra: Partial<History> = {}) => keyOf(historyOf(drafts, extra)).slice!;

  it('cuts a write that runs past the slice’s end as in flight, and leaves out a read the cut falls inside', () => {
    const history = historyOf([draft.get(K, '1', 5, 5, [1000, 1010]), draft.txn({ [K]: '2' }, [1005, 1100], applied(3)), draft.get(K, '2', 3, 3, [1006, 1060])]);
    const verdict = judge(history);
    expect(verdict.message).toBe(`${K} cannot be linearized: no order of the 2 operations below, from the start of the history (${K} absent), fits etcd's model`);
    expect(verdict.details).toEqual([
      verdict.message,
      `  op 1 get ${K} → 1 mod 5 rev 5 [0–10 ms]`,
      `  op 2 txn put ${K} = 2 → ok rev 3 [5–100 ms] (cut short: judged as in flight)`,
    ]);
  });

  it('starts at the latest call it still fails from, keeping as in flight a write that returned at that very instant', () => {
    const slice = sliceOf([draft.create(K, '1', [1000, 1010], applied(5)), draft.get(K, '1', 5, 5, [1010, 1020]), draft.get(K, undefined, 0, 5, [1030, 1040])]);
    expect(slice.from).toBe(`from any state of ${K} at 10 ms`);
    expect(slice.lines).toEqual([
      `op 1 create ${K} = 1 → ok rev 5 [0–10 ms] (cut short: judged as in flight)`,
      `op 2 get ${K} → 1 mod 5 rev 5 [10–20 ms]`,
      `op 3 get ${K} → absent rev 5 [30–40 ms]`,
    ]);
  });

  it('lists a write the slice cuts short even when no read in it shows its value', () => {
    const slice = sliceOf([
      draft.create(K, '1', [1000, 1010], applied(5)),
      draft.txn({ [K]: 'x' }, [1005, 1100], applied(6)),
      draft.get(K, '1', 5, 5, [1020, 1030]),
      draft.get(K, '2', 5, 6, [1040, 1050]),
    ]);
    expect(slice).toEqual({
      from: `from any state of ${K} at 20 ms`,
      lines: [`op 2 txn put ${K} = x → ok rev 6 [5–100 ms] (cut short: judged as in flight)`, `op 3 get ${K} → 1 mod 5 rev 5 [20–30 ms]`, `op 4 get ${K} → 2 mod 5 rev 6 [40–50 ms]`],
      unlistedWrites: 0,
    });
  });

  it('may start at the key’s very first call, from any state', () => {
    const slice = sliceOf([draft.txn({ [K]: '1' }, [1000, 1040], applied(5)), draft.get(K, '1', 5, 5, [1000, 1010]), draft.get(K, '2', 5, 5, [1020, 1030])]);
    expect(slice.from).toBe(`from any state of ${K} at 0 ms`);
    expect(slice.lines).toEqual([
      `op 1 txn put ${K} = 1 → ok rev 5 [0–40 ms] (cut short: judged as in flight)`,
      `op 2 get ${K} → 1 mod 5 rev 5 [0–10 ms]`,
      `op 3 get ${K} → 2 mod 5 rev 5 [20–30 ms]`,
    ]);
  });

  it('lists the operations in the order they were called, a read before a write', () => {
    const slice = sliceOf([draft.create(K, '1', [1005, 1030], applied(5)), draft.get(K, undefined, 0, 6, [1000, 1010])]);
    expect(slice.lines).toEqual([`op 2 get ${K} → absent rev 6 [0–10 ms]`, `op 1 create ${K} = 1 → ok rev 5 [5–30 ms]`]);
  });

  it('lists a lost write from before the slice only if a read in it shows its value, and counts the rest', () => {
    const history = historyOf([
      draft.txn({ [K]: 'a' }, [1000, 1005], unanswered),
      draft.txn({ [K]: 'b' }, [1000, 1005], unanswered),
      draft.txn({ [K]: 'c' }, [1100, 1105], unanswered),
      draft.get(K, 'a', 5, 5, [1100, 1110]),
      draft.get(K, undefined, 0, 6, [1120, 1130]),
    ]);
    const verdict = judge(history);
    expect(verdict.details).toEqual([
      `${K} cannot be linearized: no order of the 4 operations below, from any state of ${K} at 100 ms, fits etcd's model`,
      `  op 1 txn put ${K} = a → timeout (outcome unknown) [0–5 ms]`,
      `  op 3 txn put ${K} = c → timeout (outcome unknown) [100–105 ms]`,
      `  op 4 get ${K} → a mod 5 rev 5 [100–110 ms]`,
      `  op 5 get ${K} → absent rev 6 [120–130 ms]`,
      '  (and 1 earlier writes whose outcome is unknown: none of them, landed anywhere or nowhere, fixes it)',
    ]);
    expect(keyOf(history).slice!.unlistedWrites).toBe(1);
  });

  it('fails a lone read of a value no write carried, showing the lost write beside it', () => {
    const verdict = judge(historyOf([draft.txn({ [K]: '1' }, [1000, 1005], unanswered), draft.get(K, '2', 4, 4, [1100, 1110])]));
    expect(verdict.status).toBe('failed');
    expect(verdict.details).toEqual([
      `${K} cannot be linearized: no order of the 2 operations below, from the start of the history (${K} absent), fits etcd's model`,
      `  op 1 txn put ${K} = 1 → timeout (outcome unknown) [0–5 ms]`,
      `  op 2 get ${K} → 2 mod 4 rev 4 [100–110 ms]`,
    ]);
  });

  it('names a delete by its guard', () => {
    const slice = sliceOf([draft.create(K, '1', [1000, 1010], applied(5)), draft.delete(K, 5, [1020, 1030], applied(6)), draft.get(K, '1', 5, 6, [1040, 1050])]);
    expect(slice.from).toBe(`from any state of ${K} at 20 ms`);
    expect(slice.lines).toEqual([`op 2 delete ${K} if mod=5 → ok rev 6 [20–30 ms]`, `op 3 get ${K} → 1 mod 5 rev 6 [40–50 ms]`]);
  });

  it('shows a read with no header revision, and the final read, as they were answered', () => {
    const slice = sliceOf([draft.create(K, '1', [1000, 1010], applied(5)), withoutRevision(draft.get(K, '1', 5, 5, [1020, 1030]))], {
      final: { at: 1100, revision: 5, prefix: DRILL_PREFIX, values: { [K]: '2' } },
    });
    expect(slice.lines).toEqual([`op 2 get ${K} → 1 mod 5 [20–30 ms]`, `final read ${K} → 2 rev 5 [100 ms]`]);
  });
});

describe('linearizability: a read never answers below a write acknowledged before it started', () => {
  const violation = (read: string, id: number, kind: string, revision: number, writeId: number, write: string, writeRevision: number) =>
    `${read}: op ${id} (${kind}) answered at revision ${revision}, below revision ${writeRevision} of op ${writeId} (${write}) acknowledged before it started`;

  const rows: [string, OperationDraft[], Partial<History>, string[]][] = [
    [
      'writes recorded out of the order they were acknowledged',
      [draft.txn({ [L]: 'x' }, [1000, 1500], applied(7)), draft.create(K, '1', [1000, 1010], applied(20)), draft.get(M, undefined, 0, 15, [1100, 1110])],
      {},
      [violation(M, 3, 'get', 15, 2, `create ${K}`, 20)],
    ],
    [
      'the highest revision acknowledged, not the last',
      [draft.create(K, '1', [1000, 1010], applied(30)), draft.create(L, '2', [1000, 1020], applied(20)), draft.get(M, undefined, 0, 25, [1100, 1110])],
      {},
      [violation(M, 3, 'get', 25, 1, `create ${K}`, 30)],
    ],
    [
      'the highest revision acknowledged, not the first',
      [draft.create(K, '1', [1000, 1010], applied(20)), draft.create(L, '2', [1000, 1020], applied(30)), draft.get(M, undefined, 0, 25, [1100, 1110])],
      {},
      [violation(M, 3, 'get', 25, 2, `create ${L}`, 30)],
    ],
    [
      'the first write acknowledged at that revision (a delete of an absent key answers at the one it found)',
      [draft.create(K, '1', [1000, 1010], applied(20)), draft.delete(L, 0, [1000, 1020], applied(20)), draft.get(M, undefined, 0, 15, [1100, 1110])],
      {},
      [violation(M, 3, 'get', 15, 1, `create ${K}`, 20)],
    ],
    [
      'a write acknowledged with no revision binds nothing',
      [withoutRevision(draft.create(K, '1', [1000, 1010], applied(1))), draft.create(L, '2', [1020, 1030], applied(20)), draft.get(M, undefined, 0, 15, [1100, 1110])],
      {},
      [violation(M, 3, 'get', 15, 2, `create ${L}`, 20)],
    ],
    ['a list', [draft.create(K, '1', [1000, 1010], applied(20)), draft.range(OTHER, {}, 15, [1100, 1110])], {}, [violation(OTHER, 2, 'range', 15, 1, `create ${K}`, 20)]],
    [
      'a failed compare: the answer is a read',
      [draft.create(K, '1', [1000, 1010], applied(20)), draft.update(L, '2', 3, [1100, 1110], compareFailed(undefined, 0, 15))],
      {},
      [violation(L, 2, 'update', 15, 1, `create ${K}`, 20)],
    ],
    [
      'the final read',
      [draft.create(K, '1', [1000, 1010], applied(20))],
      { final: { at: 1100, revision: 15, prefix: OTHER, values: {} } },
      [`the final read answered at revision 15, below revision 20 of op 1 (create ${K}) acknowledged before it started`],
    ],
    [
      'reads judged in the order they started, whatever order they were recorded in',
      [draft.get(M, undefined, 0, 20, [1100, 1110]), draft.create(K, '1', [1000, 1050], applied(20)), draft.get(M, undefined, 0, 5, [1000, 1010])],
      {},
      [],
    ],
    ['a write acknowledged the instant the read started: concurrent, not before', [draft.create(K, '1', [1000, 1100], applied(20)), draft.get(M, undefined, 0, 15, [1100, 1110])], {}, []],
  ];

  it.each(rows)('%s', (_, drafts, extra, expected) => {
    const result = checkLinearizability(historyOf(drafts, extra));
    expect(result.headerViolations).toEqual(expected);
    expect(result.keys.every((k) => k.status === 'ok')).toBe(true);
    expect(result.status).toBe(expected.length > 0 ? 'failed' : 'ok');
  });

  it.each([
    [200, 200],
    [201, 201],
  ])('caps a verdict of %i violation lines to 200, saying how many more', (reads, lines) => {
    const drafts = [draft.create(K, '1', [1000, 1010], applied(1000)), ...Array.from({ length: reads }, (_, i) => draft.get(M, undefined, 0, 5, [1100 + i, 1101 + i]))];
    const verdict = judge(historyOf(drafts));
    expect(verdict.status).toBe('failed');
    expect(verdict.details).toHaveLength(Math.min(lines, 200) + (lines > 200 ? 1 : 0));
    expect(verdict.details.at(-1)).toMatch(lines > 200 ? /^… and 1 more lines$/ : new RegExp(`^${M}: op ${reads + 1} \\(get\\)`));
  });
});

describe('linearizability: what the result counts', () => {
  it('judges a key whose only writes were lost with nothing, and counts only decided operations', () => {
    const history = historyOf([draft.txn({ [K]: '1' }, [1000, 1005], unanswered), draft.create(L, '2', [1000, 1010], applied(5)), draft.get(L, '2', 5, 5, [1020, 1030])], {
      final: { at: 1100, revision: 5, prefix: L, values: { [L]: '2' } },
    });
    const result = checkLinearizability(history);
    expect(result.keys).toEqual([
      { key: K, status: 'ok', operations: 0, indeterminateWrites: 1, placed: 0, states: 0 },
      { key: L, status: 'ok', operations: 3, indeterminateWrites: 0, placed: 0, states: 2 },
    ]);
    expect(result).toMatchObject({ status: 'ok', operations: 2, keysJudged: 1, reads: 1, indeterminatePlaced: 0 });
  });

  it('judges each stretch between restores only on the keys it touches', () => {
    const restores = [{ startedAt: 1100, endedAt: 1200, snapshotRevision: 5, restoredValues: {} }];
    const history = historyOf([draft.create(K, '1', [1000, 1010], applied(5)), draft.create(L, '2', [1300, 1310], applied(6))], { restores });
    expect(checkLinearizability(history).keys.map((k) => [k.key, k.operations])).toEqual([
      [K, 1],
      [L, 1],
    ]);
  });

  it('linearizes a valid history with no lost responses straight: one state per operation but the last', () => {
    for (const seed of [1, 2, 3]) {
      const result = checkLinearizability(generateKvHistory({ seed, operations: 300, keys: 2, clients: 6, timeoutRate: 0 }));
      expect(result.status).toBe('ok');
      expect(result.keys.map((k) => k.states)).toEqual(result.keys.map((k) => k.operations - 1));
    }
  });

  it('refutes a contradiction among many lost writes without running out of budget', () => {
    const lost = Array.from({ length: 8 }, (_, i) => draft.txn({ [K]: `v${i}` }, [1000, 1005], unanswered));
    const history = historyOf([...lost, draft.get(K, 'v0', 20, 20, [1100, 1110]), draft.get(K, undefined, 0, 21, [1200, 1210])]);
    const key = keyOf(history, K, { maxStatesPerKey: 20_000 });
    expect(key.status).toBe('failed');
  });
});

describe('linearizability: budget and progress', () => {
  const oneBusyKey = generateKvHistory({ seed: 1, operations: 2000, keys: 1, clients: 8, timeoutRate: 0.05 });
  const busyKey = `${DRILL_PREFIX}0`;

  it('reports progress every 1,024 states and when a key is decided', () => {
    const progress: { key: string; states: number }[] = [];
    const result = checkLinearizability(oneBusyKey, { onProgress: (p) => progress.push(p) });
    expect(result.status).toBe('ok');
    const states = result.keys[0]!.states;
    expect(states).toBeGreaterThan(2048);
    expect(progress).toEqual([
      { key: busyKey, states: 1024 },
      { key: busyKey, states: 2048 },
      { key: busyKey, states },
    ]);
    // Without a listener, the same search runs to the same end.
    expect(checkLinearizability(oneBusyKey).keys[0]!.states).toBe(states);
  });

  it('gives up when the clock passes its deadline during a search, at the next progress report', () => {
    const timeLimitMs = 150;
    const before = performance.now();
    const spinPastDeadline = () => {
      while (performance.now() < before + timeLimitMs + 20);
    };
    const result = checkLinearizability(oneBusyKey, { timeLimitMs, onProgress: spinPastDeadline });
    expect(result.status).toBe('unknown');
    expect(result.keys[0]).toMatchObject({ status: 'unknown', states: 1024, placed: 0 });
  });

  it('is unknown, not ok, when a key needs exactly one state more than its budget', () => {
    const drafts = [draft.create(K, '1', [1000, 1010], applied(5)), draft.update(K, '2', 5, [1020, 1030], applied(6)), draft.get(K, '2', 6, 6, [1040, 1050]), draft.get(K, '2', 6, 6, [1060, 1070])];
    expect(keyOf(historyOf(drafts), K, { maxStatesPerKey: 3 })).toMatchObject({ status: 'unknown', states: 3 });
    expect(keyOf(historyOf(drafts), K, { maxStatesPerKey: 4 })).toMatchObject({ status: 'ok', states: 3 });
  });

  it('leaves a key it has no time left for unknown without searching, and names the most states any search spent', () => {
    const timeLimitMs = 150;
    const drafts = (key: string, first: number, t: number) => [
      draft.create(key, '1', [t, t + 10], applied(first)),
      draft.update(key, '2', first, [t + 20, t + 30], applied(first + 1)),
      draft.get(key, '2', first + 1, first + 1, [t + 40, t + 50]),
      draft.get(key, '2', first + 1, first + 1, [t + 60, t + 70]),
    ];
    const history = historyOf([...drafts(K, 5, 1000), ...drafts(L, 7, 1100)]);
    const before = performance.now();
    const result = checkLinearizability(history, {
      maxStatesPerKey: 2,
      timeLimitMs,
      onProgress: () => {
        while (performance.now() < before + timeLimitMs + 20);
      },
    });
    expect(result.keys.map((k) => [k.key, k.status, k.states])).toEqual([
      [K, 'unknown', 2],
      [L, 'unknown', 0],
    ]);
    expect(linearizabilityVerdict(result, {}).message).toMatch(
      new RegExp(`^unknown: the search for 2 of 2 keys \\(${K} first\\) passed its budget \\(up to 2 states\\) without finding a violation`),
    );
  });
});
