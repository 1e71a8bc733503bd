import { describe, expect, it } from 'vitest';
import { ackedWritesDurable } from '../../src/checks/acked-writes-durable.js';
import { converged } from '../../src/checks/converged.js';
import { percentiles, unavailabilityWindows } from '../../src/checks/latency.js';
import { noStaleReads } from '../../src/checks/no-stale-reads.js';
import { downStretches, quorumSemantics } from '../../src/checks/quorum-semantics.js';
import { verdictOf, type CheckDefinition, type Verdict } from '../../src/checks/verdict.js';
import { emptyHistory, isWrite, type History, type Operation } from '../../src/workload/history.js';
import {
  cleanRun,
  conflict,
  create,
  del,
  fault,
  get,
  history,
  MEMBERS,
  PREFIX,
  range,
  restore,
  sget,
  snapshot,
  timedOut,
  txn,
  update,
} from './fixtures/history.js';

const K = `${PREFIX}3`;
const K2 = `${PREFIX}4`;

/** The history after heal read `values` under the prefix. */
const finalRead = (values: Record<string, string>, at = 10_000) => ({ at, revision: 99, prefix: PREFIX, values });

/** Every check, judged with its default floors, must say "not enough" about a history with nothing in it. */
describe.each<[string, CheckDefinition]>([
  ['acked-writes-durable', ackedWritesDurable],
  ['no-stale-reads', noStaleReads],
  ['quorum-semantics', quorumSemantics],
  ['converged', converged],
])('%s on the empty history', (name, check) => {
  it('is inconclusive, never ok', () => {
    const v = check.judge(emptyHistory(), {});
    expect(v).toMatchObject({ check: name, status: 'inconclusive', ok: false, details: [] });
    expect(v.message).toMatch(/^inconclusive: only 0 .*\(floor \d+\)/);
  });
});

describe('verdictOf', () => {
  const evidence = (count: number, min: number, defaultMin = 20) => [{ floor: 'reads', what: 'reads compared', count, min, defaultMin }];

  it('caps details at 20 lines', () => {
    const v = verdictOf('x', Array.from({ length: 25 }, (_, i) => `v${i}`), evidence(100, 20));
    expect(v).toMatchObject({ status: 'failed', ok: false, message: 'v0 (and 24 more)' });
    expect(v.details).toHaveLength(21);
    expect(v.details[20]).toBe('… and 5 more');
  });

  it('fails on a violation even when the count is below the floor', () => {
    expect(verdictOf('x', ['bad'], evidence(1, 20)).status).toBe('failed');
  });

  it('is inconclusive below the floor, and says so with the count and the floor', () => {
    const v = verdictOf('x', [], evidence(3, 20));
    expect(v).toMatchObject({ status: 'inconclusive', ok: false });
    // The count, the floor, and where to lower it.
    expect(v.message).toMatch(/^inconclusive: only 3 reads compared \(floor 20\); .*floors:/);
  });

  it('shows a lowered floor in an ok message', () => {
    expect(verdictOf('x', [], evidence(3, 3), 'none was stale')).toMatchObject({ status: 'ok', ok: true, message: '3 reads compared (floor lowered to 3): none was stale' });
  });
});

/** A floor test: `h` is inconclusive with the check's defaults and ok with `floor` lowered to `min`. */
function expectFloor(check: CheckDefinition, h: History, floor: string, min: number): Verdict {
  const strict = check.judge(h, {});
  expect(strict.status, strict.message).toBe('inconclusive');
  expect(strict.evidence).toContainEqual(expect.objectContaining({ floor, min: check.floors[floor], defaultMin: check.floors[floor] }));
  const lowered = check.judge(h, { [floor]: min });
  expect(lowered.status, lowered.message).toBe('ok');
  expect(lowered.evidence).toContainEqual(expect.objectContaining({ floor, min, defaultMin: check.floors[floor] }));
  expect(lowered.message).toContain(`(floor lowered to ${min})`);
  return lowered;
}

