import { describe, expect, it } from 'vitest';
import { restoreRpo } from '../../src/checks/restore-rpo.js';
import type { History, Operation } from '../../src/faults/history.js';

let id = 0;
function put(key: string, value: number, revision: number, start: number, ok = true): Operation {
  return { id: ++id, kind: 'put', key, value: String(value), start, end: start + 5, ok, error: ok ? undefined : 'timeout', errorKind: ok ? undefined : 'timeout', revision: ok ? revision : undefined, member: undefined };
}
const history = (operations: Operation[]): History => ({ operations, leaders: [], faults: [] });
const restore = { startedAt: 1000, endedAt: 2000, snapshotRevision: 10 };

describe('restore-rpo', () => {
  it('counts exactly the acknowledged writes after the snapshot as the RPO', () => {
    const h = history([put('/a', 1, 5, 100), put('/a', 2, 12, 200), put('/b', 3, 8, 300), put('/b', 4, 14, 400)]);
    const { verdict, lostWrites } = restoreRpo(h, { ...restore, restoredValues: new Map([['/a', '1'], ['/b', '3']]) });
    expect(verdict.ok, verdict.message).toBe(true);
    expect(lostWrites).toBe(2);
    expect(verdict.message).toMatch(/RPO: 2 acknowledged writes after revision 10 lost/);
  });

  it('fails, naming the key, when a write the snapshot held is gone', () => {
    const h = history([put('/a', 1, 5, 100)]);
    const { verdict } = restoreRpo(h, { ...restore, restoredValues: new Map([['/a', undefined]]) });
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/\/a = 1 \(op \d+, revision 5\) was in the snapshot but is gone/);
  });

  it('fails when the API servers were left running during the restore', () => {
    const h = history([put('/a', 1, 5, 100), put('/a', 2, 3, 1500)]);
    const { verdict } = restoreRpo(h, { ...restore, restoredValues: new Map([['/a', '1']]) });
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/API servers were not stopped: 1 operations issued while etcd was being restored \(1 writes acknowledged mid-restore/);
  });

  it('fails when data newer than the snapshot survived: the restore did not use it', () => {
    const h = history([put('/a', 1, 5, 100), put('/a', 2, 12, 200)]);
    const { verdict } = restoreRpo(h, { ...restore, restoredValues: new Map([['/a', '2']]) });
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/is after the snapshot yet survived/);
  });

  it('ignores writes that were never acknowledged', () => {
    const h = history([put('/a', 1, 5, 100), put('/a', 2, 0, 200, false)]);
    const { verdict, lostWrites } = restoreRpo(h, { ...restore, restoredValues: new Map([['/a', '1']]) });
    expect(verdict.ok).toBe(true);
    expect(lostWrites).toBe(0);
  });
});
