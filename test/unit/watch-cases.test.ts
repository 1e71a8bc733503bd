/**
 * The watch check on histories built to be judged one way only: which epoch an event or a write
 * belongs to, which revisions a watch owes after a resume or a relist, and which event accounts
 * for which write. Floors are zero: these are about the judging, not the evidence.
 */
import { describe, expect, it } from 'vitest';
import { watchGuarantees } from '../../src/checks/watch.js';
import { emptyHistory, type Operation, type WatchEvent, type WatchSession } from '../../src/workload/history.js';
import { PREFIX, conflict, del, op, timedOut, txn, update } from '../support/history.js';

const K = (n: number) => `${PREFIX}${n}`;

const put = (key: string, value: string, modRevision: number, at: number): WatchEvent => ({ at, type: 'put', key, value, modRevision });
const deleted = (key: string, modRevision: number, at: number): WatchEvent => ({ at, type: 'delete', key, value: undefined, modRevision });
const session = (reason: WatchSession['reason'], fromRevision: number, at: number, listOp?: number): WatchSession => ({ at, reason, fromRevision, listOp });

interface Run {
  operations: Operation[];
  sessions: WatchSession[];
  events: WatchEvent[];
}

/**
 * Acknowledged updates at revisions `from`…`to`, the one at revision r of key r % 3 = `v${r}`,
 * issued at `t0 + 10 r` and received 2 ms after; `delivered` says which revisions reach the watch.
 */
function writes(from: number, to: number, t0 = 0, delivered: (revision: number) => boolean = () => true): Pick<Run, 'operations' | 'events'> {
  const operations: Operation[] = [];
  const events: WatchEvent[] = [];
  for (let r = from; r <= to; r++) {
    operations.push(update(K(r % 3), `v${r}@${t0}`, r, t0 + 10 * r));
    if (delivered(r)) events.push(put(K(r % 3), `v${r}@${t0}`, r, t0 + 10 * r + 2));
  }
  return { operations, events };
}

/** A watch from revision 2 that sees revisions 2–10 (received by 102 ms) and stops at 200. */
function cleanRun(): Run {
  return { ...writes(2, 10), sessions: [session('start', 2, 1), session('stop', 10, 200)] };
}

function judge(run: Run) {
  return watchGuarantees.judge({ ...emptyHistory(), operations: run.operations, watch: { prefix: PREFIX, sessions: run.sessions, events: run.events } }, { events: 0, writes: 0 });
}

const writeAt = (run: Run, revision: number) => run.operations.find((o) => o.revision === revision)!;
const lostMessage = (o: Operation, revision = o.revision) => `${o.key}: acknowledged ${o.kind} = ${o.value} at revision ${revision} (op ${o.id}) never arrived on the watch`;
const without = (run: Run, ...revisions: number[]): Run => ({ ...run, events: run.events.filter((e) => !revisions.includes(e.modRevision)) });

describe('watch: the clean run these cases doctor', () => {
  it('passes, every write seen once', () => {
    const verdict = judge(cleanRun());
    expect(verdict.status, verdict.message).toBe('ok');
    expect(verdict.evidence.map((e) => e.count)).toEqual([9, 9]);
  });

  it('with no watch recorded, is inconclusive with nothing in its details', () => {
    const verdict = watchGuarantees.judge(emptyHistory(), {});
    expect(verdict).toMatchObject({ status: 'inconclusive', ok: false });
    expect(verdict.details).toEqual([]);
  });
});