describe('acked-writes-durable', () => {
  const judge = (h: History) => ackedWritesDurable.judge(h, { writes: 1 });

  it('passes a clean run, saying how many acknowledged writes it compared', () => {
    const h = cleanRun();
    const acked = h.operations.filter((o) => isWrite(o) && o.ok).length;
    const v = ackedWritesDurable.judge(h, {});
    expect(v).toMatchObject({ check: 'acked-writes-durable', status: 'ok', ok: true, details: [] });
    expect(v.message).toBe(`${acked} acknowledged writes compared with the store after heal (revision ${h.final!.revision}): every one survived`);
  });

  it('fails on a lost update, naming the key, the value and the op', () => {
    const lost = update(K, '2', 6, 20);
    const v = judge(history({ operations: [create(K, '1', 5, 0), lost], final: finalRead({ [K]: '1' }) }));
    expect(v.status).toBe('failed');
    expect(v.message).toBe(`${K}: acknowledged update = 2 (op ${lost.id}, revision 6) is lost: holds 1 after heal`);
  });

  it('fails when a key is absent after an acknowledged update', () => {
    const written = update(K, '2', 6, 20);
    const v = judge(history({ operations: [create(K, '1', 5, 0), written], final: finalRead({}) }));
    expect(v.status).toBe('failed');
    expect(v.details).toContain(`${K}: acknowledged update = 2 (op ${written.id}, revision 6) is lost: key absent after heal`);
  });

  it('accepts a key absent after an acknowledged delete, and after a later one', () => {
    const h = history({ operations: [create(K, '1', 5, 0), del(K, 6, 20), create(K2, '2', 7, 30), del(K2, 8, 40)], final: finalRead({}) });
    expect(judge(h)).toMatchObject({ status: 'ok', evidence: [expect.objectContaining({ count: 4 })] });
  });

  it('fails when a deleted key is back holding what the delete removed', () => {
    const removal = del(K, 6, 20);
    const v = judge(history({ operations: [create(K, '1', 5, 0), removal], final: finalRead({ [K]: '1' }) }));
    expect(v.status).toBe('failed');
    expect(v.message).toContain(`${K}: acknowledged delete (op ${removal.id}, revision 6) is lost: holds 1`);
  });

  it('fails on a final value no write put there, naming the key', () => {
    const v = judge(history({ operations: [create(K, '1', 5, 0)], final: finalRead({ [K]: '99' }) }));
    expect(v.status).toBe('failed');
    expect(v.message).toBe(`${K} holds 99 after heal, a value no write of this run put there`);
  });

  it('judges every key a txn put', () => {
    const both = txn([{ key: K, value: '1' }, { key: K2, value: '2' }], 5, 0);
    const v = judge(history({ operations: [both], final: finalRead({ [K]: '1' }) }));
    expect(v.message).toBe(`${K2}: acknowledged txn (op ${both.id}, revision 5) is lost: key absent after heal`);
  });

  describe('never fails on a write whose outcome is unknown', () => {
    it('whether or not it was applied', () => {
      const ops = [create(K, '1', 5, 0), timedOut(update(K, '2', 0, 20, 900))];
      expect(judge(history({ operations: ops, final: finalRead({ [K]: '1' }) })).status).toBe('ok');
      expect(judge(history({ operations: ops, final: finalRead({ [K]: '2' }) })).status).toBe('ok');
    });

    it('on a key no write was acknowledged for', () => {
      const v = ackedWritesDurable.judge(history({ operations: [timedOut(create(K, '1', 0, 0))], final: finalRead({ [K]: '1' }) }), { writes: 0 });
      expect(v.status).toBe('ok');
    });

    it('when it was sent before the acknowledged write was answered, and may have landed after it', () => {
      // The txn is unconditional: applied after the update, it leaves its own value.
      const ops = [update(K, '1', 5, 0, 50), timedOut(txn([{ key: K, value: '2' }], 0, 10, 900))];
      expect(judge(history({ operations: ops, final: finalRead({ [K]: '2' }) })).status).toBe('ok');
    });
  });

  it('does not take a failed compare for the write of the value it reported', () => {
    // The update was applied first; its answer came back after the conflicting create's (operations are in the order they finished).
    const written = update(K, '1', 5, 0, 50);
    const refused = conflict(create(K, 'x', 0, 10, 20), '1', 5);
    const v = judge(history({ operations: [refused, written], final: finalRead({ [K]: '1' }) }));
    expect(v.status, v.message).toBe('ok');
  });

  it('does not judge writes from before the last restore', () => {
    const h = history({
      operations: [create(K, '1', 5, 0), update(K, '2', 6, 10), create(K2, '3', 3, 3000)],
      restores: [restore(1000, 2000, 5, { [K]: '1' })],
      final: finalRead({ [K]: '1', [K2]: '3' }),
    });
    const v = judge(h);
    expect(v.status, v.message).toBe('ok');
    expect(v.evidence[0]!.count).toBe(1);
  });

  it('is inconclusive when the run never read the store after heal', () => {
    const v = ackedWritesDurable.judge(history({ operations: [create(K, '1', 5, 0)] }), {});
    expect(v.status).toBe('inconclusive');
    expect(v.message).toContain('(never read: the run ended early)');
  });

  it('is inconclusive below its floor, and ok with the floor lowered', () => {
    const ops = [create(K, '1', 5, 0), update(K, '2', 6, 10), create(K2, '3', 7, 20)];
    expectFloor(ackedWritesDurable, history({ operations: ops, final: finalRead({ [K]: '2', [K2]: '3' }) }), 'writes', 3);
  });
});

