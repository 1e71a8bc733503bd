import { describe, expect, it } from 'vitest';
import { ackedWritesDurable } from '../../src/checks/acked-writes-durable.js';
import { converged } from '../../src/checks/converged.js';
import { unavailabilityWindows } from '../../src/checks/latency.js';
import { percentiles } from '../../src/percentiles.js';
import { noStaleReads } from '../../src/checks/no-stale-reads.js';
import { downStretches, quorumSemantics } from '../../src/checks/quorum-semantics.js';
import { judgeRestore, restoreRpo } from '../../src/checks/restore-rpo.js';
import { mayFollow, showsWriteOrLater, writerOf, writesByKey } from '../../src/checks/key-order.js';
import { floorProblems, judge as judgeByName, lookupCheck } from '../../src/checks/registry.js';
import { restoreEpochs, sinceLastRestore } from '../../src/checks/since-restore.js';
import { unknownVerdict, verdictOf, type CheckDefinition, type Verdict } from '../../src/checks/verdict.js';
import { InvalidInputError } from '../../src/errors.js';
import { emptyHistory, isIndeterminate, isWrite, type History, type Operation } from '../../src/workload/history.js';
import { classifyError } from '../../src/topology/client.js';
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
} from '../support/history.js';

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
  expect(strict, strict.message).toMatchObject({ status: 'inconclusive', ok: false });
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
    expect(v).toMatchObject({ status: 'inconclusive', ok: false });
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
    expect(v.status).toBe('failed');
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

  // Its speed is measured by `npm run bench:checker`'s histories, not timed here.
  it('judges a 20k-operation history, every read compared', () => {
    const operations: Operation[] = [];
    for (let i = 0; i < 10_000; i++) operations.push(update(`${PREFIX}${i % 50}`, String(i), i + 2, i * 10), get(`${PREFIX}${i % 50}`, String(i), i * 10 + 6));
    const verdict = noStaleReads.judge(history({ operations }), {});
    expect(verdict.status).toBe('ok');
    expect(verdict.evidence[0]!.count).toBe(10_000);
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

  it('does not take a write abandoned when the API servers stopped for a refused one', () => {
    const error = 'the API servers stopped while this call was outstanding: it gave no answer';
    const abandoned = { ...update(K, '1', 0, 200, 900), ok: false, revision: undefined, error, errorKind: classifyError(error) };
    const v = quorumSemantics.judge(history({ settleMs, operations: [abandoned, tail()], faults: [fault('f1', ['member1'], 3, 0, 1000)] }), { stretches: 0 });
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
    expect(v).toMatchObject({ status: 'inconclusive', ok: false });
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

  it('leaves out writes abandoned when the API servers stopped: nobody refused them', () => {
    const error = 'the API servers stopped while this call was outstanding: it gave no answer';
    expect(classifyError(error)).toBe('abandoned');
    const abandoned = { ...update(K, '2', 0, 20, 30), ok: false, revision: undefined, error, errorKind: classifyError(error) };
    expect(unavailabilityWindows(history({ operations: [create(K, '1', 5, 0, 10), abandoned] }))).toEqual([]);
    expect(isIndeterminate(abandoned)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Boundaries and branches of the judges (each pins a behaviour a mutation run found untested).

describe('key order: which write may have followed which', () => {
  it('a write never follows itself, whatever its outcome', () => {
    const acked = update(K, '1', 5, 0);
    const unknown = timedOut(update(K, '2', 0, 10));
    expect(mayFollow(acked, acked)).toBe(false);
    expect(mayFollow(unknown, unknown)).toBe(false);
  });

  it('an applied write follows only a write of a strictly lower revision', () => {
    const a = update(K, '1', 5, 0);
    expect(mayFollow(update(K, '2', 6, 10), a)).toBe(true);
    expect(mayFollow(update(K, '2', 5, 10), a)).toBe(false);
    expect(mayFollow(update(K, '2', 4, 10), a)).toBe(false);
  });

  it('a failed compare never follows anything, even with a higher revision in its answer', () => {
    const failed: Operation = { ...conflict(update(K, 'x', 0, 10), '1', 5), revision: 9 };
    expect(mayFollow(failed, update(K, '1', 5, 0))).toBe(false);
  });

  it('a write whose outcome is unknown may follow any other', () => {
    expect(mayFollow(timedOut(update(K, '2', 0, 10)), update(K, '1', 5, 20))).toBe(true);
  });

  it('finds the writer of a value on that key only, not on another key a txn put', () => {
    const both = txn([{ key: K, value: '1' }, { key: K2, value: '2' }], 5, 0);
    expect(writerOf(K2, '2', [both])).toBe(both);
    expect(writerOf(K2, '1', [both])).toBeUndefined();
  });

  it('a value no write put shows no write', () => {
    const w = create(K, '1', 5, 0);
    expect(showsWriteOrLater(K, w, '42', [w], 100)).toBe(false);
  });

  it('a later write shows only if it was sent strictly before the key was seen', () => {
    const w = create(K, '1', 5, 0);
    const later = update(K, '2', 6, 50);
    expect(showsWriteOrLater(K, w, '2', [w, later], 51)).toBe(true);
    expect(showsWriteOrLater(K, w, '2', [w, later], 50)).toBe(false);
    expect(showsWriteOrLater(K, w, '2', [w, later], 40)).toBe(false);
  });

  it('an absent key shows a delete, and only a later delete sent in time', () => {
    const first = del(K, 3, 0);
    const w = create(K, '1', 4, 10);
    const later = del(K, 5, 20);
    const all = [first, w, later];
    expect(showsWriteOrLater(K, later, undefined, all, 100)).toBe(true);
    expect(showsWriteOrLater(K, w, undefined, all, 100)).toBe(true);
    expect(showsWriteOrLater(K, w, undefined, all, 20)).toBe(false);
    expect(showsWriteOrLater(K, w, undefined, [first, w], 100)).toBe(false);
  });

  it('an absent key does not show a later update or create', () => {
    const w = create(K, '1', 4, 10);
    expect(showsWriteOrLater(K, w, undefined, [w], 100)).toBe(false);
    expect(showsWriteOrLater(K, w, undefined, [w, update(K, '2', 5, 20)], 100)).toBe(false);
  });

  it('groups applied and unknown writes by key, leaving failed compares out', () => {
    const a = create(K, '1', 5, 0);
    const lost = timedOut(update(K, '2', 0, 10));
    const refused = conflict(update(K, '3', 0, 20), '1', 5);
    const both = txn([{ key: K, value: '4' }, { key: K2, value: '5' }], 6, 30);
    expect(writesByKey([a, lost, refused, both, get(K, '1', 40)])).toEqual(
      new Map([
        [K, [a, lost, both]],
        [K2, [both]],
      ]),
    );
  });
});

describe('stretches between restores', () => {
  const early = restore(100, 200, 5);
  const late = restore(300, 400, 8);

  it('order restores by when they started, however they were recorded', () => {
    const ops = [get(K, '1', 50), get(K, '1', 250), get(K, '1', 450)];
    const epochs = restoreEpochs(history({ operations: ops, restores: [late, early] }));
    expect(epochs.map((e) => e.operations)).toEqual([[ops[0]], [ops[1]], [ops[2]]]);
    expect(epochs.map((e) => e.after)).toEqual([undefined, early, late]);
    expect(epochs.map((e) => e.last)).toEqual([false, false, true]);
    expect(sinceLastRestore(history({ operations: ops, restores: [late, early] }))).toEqual([ops[2]]);
  });

  it('sort three restores recorded out of order', () => {
    const third = restore(500, 600, 9);
    const epochs = restoreEpochs(history({ restores: [late, third, early] }));
    expect(epochs.map((e) => e.after)).toEqual([undefined, early, late, third]);
  });

  it('leave out an op sent exactly when a restore ended or the next one started', () => {
    const atEnd = get(K, '1', 200);
    const atNextStart = get(K, '1', 300);
    const inside = get(K, '1', 201);
    const epochs = restoreEpochs(history({ operations: [atEnd, inside, atNextStart], restores: [early, late] }));
    expect(epochs[1]!.operations).toEqual([inside]);
  });

  it('with no restore, everything is one last stretch', () => {
    const ops = [get(K, '1', 0)];
    expect(restoreEpochs(history({ operations: ops }))).toEqual([{ operations: ops, after: undefined, last: true }]);
  });
});

describe('unavailability windows: order', () => {
  it('follow when writes were sent, not the order they were recorded in', () => {
    const ok = update(K, '2', 6, 30, 40);
    const failed = timedOut(update(K, '1', 0, 10, 20));
    expect(unavailabilityWindows(history({ operations: [ok, failed] }))).toEqual([{ start: 10, end: 40, failedOps: 1, firstError: 'etcdserver: request timed out' }]);
  });

  it('break ties on the send time by op id', () => {
    const failed = timedOut(update(K, '1', 0, 10, 20));
    const ok = update(K, '2', 6, 10, 30);
    expect(unavailabilityWindows(history({ operations: [ok, failed] }))).toEqual([{ start: 10, end: 30, failedOps: 1, firstError: 'etcdserver: request timed out' }]);
  });

  it('sort ops sent later but with lower ids after earlier ones', () => {
    const ok = update(K, '2', 6, 50, 60);
    const failed = timedOut(update(K, '1', 0, 10, 20));
    const ok2 = update(K, '3', 7, 5, 8);
    expect(unavailabilityWindows(history({ operations: [ok, failed, ok2] }))).toEqual([{ start: 10, end: 60, failedOps: 1, firstError: 'etcdserver: request timed out' }]);
  });

  it('are none when every write succeeded', () => {
    expect(unavailabilityWindows(history({ operations: [create(K, '1', 5, 0), update(K, '2', 6, 10)] }))).toEqual([]);
  });
});

describe('no-stale-reads: boundaries', () => {
  const judge = (operations: Operation[]) => noStaleReads.judge(history({ operations }), { reads: 1 });

  it('does not hold a read to a write that ended exactly when the read started', () => {
    const ops = [create(K, '1', 5, 0, 5), update(K, '2', 6, 10, 20), get(K, '1', 20, 25)];
    const v = judge(ops);
    expect(v.status).toBe('ok');
    expect(v.evidence[0]!.count).toBe(1);
  });

  it('holds a read to the highest revision acknowledged before it, whatever order the writes were recorded in', () => {
    const slow = update(K, '2', 6, 0, 15);
    const fast = create(K, '1', 5, 1, 4);
    const stale = get(K, '1', 20);
    const v = judge([slow, fast, stale]);
    expect(v.status).toBe('failed');
    expect(v.message).toBe(`stale read of ${K} (op ${stale.id}, get) returned 1 after update = 2 (op ${slow.id}, revision 6) was acknowledged`);
  });

  it('says nothing about a read of a key no one wrote', () => {
    const v = noStaleReads.judge(history({ operations: [create(K, '1', 5, 0), get(K2, undefined, 10)] }), { reads: 0 });
    expect(v.status).toBe('ok');
    expect(v.evidence[0]!.count).toBe(0);
  });
});

describe('acked-writes-durable: boundaries', () => {
  const judge = (h: History) => ackedWritesDurable.judge(h, { writes: 1 });

  it('leaves out a write sent exactly when the final read was taken', () => {
    const v = judge(history({ operations: [create(K, '1', 5, 0), update(K, '2', 6, 10_000)], final: finalRead({ [K]: '1' }) }));
    expect(v.status).toBe('ok');
    expect(v.evidence[0]!.count).toBe(1);
  });

  it('counts a write sent just before the final read', () => {
    const v = judge(history({ operations: [create(K, '1', 5, 0), update(K, '2', 6, 9_999)], final: finalRead({ [K]: '2' }) }));
    expect(v.status).toBe('ok');
    expect(v.evidence[0]!.count).toBe(2);
  });

  it('is inconclusive, not broken, when the run never read its keys after heal', () => {
    const v = judge(history({ operations: [create(K, '1', 5, 0)] }));
    // Not broken: inconclusive, not failed; still never ok.
    expect(v).toMatchObject({ status: 'inconclusive', ok: false });
    expect(v.message).toContain('(never read: the run ended early)');
  });

  it('judges only keys under the prefix the final read listed', () => {
    const v = judge(history({ operations: [create(K, '1', 5, 0), create('/elsewhere/x', '2', 6, 10)], final: finalRead({ [K]: '1' }) }));
    expect(v.status).toBe('ok');
    expect(v.evidence[0]!.count).toBe(1);
  });

  it('calls a value no write put foreign even when some write to the key timed out', () => {
    const ops = [create(K, '1', 5, 0), timedOut(update(K, '2', 0, 10))];
    const v = judge(history({ operations: ops, final: finalRead({ [K]: '99' }) }));
    expect(v.message).toBe(`${K} holds 99 after heal, a value no write of this run put there`);
  });
});

describe('verdicts: details, summaries, unknowns', () => {
  const evidence = [{ floor: 'reads', what: 'reads', count: 3, min: 1, defaultMin: 1 }];

  it('lists exactly 20 violations with no "more" line', () => {
    const violations = Array.from({ length: 20 }, (_, i) => `v${i}`);
    const v = verdictOf('c', violations, evidence);
    expect(v.details).toEqual(violations);
    expect(v.message).toBe('v0 (and 19 more)');
  });

  it('caps 21 violations at 20 and says how many more', () => {
    const violations = Array.from({ length: 21 }, (_, i) => `v${i}`);
    expect(verdictOf('c', violations, evidence).details.at(-1)).toBe('… and 1 more');
  });

  it('says only what was judged when no summary is given, and only the summary with no evidence', () => {
    expect(verdictOf('c', [], evidence).message).toBe('3 reads');
    expect(verdictOf('c', [], [], 'fine').message).toBe('fine');
  });

  it('an unknown verdict fails with no details', () => {
    expect(unknownVerdict('c', 'out of budget', evidence)).toEqual({ check: 'c', status: 'unknown', ok: false, message: 'unknown: out of budget', details: [], evidence });
  });
});

describe('the check registry', () => {
  it('looks checks up by name and refuses unknown ones', () => {
    expect(lookupCheck('converged')).toBe(converged);
    expect(() => lookupCheck('nope')).toThrow(InvalidInputError);
    expect(() => lookupCheck('nope')).toThrow("unknown check 'nope'");
  });

  it('judges a check by name with the floors the scenario set for it', () => {
    const v = judgeByName('converged', history({ members: [snapshot('member1')] }), { converged: { members: 2 } });
    expect(v).toMatchObject({ check: 'converged', status: 'inconclusive', evidence: [expect.objectContaining({ count: 1, min: 2 })] });
  });

  it('fails a check that throws, saying so', () => {
    const broken = { ...emptyHistory(), operations: undefined } as unknown as History;
    const v = judgeByName('no-stale-reads', broken);
    expect(v).toMatchObject({ check: 'no-stale-reads', status: 'failed', ok: false, details: [], evidence: [] });
    expect(v.message).toMatch(/^the check itself failed: /);
  });

  it('finds no problem with valid floors, including zero', () => {
    expect(floorProblems({ converged: { members: 0 }, 'no-stale-reads': { reads: 5 } })).toEqual([]);
    expect(floorProblems({})).toEqual([]);
  });

  it('names unknown checks, unknown floors, and counts that are not whole numbers ≥ 0', () => {
    const problems = floorProblems({ nope: { x: 1 }, converged: { members: -1, bogus: 1 }, 'no-stale-reads': { reads: 1.5 }, 'restore-rpo': { writes: 3, restores: 1 } });
    expect(problems).toEqual([
      { path: 'floors.nope', message: expect.stringMatching(/^unknown check; known: .*converged/) },
      { path: 'floors.converged.members', message: 'expected a whole number ≥ 0' },
      { path: 'floors.converged.bogus', message: "converged has no floor 'bogus'; its floors: members" },
      { path: 'floors.no-stale-reads.reads', message: 'expected a whole number ≥ 0' },
    ]);
  });
});

describe('converged: majorities and missing values', () => {
  const judge = (members: History['members'], expectedMembers?: string[]) => converged.judge(history({ members, expectedMembers }), {});

  it('agrees on membership listed in any order', () => {
    const v = judge([snapshot('member1', { memberIds: ['a', 'b', 'c'] }), snapshot('member2', { memberIds: ['c', 'b', 'a'] }), snapshot('member3', { memberIds: ['b', 'a', 'c'] })]);
    expect(v.status).toBe('ok');
  });

  it('names the member that reports no leader, without calling it a disagreement', () => {
    const v = judge([snapshot('member1'), snapshot('member2'), snapshot('member3', { leaderId: undefined })], MEMBERS);
    expect(v.details).toEqual(['member3 reports no leader']);
  });

  it('passes without expected members to compare membership sizes against', () => {
    expect(judge(MEMBERS.map((n) => snapshot(n)), undefined).status).toBe('ok');
  });

  it('compares with the members that report a value, not with a majority that reports none', () => {
    const v = judge([snapshot('member1', { revision: undefined }), snapshot('member2', { revision: undefined }), snapshot('member3')], MEMBERS);
    expect(v.details).toEqual(['member1 reports no revision', 'member2 reports no revision']);
  });

  it('on a tie takes the first member listed as the reference', () => {
    const v = judge([snapshot('member1'), snapshot('member2', { revision: 41 })], undefined);
    expect(v.details).toEqual(["member2 revision 41 differs from member1's 40"]);
  });

  it('names every member when none reports a value', () => {
    const v = judge([snapshot('member1', { hashKV: undefined }), snapshot('member2', { hashKV: undefined })], undefined);
    expect(v.details).toEqual(['member1 reports no hashKV', 'member2 reports no hashKV']);
  });
});

describe('quorum-semantics: boundaries', () => {
  const settleMs = 100;
  /** Members 1 and 2 of 3 down from 1000 until 5000: quorum lost from 1100 to 5000. */
  const lost = [fault('f1', ['member1', 'member2'], 3, 1000, 5000)];
  /** Member 1 of 3 down from 1000 until 5000: a minority, judged from 1100 to 5000. */
  const minority = [fault('f1', ['member1'], 3, 1000, 5000)];
  const tail = () => create(`${PREFIX}tail`, 'tail', 99, 9000);
  const judge = (operations: Operation[], faults = lost) => quorumSemantics.judge(history({ settleMs, operations: [...operations, tail()], faults }), { stretches: 0 });

  describe('down stretches', () => {
    const shape = (stretches: ReturnType<typeof downStretches>) => stretches.map(({ from, to, down, clusterSize }) => ({ from, to, down, clusterSize }));

    it('skip a change exactly one settle time before the next', () => {
      expect(downStretches([fault('f1', ['member1'], 3, 0, 100)], settleMs, 9000)).toEqual([]);
      expect(shape(downStretches([fault('f1', ['member1'], 3, 0, 101)], settleMs, 9000))).toEqual([{ from: 100, to: 101, down: ['member1'], clusterSize: 3 }]);
    });

    it('end at the history’s end when the heal came later', () => {
      expect(shape(downStretches([fault('f1', ['member1'], 3, 1000, 9500)], settleMs, 9000))).toEqual([{ from: 1100, to: 9000, down: ['member1'], clusterSize: 3 }]);
    });

    it('list the members down in order, and the largest cluster size of the faults in force', () => {
      const faults = [fault('f1', ['member3', 'member1'], 3, 1000, 5000), fault('f2', ['member2'], 5, 2000, 3000)];
      expect(shape(downStretches(faults, settleMs, 9000))).toEqual([
        { from: 1100, to: 2000, down: ['member1', 'member3'], clusterSize: 3 },
        { from: 2100, to: 3000, down: ['member1', 'member2', 'member3'], clusterSize: 5 },
        { from: 3100, to: 5000, down: ['member1', 'member3'], clusterSize: 3 },
      ]);
    });

    it('are cut short only by a restore after the fault was injected', () => {
      const f = [fault('f1', ['member1'], 3, 1000, 5000)];
      expect(shape(downStretches(f, settleMs, 9000, [500]))).toEqual([{ from: 1100, to: 5000, down: ['member1'], clusterSize: 3 }]);
      expect(shape(downStretches(f, settleMs, 9000, [1000]))).toEqual([{ from: 1100, to: 5000, down: ['member1'], clusterSize: 3 }]);
      expect(shape(downStretches(f, settleMs, 9000, [3000]))).toEqual([{ from: 1100, to: 3000, down: ['member1'], clusterSize: 3 }]);
    });
  });

  it('says when a stretch began, from the first thing that happened in the run', () => {
    const acked = update(K, '2', 6, 2000);
    const v = judge([create(K, '1', 5, 50), acked]);
    expect(v.message).toBe(`update of ${K} (op ${acked.id}, revision 6) was acknowledged while quorum was lost: member1, member2 down (2/3: kill f1) from +1050 ms`);
  });

  it('judges a write sent exactly when the stretch begins', () => {
    const acked = update(K, '2', 6, 1100, 1150);
    expect(judge([acked]).message).toContain(`(op ${acked.id}, revision 6) was acknowledged while quorum was lost`);
  });

  it('does not flag a write acknowledged exactly when the heal began', () => {
    expect(judge([update(K, '2', 6, 4000, 5000)]).status).toBe('ok');
  });

  it('ignores a failed serializable read sent exactly when the stretch ended, or before it', () => {
    const v = judge([timedOut(sget(K, undefined, 'member3', 5000, 5050)), timedOut(sget(K, undefined, 'member3', 500, 600))]);
    expect(v.status, v.message).toBe('ok');
  });

  it('counts only serializable reads addressed to a surviving member', () => {
    const linearizable = { ...timedOut(get(K, undefined, 2000)), member: 'member3' };
    const unaddressed = timedOut(sget(K, undefined, 'member3', 2100));
    unaddressed.member = undefined;
    expect(judge([linearizable, unaddressed]).status).toBe('ok');
  });

  it('accepts a quorum loss in which one of the survivors’ serializable reads was answered', () => {
    const v = judge([timedOut(sget(K, undefined, 'member3', 2000)), sget(K, '1', 'member3', 2100)]);
    expect(v.status, v.message).toBe('ok');
  });

  it('does not judge a minority stretch on a write still in flight when it ended', () => {
    const v = judge([timedOut(update(K, '1', 0, 4000, 5000))], minority);
    expect(v.status, v.message).toBe('ok');
    expect(v.evidence[0]!.count).toBe(0);
  });
});

describe('restore-rpo: boundaries', () => {
  const A = `${PREFIX}a`;
  const B = `${PREFIX}b`;
  const at10 = (restoredValues: Record<string, string>) => restore(1000, 2000, 10, restoredValues);
  const judgeOne = (operations: Operation[], facts = at10({ [A]: '1' })) => judgeRestore(history({ operations, restores: [facts] }), facts, { writes: 0 });

  it('flags an op sent exactly when the restore started or ended', () => {
    for (const at of [1000, 2000]) {
      const { verdict } = judgeOne([create(A, '1', 5, 100), get(A, '1', at)]);
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toMatch(/^API servers were not stopped: 1 operations issued while etcd was being restored \(0 acknowledged mid-restore/);
    }
  });

  it('judges a write answered exactly when the restore started, not one still in flight', () => {
    expect(judgeOne([create(A, '1', 5, 100, 1000)]).verdict.evidence[0]!.count).toBe(1);
    expect(judgeOne([create(A, '1', 5, 100, 1000), update(A, '2', 6, 900, 1001)]).verdict.evidence[0]!.count).toBe(1);
  });

  it('judges a later restore only on what came after the restore that ended as it began', () => {
    const first = restore(1000, 2000, 5, { [A]: '1' });
    const second = restore(2000, 3000, 3, {});
    const { verdict } = judgeRestore(history({ operations: [create(A, '1', 5, 100)], restores: [first, second] }), second, { writes: 0 });
    expect(verdict.evidence[0]!.count).toBe(0);
  });

  it('leaves out a write sent exactly when the restore before ended', () => {
    const first = restore(1000, 2000, 5, { [A]: '1' });
    const second = restore(5000, 6000, 3, {});
    const atEnd = create(B, '7', 1, 2000);
    const { verdict } = judgeRestore(history({ operations: [atEnd], restores: [first, second] }), second, { writes: 0 });
    expect(verdict.evidence[0]!.count).toBe(0);
  });

  it('skips keys only lease-attached writes touched, but judges a key also written without a lease', () => {
    const leased = { ...create(B, '3', 6, 200), lease: '1a' };
    expect(judgeOne([create(A, '1', 5, 100), leased]).verdict).toMatchObject({ status: 'ok', evidence: [expect.objectContaining({ count: 1 })] });
    const plain = create(B, '4', 7, 300);
    const v = judgeOne([create(A, '1', 5, 100), leased, plain], at10({ [A]: '1', [B]: '4' })).verdict;
    expect(v).toMatchObject({ status: 'ok', evidence: [expect.objectContaining({ count: 3 })] });
  });

  it('judges a kept write against what the snapshot held, not a value written after it', () => {
    const kept = create(A, '1', 5, 100);
    const after = update(A, '2', 12, 300);
    const { verdict } = judgeOne([kept, after], at10({ [A]: '2' }));
    expect(verdict.message).toBe(`${A}: create = 1 (op ${kept.id}, revision 5) was in the snapshot (revision 10) but the restored store shows 2 (and 1 more)`);
  });

  it('accepts a key absent after a delete that came after the snapshot', () => {
    const { verdict, lostWrites } = judgeOne([create(A, '1', 11, 100), del(A, 12, 200)], at10({}));
    expect(verdict.status, verdict.message).toBe('ok');
    expect(lostWrites).toBe(2);
  });

  it('reports the first bad restore of several, even when a later one is good', () => {
    const bad = restore(1000, 2000, 10, {});
    const good = restore(5000, 6000, 3, { [B]: '6' });
    const ops = [create(A, '1', 5, 100), create(B, '6', 2, 3000)];
    const v = restoreRpo.judge(history({ operations: ops, restores: [bad, good] }), { writes: 1 });
    expect(v.status).toBe('failed');
    expect(v.message).toMatch(new RegExp(`^${A}: create = 1 .*the restored store shows it absent$`));
  });
});