describe('watch: which epoch an event or a write belongs to', () => {
  it('the first epoch takes writes issued before the watch started: one at a revision it asked for must arrive', () => {
    const run = cleanRun();
    run.sessions[0] = session('start', 2, 25); // after revision 2 was issued, still from revision 2
    const lost = writeAt(run, 2);
    const verdict = judge(without(run, 2));
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(lostMessage(lost));
  });

  /** A second epoch after a restore to revision 4: revisions 5–`to` written again with new values, issued from `t0`. */
  function restoredRun(t0: number, stopAt: number | undefined, startAt: number, to = 8): Run {
    const first = cleanRun();
    const second = writes(5, to, t0);
    const sessions = [first.sessions[0]!, ...(stopAt === undefined ? [] : [session('stop', 10, stopAt)]), session('start', 5, startAt), session('stop', to, t0 + 300)];
    return { operations: [...first.operations, ...second.operations], events: [...first.events, ...second.events.map((e) => ({ ...e, at: Math.max(e.at, startAt + 1) }))], sessions };
  }

  it.each([
    ['a write issued between the stop and the next start belongs to the next epoch', restoredRun(150, 120, 250)],
    ['with no stop between two starts, the second epoch opens at its start', restoredRun(300, undefined, 299)],
  ])('%s', (_, run) => {
    const verdict = judge(run);
    expect(verdict.status, verdict.message).toBe('ok');
    expect(verdict.message).toMatch(/, 2 epochs$/);
    expect(verdict.evidence.map((e) => e.count)).toEqual([13, 13]);
  });

  it('a write issued at the very instant of a stop belongs to the epoch that stops', () => {
    const run = restoredRun(1000, 400, 1000, 11);
    // Issued at the stop, acknowledged at revision 11: past what the first epoch received, so not owed there.
    run.operations.push(update(K(0), 'late', 11, 400));
    const verdict = judge(run);
    expect(verdict.status, verdict.message).toBe('ok');
  });

  it('events and writes with no start to belong to are not judged, and a relist before any start is ignored', () => {
    const run = cleanRun();
    run.sessions = [session('relist', 5, 0, undefined)];
    const verdict = judge(run);
    expect(verdict.status).toBe('ok');
    expect(verdict.evidence.map((e) => e.count)).toEqual([0, 0]);
    expect(verdict.message).toMatch(/0 resumes, 1 relist$/);
  });
});

describe('watch: which revisions an epoch owes', () => {
  it('a resume that skips revisions does not excuse them', () => {
    const run = without(cleanRun(), 5, 6);
    run.sessions.splice(1, 0, session('resume', 7, 45));
    const verdict = judge(run);
    expect(verdict.status).toBe('failed');
    expect(verdict.details).toEqual([lostMessage(writeAt(run, 5)), lostMessage(writeAt(run, 6))]);
  });

  it('a relist with no list recorded excuses the revisions below the one it went on from, and no more', () => {
    const run = without(cleanRun(), 5, 6, 7);
    run.sessions.splice(1, 0, session('relist', 7, 45)); // the watch went on from 7, yet 7 never came
    const verdict = judge(run);
    expect(verdict.status).toBe('failed');
    expect(verdict.details).toEqual([lostMessage(writeAt(run, 7))]);
    const excused = without(cleanRun(), 5, 6);
    excused.sessions.splice(1, 0, session('relist', 7, 45));
    expect(judge(excused).status).toBe('ok');
  });

  it('a relist before any event arrived excuses every revision from the start up to its list', () => {
    const run = without(cleanRun(), 2, 3, 4);
    const list = op('range', PREFIX, { revision: 4, kvs: [], start: 42 });
    run.operations.push(list);
    run.sessions.splice(1, 0, session('relist', 5, 44, list.id));
    const verdict = judge(run);
    expect(verdict.status, verdict.message).toBe('ok');
    expect(verdict.evidence.map((e) => e.count)).toEqual([6, 6]);
  });

  it('a relist listing at the revision of the last event received still holds that event to its write', () => {
    const run = cleanRun();
    const list = op('range', PREFIX, { revision: 5, kvs: [], start: 53 });
    run.operations.push(list);
    run.sessions.splice(1, 0, session('relist', 6, 55, list.id));
    run.events.find((e) => e.modRevision === 5)!.value = 'garbled';
    const verdict = judge(run);
    expect(verdict.status).toBe('failed');
    expect(verdict.details).toEqual([`${K(2)}: acknowledged update = v5@0 at revision 5 (op ${writeAt(run, 5).id}) arrived as put = garbled`]);
  });

  it('a write acknowledged below the revision the watch started from is not owed', () => {
    const run = cleanRun();
    run.operations.unshift(update(K(1), 'before', 1, -10));
    expect(judge(run).status).toBe('ok');
  });

  it('an epoch that received nothing owes nothing: the writes may still have been on their way', () => {
    const run: Run = { ...cleanRun(), events: [] };
    const verdict = judge(run);
    expect(verdict.status, verdict.message).toBe('ok');
    expect(verdict.evidence.map((e) => e.count)).toEqual([0, 0]);
  });
});

