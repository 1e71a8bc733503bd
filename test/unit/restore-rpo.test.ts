import { describe, expect, it } from 'vitest';
import { judgeRestore, restoreRpo } from '../../src/checks/restore-rpo.js';
import type { Operation, RestoreFacts } from '../../src/workload/history.js';
import { create, del, get, history, restore, timedOut, update } from '../support/history.js';

const A = '/registry/drill/objects/a';
const B = '/registry/drill/objects/b';

/** The restore every test judges: started at 1000, done at 2000, from a snapshot at revision 10. */
const at10 = (restoredValues: Record<string, string>) => restore(1000, 2000, 10, restoredValues);
/** Judged with its writes floor lowered: these histories are a handful of writes. */
const judge = (operations: Operation[], facts: RestoreFacts) => judgeRestore(history({ operations, restores: [facts] }), facts, { writes: 1 });

/** a = 1 at revision 5 and b = 3 at revision 8 (in the snapshot), a = 2 at 12 and b = 4 at 14 (after it). */
const beforeAndAfter = () => [create(A, '1', 5, 100), create(B, '3', 8, 200), update(A, '2', 12, 300), update(B, '4', 14, 400)];

describe('judgeRestore', () => {
  it('passes when every write up to the snapshot is kept and those after it are gone', () => {
    const { verdict } = judge(beforeAndAfter(), at10({ [A]: '1', [B]: '3' }));
    expect(verdict).toMatchObject({ check: 'restore-rpo', status: 'ok', ok: true, details: [] });
    expect(verdict.message).toMatch(/^4 acknowledged writes before the restore compared with the restored store/);
  });

  it('keeps a write at exactly the snapshot revision', () => {
    expect(judge([create(A, '1', 10, 100)], at10({ [A]: '1' })).verdict.status).toBe('ok');
  });

  it('counts exactly the acknowledged writes after the snapshot as the RPO', () => {
    const ops = [...beforeAndAfter(), timedOut(update(A, '9', 0, 500)), create('/registry/drill/objects/c', '5', 15, 600)];
    const { verdict, lostWrites } = judge(ops, at10({ [A]: '1', [B]: '3' }));
    expect(verdict.status, verdict.message).toBe('ok');
    expect(lostWrites).toBe(3);
    expect(verdict.message).toMatch(/RPO 3 acknowledged writes after revision 10, exactly those after the snapshot$/);
  });

  it('fails when a write the snapshot held is gone, naming the key and the op', () => {
    const kept = create(A, '1', 5, 100);
    const { verdict } = judge([kept, create(B, '3', 8, 200)], at10({ [B]: '3' }));
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(`${A}: create = 1 (op ${kept.id}, revision 5) was in the snapshot (revision 10) but the restored store shows it absent`);
  });

  it('fails when a write after the snapshot survived: the restore did not use the snapshot', () => {
    const after = create(B, '2', 12, 300);
    const { verdict } = judge([create(A, '1', 5, 100), after], at10({ [A]: '1', [B]: '2' }));
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(`${B}: create = 2 (op ${after.id}, revision 12) is after the snapshot (revision 10) yet survived: the restore did not use the snapshot`);
  });

  it('fails when operations were issued during the restore: the API servers were not stopped', () => {
    const ops = [create(A, '1', 5, 100), update(A, '2', 11, 1500), get(A, '2', 1600)];
    const { verdict } = judge(ops, at10({ [A]: '1' }));
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(
      'API servers were not stopped: 2 operations issued while etcd was being restored (1 acknowledged mid-restore, not counted in the RPO; first at +500 ms)',
    );
  });

  describe('deletes in the snapshot', () => {
    const ops = () => [create(A, '1', 5, 100), del(A, 7, 200)];

    it('leave the key absent', () => {
      const { verdict, lostWrites } = judge(ops(), at10({}));
      expect(verdict.status, verdict.message).toBe('ok');
      expect(lostWrites).toBe(0);
    });

    it('fail when the key is back, naming the delete', () => {
      const [, removal] = ops();
      const { verdict } = judge([create(A, '1', 5, 100), removal!], at10({ [A]: '1' }));
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toBe(`${A}: delete (op ${removal!.id}, revision 7) was in the snapshot (revision 10) but the restored store shows 1`);
    });

    it('after the snapshot, are lost like any write', () => {
      const { verdict, lostWrites } = judge([create(A, '1', 5, 100), del(A, 12, 200)], at10({ [A]: '1' }));
      expect(verdict.status, verdict.message).toBe('ok');
      expect(lostWrites).toBe(1);
    });
  });

  it('accepts either outcome of a write that was never acknowledged', () => {
    const ops = [create(A, '1', 5, 100), timedOut(update(A, '2', 0, 200))];
    expect(judge(ops, at10({ [A]: '1' })).verdict.status).toBe('ok');
    expect(judge(ops, at10({ [A]: '2' })).verdict.status).toBe('ok');
  });

  it('is inconclusive with fewer writes than its floor, and shows the floor in force', () => {
    const facts = at10({ [A]: '1' });
    const h = history({ operations: [create(A, '1', 5, 100)], restores: [facts] });
    const { verdict } = judgeRestore(h, facts);
    expect(verdict).toMatchObject({ status: 'inconclusive', ok: false });
    expect(verdict.evidence).toEqual([expect.objectContaining({ floor: 'writes', count: 1, min: 20, defaultMin: 20 })]);
    expect(judgeRestore(h, facts, { writes: 1 }).verdict.evidence[0]).toMatchObject({ min: 1, defaultMin: 20 });
  });

  it('judges a second restore on what was written since the first', () => {
    // Restored to revision 10, etcd counts revisions from there again: revision 12 names a
    // different write before the first restore (a = 2, lost by it) than after it (a = 4).
    const first = restore(1000, 2000, 10, { [A]: '1' });
    const second = restore(5000, 6000, 12, { [A]: '4' });
    const ops = [create(A, '1', 5, 100), update(A, '2', 12, 300), update(A, '3', 11, 3000), update(A, '4', 12, 3100)];
    const { verdict, lostWrites } = judgeRestore(history({ operations: ops, restores: [first, second] }), second, { writes: 1 });
    expect(verdict.status, verdict.message).toBe('ok');
    expect(lostWrites).toBe(0);
  });
});

describe('the restore-rpo check', () => {
  it('is inconclusive when the run had no restore', () => {
    const v = restoreRpo.judge(history({ operations: [create(A, '1', 5, 100)] }), {});
    expect(v).toMatchObject({ check: 'restore-rpo', status: 'inconclusive', ok: false });
    expect(v.message).toMatch(/^inconclusive: only 0 restores judged \(floor 1\); .*floors:/);
  });

  it('passes on a good restore, and fails when any of several is bad, with its verdict', () => {
    const good = at10({ [A]: '1', [B]: '3' });
    const ops = beforeAndAfter();
    expect(restoreRpo.judge(history({ operations: ops, restores: [good] }), { writes: 1 }).status).toBe('ok');
    // Writes after the first restore, then a second one that drops b.
    const later = [update(A, '5', 11, 3000), update(B, '6', 12, 3100)];
    const bad = restore(5000, 6000, 12, { [A]: '5' });
    const v = restoreRpo.judge(history({ operations: [...ops, ...later], restores: [good, bad] }), { writes: 1 });
    expect(v.status).toBe('failed');
    expect(v.message).toBe(`${B}: update = 6 (op ${later[1]!.id}, revision 12) was in the snapshot (revision 12) but the restored store shows it absent`);
  });
});