describe('no-stale-reads', () => {
  const judge = (operations: Operation[], fields: Partial<History> = {}) => noStaleReads.judge(history({ operations, ...fields }), { reads: 1 });

  it('passes a clean run, saying how many reads it compared', () => {
    const h = cleanRun();
    const v = noStaleReads.judge(h, {});
    expect(v).toMatchObject({ check: 'no-stale-reads', status: 'ok', ok: true, details: [] });
    expect(v.message).toMatch(/^\d+ reads compared with an earlier acknowledged write \(of \d+ acknowledged writes, on 4 keys\): none was stale$/);
    expect(v.evidence[0]!.count).toBeGreaterThanOrEqual(20);
  });

  it('counts only the acknowledged writes as acknowledged writes', () => {
    const v = judge([create(K, '1', 5, 0), get(K, '1', 10), get(K, '1', 20), sget(K, '1', 'member3', 30)]);
    expect(v.message).toContain('2 reads compared with an earlier acknowledged write (of 1 acknowledged writes, on 1 keys)');
  });

  it('fails on a stale read, naming the key, the read and the write it missed', () => {
    const later = update(K, '2', 6, 20, 30);
    const stale = get(K, '1', 31);
    const v = judge([create(K, '1', 5, 0), later, stale]);
    expect(v.status).toBe('failed');
    expect(v.message).toBe(`stale read of ${K} (op ${stale.id}, get) returned 1 after update = 2 (op ${later.id}, revision 6) was acknowledged`);
  });

  it('fails when the key reads absent after an acknowledged create', () => {
    const v = judge([create(K, '1', 5, 0), get(K, undefined, 11)]);
    expect(v.status).toBe('failed');
    expect(v.message).toContain('returned nothing after create = 1');
  });

  it('fails when a deleted key still reads its old value, and accepts it absent', () => {
    const removal = del(K, 6, 20);
    expect(judge([create(K, '1', 5, 0), removal, get(K, undefined, 30)]).status).toBe('ok');
    const v = judge([create(K, '1', 5, 0), removal, get(K, '1', 30)]);
    expect(v.message).toContain(`returned 1 after delete (op ${removal.id}, revision 6)`);
  });

  it('lets a read concurrent with a write return the old value or the new', () => {
    const ops = [create(K, '1', 5, 0), update(K, '2', 6, 20, 30)];
    expect(judge([...ops, get(K, '1', 25, 35)]).status).toBe('ok');
    expect(judge([...ops, get(K, '2', 25, 35)]).status).toBe('ok');
  });

  describe('compares every key a list shows', () => {
    const writes = () => [create(K, '1', 5, 0), create(K2, '2', 6, 10), update(K, '3', 7, 20)];

    it('as a read of each', () => {
      const v = judge([...writes(), range(PREFIX, { [K]: '3', [K2]: '2' }, 30)]);
      expect(v.status).toBe('ok');
      expect(v.evidence[0]!.count).toBe(2);
    });

    it('and fails on a stale entry, naming the key and the list', () => {
      const list = range(PREFIX, { [K]: '1', [K2]: '2' }, 30);
      const v = judge([...writes(), list]);
      expect(v.status).toBe('failed');
      expect(v.message).toMatch(new RegExp(`^stale read of ${K} \\(op ${list.id}, range\\) returned 1 after update = 3`));
    });

    it('and takes a written key it left out as read absent', () => {
      const list = range(PREFIX, { [K]: '3' }, 30);
      const v = judge([...writes(), list]);
      expect(v.message).toMatch(new RegExp(`^stale read of ${K2} \\(op ${list.id}, range\\) returned nothing after create = 2`));
    });
  });

  it('counts a failed compare as a read of the value it reported', () => {
    const ops = [create(K, '1', 5, 0), update(K, '2', 6, 10)];
    const fresh = conflict(update(K, 'x', 0, 30), '2', 6);
    expect(judge([...ops, fresh])).toMatchObject({ status: 'ok', evidence: [expect.objectContaining({ count: 1 })] });
    const stale = conflict(update(K, 'x', 0, 30), '1', 5);
    const v = judge([...ops, stale]);
    expect(v.status).toBe('failed');
    expect(v.message).toContain(`stale read of ${K} (op ${stale.id}, update) returned 1 after update = 2`);
  });

  it('ignores serializable reads, failed reads and writes with an unknown outcome', () => {
    const ops = [create(K, '1', 5, 0), update(K, '2', 6, 20, 30), sget(K, '1', 'member3', 31), timedOut(get(K, undefined, 31, 40))];
    const v = noStaleReads.judge(history({ operations: ops }), {});
    expect(v.status).toBe('inconclusive');
    expect(v.evidence[0]!.count).toBe(0);
    expect(judge([create(K, '1', 5, 0), timedOut(update(K, '2', 0, 20, 30)), get(K, '1', 40)]).status).toBe('ok');
  });

  it('does not hold reads after a restore to the writes it rolled back', () => {
    const h = { restores: [restore(1000, 2000, 5, { [K]: '1' })] };
    expect(judge([create(K, '1', 5, 0), update(K, '2', 6, 10), get(K, '1', 2500), update(K, '3', 6, 2600), get(K, '3', 2700)], h).status).toBe('ok');
  });

  it('is inconclusive below its floor, and ok with the floor lowered', () => {
    expectFloor(noStaleReads, history({ operations: [create(K, '1', 5, 0), get(K, '1', 10), get(K, '1', 20)] }), 'reads', 2);
  });

  it('handles 20k ops quickly', () => {
    const operations: Operation[] = [];
    for (let i = 0; i < 10_000; i++) operations.push(update(`${PREFIX}${i % 50}`, String(i), i + 2, i * 10), get(`${PREFIX}${i % 50}`, String(i), i * 10 + 6));
    const t0 = performance.now();
    expect(noStaleReads.judge(history({ operations }), {}).status).toBe('ok');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('quorum-semantics', () => {
  const settleMs = 100;
  const judge = (operations: Operation[], fields: Partial<History>) => quorumSemantics.judge(history({ settleMs, operations, ...fields }), {});
  /** A successful write well after everything, so the history's end lies past every fault. */
  const tail = () => create(`${PREFIX}tail`, 'tail', 99, 9000);

  describe('down stretches', () => {
    it('follow every change across faults, each from the settle time after it', () => {
      const faults = [fault('f1', ['member1', 'member2'], 5, 0, 5000), fault('f2', ['member3'], 5, 1000, 3000)];
      expect(downStretches(faults, settleMs, 9000).map(({ from, to, down }) => ({ from, to, down }))).toEqual([
        { from: 100, to: 1000, down: ['member1', 'member2'] },
        { from: 1100, to: 3000, down: ['member1', 'member2', 'member3'] },
        { from: 3100, to: 5000, down: ['member1', 'member2'] },
      ]);
    });

    it('leave out faults that take no member down, and changes closer together than the settle time', () => {
      expect(downStretches([fault('f1', ['member1'], 3, 0, 1000, false)], settleMs, 9000)).toEqual([]);
      expect(downStretches([fault('f1', ['member1'], 3, 0, 50)], settleMs, 9000)).toEqual([]);
    });
  });

  it('passes a quorum loss with writes refused and serializable reads answered', () => {
    const ops = [create(K, '1', 5, 50), timedOut(update(K, '2', 0, 200, 900)), sget(K, '1', 'member3', 300), update(K, '3', 6, 1150), tail()];
    const v = judge(ops, { faults: [fault('f1', ['member1', 'member2'], 3, 0, 1000)] });
    expect(v).toMatchObject({ check: 'quorum-semantics', status: 'ok', ok: true });
    expect(v.message).toBe('1 stretches of members down judged, 1 with quorum lost: each behaved as quorum predicts');
  });

  it('fails on a write acknowledged while quorum was lost, naming the op and the members down', () => {
    const acked = update(K, '2', 6, 200, 300);
    const v = judge([acked, tail()], { faults: [fault('f1', ['member1', 'member2'], 3, 0, 1000)] });
    expect(v.status).toBe('failed');
    expect(v.message).toMatch(new RegExp(`^update of ${K} \\(op ${acked.id}, revision 6\\) was acknowledged while quorum was lost: member1, member2 down \\(2/3: kill f1\\)`));
  });

  describe('two minority faults that overlap and together lose quorum (5 members)', () => {
    const both = [fault('f1', ['member1', 'member2'], 5, 0, 5000), fault('f2', ['member3'], 5, 1000, 3000)];
    /** Writes go on whenever a minority is down. */
    const minorityWrites = () => [update(K2, 'a', 10, 500), update(K2, 'b', 11, 3500)];

    it('flag a write acknowledged while both are in force', () => {
      const acked = update(K, '2', 20, 1500);
      const v = judge([...minorityWrites(), acked, tail()], { faults: both });
      expect(v.status).toBe('failed');
      expect(v.message).toContain(`(op ${acked.id}, revision 20) was acknowledged while quorum was lost: member1, member2, member3 down (3/5: kill f1 + kill f2)`);
    });

    it('accept the same write under only one of them', () => {
      const acked = update(K, '2', 20, 1500);
      const v = judge([...minorityWrites(), acked, tail()], { faults: [both[0]!] });
      expect(v.status, v.message).toBe('ok');
      expect(v.message).toMatch(/^1 stretches of members down judged, 0 with quorum lost/);
    });

    it('judge each change from its settle time: after the second fault, and after its heal', () => {
      const ops = [
        ...minorityWrites(),
        update(K, '2', 20, 1010, 1090), // acknowledged before the cluster could notice member3 went down
        update(K, '3', 21, 2950, 3050), // acknowledged once member3's heal began
        timedOut(update(K, 'x', 0, 3010, 3090)), // failed while member3 was still coming back
      ];
      const v = judge([...ops, tail()], { faults: both });
      expect(v.status, v.message).toBe('ok');
      expect(v.message).toMatch(/^3 stretches of members down judged, 1 with quorum lost/);

      const late = update(K, '4', 22, 1110, 1120);
      expect(judge([...ops, late, tail()], { faults: both }).message).toContain(`(op ${late.id}, revision 22) was acknowledged while quorum was lost`);
    });
  });

  it('fails when every serializable read failed while quorum was lost', () => {
    const ops = [timedOut(sget(K, undefined, 'member3', 200, 300)), timedOut(sget(K, undefined, 'member3', 400, 500)), tail()];
    const v = judge(ops, { faults: [fault('f1', ['member1', 'member2'], 3, 0, 1000)] });
    expect(v.status).toBe('failed');
    expect(v.message).toMatch(new RegExp(`^all 2 serializable reads of the surviving members failed while quorum was lost .*first op ${ops[0]!.id} on member3: etcdserver: request timed out`));
  });

  it('does not count serializable reads sent to members that are down', () => {
    const ops = [timedOut(sget(K, undefined, 'member1', 200, 300)), timedOut(sget(K, undefined, 'member2', 400, 500)), tail()];
    const v = judge(ops, { faults: [fault('f1', ['member1', 'member2'], 3, 0, 1000)] });
    expect(v.status).toBe('ok');
  });

  it('passes a minority stretch in which writes go on', () => {
    const ops = [timedOut(update(K, '1', 0, 200, 250)), update(K, '2', 6, 300, 400), tail()];
    const v = judge(ops, { faults: [fault('f1', ['member1'], 3, 0, 1000)] });
    expect(v.status, v.message).toBe('ok');
  });

  it('fails a minority stretch with no successful write, naming the members down and the op', () => {
    const refused = timedOut(update(K, '1', 0, 200, 900));
    const v = judge([refused, tail()], { faults: [fault('f1', ['member1'], 3, 0, 1000)] });
    expect(v.status).toBe('failed');
    expect(v.message).toMatch(new RegExp(`^no write succeeded with only a minority down \\(member1 down \\(1/3: kill f1\\).*\\): 1 tried, first failure op ${refused.id} on ${K}: etcdserver: request timed out$`));
  });

  it('does not take a failed compare for a refused write', () => {
    const ops = [conflict(update(K, '1', 0, 200), '0', 4), tail()];
    const v = quorumSemantics.judge(history({ settleMs, operations: ops, faults: [fault('f1', ['member1'], 3, 0, 1000)] }), { stretches: 0 });
    expect(v.status, v.message).toBe('ok');
    expect(v.evidence[0]!.count).toBe(0);
  });

  it('ends a fault’s stretch at a restore, which rebuilds every member', () => {
    const lost = fault('f1', ['member1', 'member2'], 3, 0, undefined);
    const ops = [sget(K, '1', 'member3', 200), update(K, '2', 6, 3000), tail()];
    const v = judge(ops, { faults: [lost], restores: [restore(2000, 2500, 5)] });
    expect(v.status, v.message).toBe('ok');
    expect(judge(ops, { faults: [lost] }).status).toBe('failed');
  });

  it('is inconclusive when no stretch could be judged, and ok with the floor lowered', () => {
    // A minority down, but no write was tried while it was.
    expectFloor(quorumSemantics, history({ settleMs, operations: [tail()], faults: [fault('f1', ['member1'], 3, 0, 1000)] }), 'stretches', 0);
  });
});

describe('converged', () => {
  const judge = (members: History['members'], expectedMembers: string[] | undefined = MEMBERS) => converged.judge(history({ members, expectedMembers }), {});

  it('passes when every member agrees, saying how many it compared', () => {
    const v = judge(MEMBERS.map((n) => snapshot(n)));
    expect(v).toMatchObject({ check: 'converged', status: 'ok', ok: true });
    expect(v.message).toBe('3 members compared at revision 40: all agree on revision, hash, membership and leader');
  });

  it('names the member whose hash diverges', () => {
    const v = judge([snapshot('member1'), snapshot('member2'), snapshot('member3', { hashKV: 123 })]);
    expect(v.status).toBe('failed');
    expect(v.message).toBe("member3 hashKV 123 at revision 40 differs from member1's 456");
  });

  it('names the members that disagree on the leader', () => {
    const v = judge([snapshot('member1'), snapshot('member2', { leaderId: 'b' }), snapshot('member3')]);
    expect(v.status).toBe('failed');
    expect(v.message).toContain('member2 follows b');
  });

  it('names an unreachable member, a lagging revision and a short member list', () => {
    const v = judge([snapshot('member1', { revision: 38 }), snapshot('member2', { memberIds: ['a', 'b'] }), snapshot('member3'), snapshot('member4', { reachable: false })]);
    expect(v.status).toBe('failed');
    expect(v.details).toEqual(
      expect.arrayContaining([
        'member4 is unreachable',
        "member1 revision 38 differs from member2's 40",
        "member2 member ids a,b differs from member1's a,b,c",
        'member2 lists 2 members, expected 3',
      ]),
    );
  });

  it('names an expected member with no snapshot', () => {
    expect(judge([snapshot('member1'), snapshot('member2')]).message).toBe('member3 is expected but has no snapshot');
  });

  it('is inconclusive with no member to compare, and ok with the floor lowered', () => {
    expectFloor(converged, history({ members: [] }), 'members', 0);
  });

  it('is inconclusive below a raised floor', () => {
    const v = converged.judge(history({ members: MEMBERS.map((n) => snapshot(n)), expectedMembers: MEMBERS }), { members: 5 });
    expect(v.status).toBe('inconclusive');
    expect(v.evidence).toEqual([expect.objectContaining({ floor: 'members', count: 3, min: 5, defaultMin: 1 })]);
  });
});

describe('latency', () => {
  it('computes nearest-rank percentiles on 1..100', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100, count: 100 });
    expect(percentiles([7], [0, 100])).toEqual({ p0: 7, p100: 7, max: 7, count: 1 });
  });

  it('reports NaN on no values', () => {
    expect(percentiles([])).toEqual({ p50: NaN, p90: NaN, p99: NaN, max: NaN, count: 0 });
  });

  it('groups consecutive failed writes and ends at the next success; reads and failed compares do not count', () => {
    const ops = [
      create(K, '1', 5, 0, 10),
      timedOut(update(K, '2', 0, 20, 120)),
      timedOut(get(K, undefined, 25, 30)),
      conflict(update(K, 'c', 0, 125, 128), '1', 5),
      timedOut(update(K, '3', 0, 130, 230)),
      update(K, '4', 6, 240, 260),
      conflict(update(K, 'd', 0, 270, 280), '4', 6),
      timedOut(del(K, 0, 300, 400)),
    ];
    expect(unavailabilityWindows(history({ operations: ops }))).toEqual([
      { start: 20, end: 260, failedOps: 2, firstError: 'etcdserver: request timed out' },
      { start: 300, end: undefined, failedOps: 1, firstError: 'etcdserver: request timed out' },
    ]);
  });
});