describe('watch: which event accounts for which write', () => {
  it('a delete arriving beside the put at an update’s revision: the update arrived as a delete', () => {
    const run = cleanRun();
    run.events.splice(3, 0, deleted(K(5 % 3), 5, 51));
    const verdict = judge(run);
    expect(verdict.status).toBe('failed');
    expect(verdict.details).toEqual([`${K(2)}: acknowledged update = v5@0 at revision 5 (op ${writeAt(run, 5).id}) arrived as delete`]);
  });

  it('a delete event is not a put, even one carrying the value the update wrote', () => {
    const run = cleanRun();
    run.events[3] = { ...run.events[3]!, type: 'delete' };
    expect(judge(run).details).toEqual([`${K(2)}: acknowledged update = v5@0 at revision 5 (op ${writeAt(run, 5).id}) arrived as delete`]);
  });

  it('a write outside the watched prefix is neither owed nor counted', () => {
    const run = cleanRun();
    const elsewhere = update('/registry/events/e1', 'x', 11, 105);
    run.operations.push(elsewhere);
    run.events.push(put(K(0), 'v12', 12, 125));
    run.operations.push(update(K(0), 'v12', 12, 120));
    const verdict = judge(run);
    expect(verdict.status, verdict.message).toBe('ok');
    expect(verdict.evidence.map((e) => e.count)).toEqual([10, 10]);
  });

  it('counts only the writes seen once and right', () => {
    const verdict = judge(without(cleanRun(), 4));
    expect(verdict.status).toBe('failed');
    expect(verdict.evidence.map((e) => e.count)).toEqual([8, 8]);
  });

  it('names a lost delete without a value, and does not take an earlier delete of its key for it', () => {
    const run = cleanRun();
    const removed = del(K(2), 12, 120);
    run.operations.push(del(K(2), 11, 110), removed, update(K(0), 'v13', 13, 130));
    run.events.push(deleted(K(2), 11, 112), put(K(0), 'v13', 13, 132));
    expect(judge(run).details).toEqual([`${K(2)}: acknowledged delete at revision 12 (op ${removed.id}) never arrived on the watch`]);
  });

  it('a lost write of a txn is not found in another key’s event of the same value', () => {
    const run = cleanRun();
    const both = txn([{ key: K(7), value: 'same' }, { key: K(8), value: 'same' }], 11, 110);
    run.operations.push(both);
    run.events.push(put(K(7), 'same', 11, 112));
    expect(judge(run).details).toEqual([`${K(8)}: acknowledged txn = same at revision 11 (op ${both.id}) never arrived on the watch`]);
  });

  it('a lost write is not found in an earlier event of its key', () => {
    const run = without(cleanRun(), 8);
    expect(judge(run).details).toEqual([lostMessage(writeAt(run, 8))]);
  });

  it('an update that arrived at another revision says so, without the txn’s rule', () => {
    const run = cleanRun();
    const moved = writeAt(run, 10);
    run.events.at(-1)!.modRevision = 11;
    expect(judge(run).details).toEqual([`${moved.key}: acknowledged update = ${moved.value} at revision 10 (op ${moved.id}) arrived at revision 11`]);
  });
});

describe('watch: events no owed write accounts for', () => {
  it('a lease’s delete at a revision a read answered at is no one’s but the lease’s', () => {
    const run = cleanRun();
    run.events.push(deleted(K(9), 11, 112));
    run.operations.push(op('get', K(1), { value: 'v10@0', revision: 11, start: 113 }));
    expect(judge(run).status).toBe('ok');
  });

  it('a put of the value a failed compare showed is a phantom: no write of the workload carried it', () => {
    const run = cleanRun();
    run.operations.push(conflict(update(K(9), 'mine', 0, 110), 'theirs', 11));
    run.events.push(put(K(9), 'theirs', 11, 112));
    expect(judge(run).details).toEqual([`${K(9)}: put = theirs at revision 11 arrived on the watch, yet no write of ${K(9)} carried that value: a phantom event`]);
  });

  it('a write whose outcome is unknown owns no revision, whatever revision it recorded', () => {
    const run = cleanRun();
    const owner = writeAt(run, 6);
    run.operations.push({ ...timedOut(update(K(9), 'late', 6, 55)), revision: 6 });
    run.events.splice(5, 0, put(K(9), 'late', 6, 62));
    expect(judge(run).details).toEqual([`${K(9)}: put = late at revision 6 shares its revision with op ${owner.id} (update of ${owner.key}), which did not write ${K(9)}`]);
  });

  it('an event the watch did not owe, from the txn acknowledged at its revision, is no phantom', () => {
    const run = cleanRun();
    run.operations.unshift(txn([{ key: K(7), value: 'a' }, { key: K(8), value: 'b' }], 1, -10));
    run.events.unshift(put(K(8), 'b', 1, 3));
    expect(judge(run).status).toBe('ok');
  });
});
