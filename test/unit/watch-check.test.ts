import { describe, expect, it } from 'vitest';
import { watchGuarantees } from '../../src/checks/watch.js';
import { emptyHistory, type Operation, type WatchEvent, type WatchSession } from '../../src/workload/history.js';

const PREFIX = '/registry/drill/';
const key = (n: number) => `${PREFIX}${n}`;

let nextId = 0;
let nextValue = 0;
/** Values the workload writes are unique. */
const freshValue = () => String(++nextValue);

function operation(fields: Pick<Operation, 'kind' | 'key' | 'value' | 'start'> & Partial<Operation>): Operation {
  return { id: ++nextId, end: fields.start + 5, ok: true, error: undefined, errorKind: undefined, revision: undefined, member: undefined, ...fields };
}
const update = (k: string, value: string, revision: number, at: number) => operation({ kind: 'update', key: k, value, revision, start: at });
const remove = (k: string, revision: number, at: number) => operation({ kind: 'delete', key: k, value: undefined, expectedModRevision: revision - 1, revision, start: at });
const txn = (puts: { key: string; value: string }[], revision: number, at: number) => operation({ kind: 'txn', key: puts[0]!.key, value: undefined, puts, revision, start: at });
const list = (revision: number, at: number) => operation({ kind: 'range', key: PREFIX, value: undefined, revision, kvs: [], start: at });
/** `op` as it looks when the client gave up waiting for it: its outcome is unknown. */
const timedOut = (op: Operation): Operation => ({ ...op, ok: false, error: 'request timed out', errorKind: 'timeout', revision: undefined });

const put = (k: string, value: string, modRevision: number, at: number): WatchEvent => ({ at, type: 'put', key: k, value, modRevision });
const deleted = (k: string, modRevision: number, at: number): WatchEvent => ({ at, type: 'delete', key: k, value: undefined, modRevision });
const session = (reason: WatchSession['reason'], fromRevision: number, at: number, listOp?: number): WatchSession => ({ at, reason, fromRevision, listOp });

interface Run {
  operations: Operation[];
  sessions: WatchSession[];
  events: WatchEvent[];
}

/** `count` updates across five keys at revisions `from`, `from + 1`, …, issued 10 ms apart from `at`, each seen on the watch 2 ms after it was issued. */
function updates(count: number, from: number, at: number): Pick<Run, 'operations' | 'events'> {
  const operations: Operation[] = [];
  const events: WatchEvent[] = [];
  for (let i = 0; i < count; i++) {
    const value = freshValue();
    operations.push(update(key(i % 5), value, from + i, at + 10 * i));
    events.push(put(key(i % 5), value, from + i, at + 10 * i + 2));
  }
  return { operations, events };
}

/**
 * A watch from revision 2 that sees 25 updates (revisions 2–26, received at 1002–1242 ms, the one
 * at revision 14 at 1122), a resume after the stream broke at revision 14, a txn putting keys 7
 * and 8 at revision 27 (received at 1252), a delete of key 7 at revision 28 (received at 1262),
 * and a stop at 1300.
 */
function cleanRun(): Run {
  const { operations, events } = updates(25, 2, 1000);
  const puts = [
    { key: key(7), value: freshValue() },
    { key: key(8), value: freshValue() },
  ];
  operations.push(txn(puts, 27, 1250));
  events.push(...puts.map((p) => put(p.key, p.value, 27, 1252)));
  operations.push(remove(key(7), 28, 1260));
  events.push(deleted(key(7), 28, 1262));
  return { operations, events, sessions: [session('start', 2, 999), session('resume', 15, 1125), session('stop', 28, 1300)] };
}

function judge(run: Run, floors: Record<string, number> = {}) {
  return watchGuarantees.judge({ ...emptyHistory(), operations: run.operations, watch: { prefix: PREFIX, sessions: run.sessions, events: run.events } }, floors);
}

function eventAt(run: Run, revision: number): WatchEvent {
  return run.events.find((event) => event.modRevision === revision)!;
}

function writeAt(run: Run, revision: number): Operation {
  return run.operations.find((op) => op.revision === revision)!;
}

describe('watch check', () => {
  it('passes a clean history: events in order, every acknowledged write seen once', () => {
    const verdict = judge(cleanRun());
    expect(verdict.status, verdict.message).toBe('ok');
    expect(verdict.message).toBe('28 events in revision order, 27 acknowledged writes each seen once: 1 resume, 0 relists');
    expect(verdict.evidence.map((e) => [e.floor, e.count, e.min])).toEqual([
      ['events', 28, 20],
      ['writes', 27, 20],
    ]);
  });

  it('is inconclusive, never ok, when the run recorded no watch, whatever the floors', () => {
    const verdict = watchGuarantees.judge(emptyHistory(), { events: 0, writes: 0 });
    expect(verdict.status).toBe('inconclusive');
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/no watch \(0 events\)/);
    expect(verdict.evidence.map((e) => e.count)).toEqual([0, 0]);
  });

  it('is inconclusive when the watch saw fewer events than its floor', () => {
    const { operations, events } = updates(3, 2, 1000);
    const verdict = judge({ operations, events, sessions: [session('start', 2, 999), session('stop', 4, 1100)] });
    expect(verdict).toMatchObject({ status: 'inconclusive', ok: false });
    expect(verdict.message).toMatch(/only 3 events in revision order \(floor 20\)/);
  });

  describe('violations, each naming the key and revision first', () => {
    it('an event out of revision order', () => {
      const run = cleanRun();
      [run.events[3], run.events[4]] = [run.events[4]!, run.events[3]!];
      const late = eventAt(run, 5);
      const verdict = judge(run);
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toBe(`${late.key}: put = ${late.value} at revision 5 arrived after ${eventAt(run, 6).key} at revision 6: out of revision order`);
    });

    it('an event replayed after a resume from the last revision seen instead of the one after it', () => {
      const run = cleanRun();
      run.sessions[1] = session('resume', 14, 1125);
      const replayed = eventAt(run, 14);
      run.events.splice(run.events.indexOf(replayed) + 1, 0, { ...replayed, at: 1126 });
      const verdict = judge(run);
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toBe(`${replayed.key}: put = ${replayed.value} at revision 14 arrived twice`);
    });

    it('an acknowledged write that never arrived', () => {
      const run = cleanRun();
      const lost = writeAt(run, 10);
      run.events.splice(run.events.indexOf(eventAt(run, 10)), 1);
      const verdict = judge(run);
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toBe(`${lost.key}: acknowledged update = ${lost.value} at revision 10 (op ${lost.id}) never arrived on the watch`);
    });

    it('an acknowledged write that arrived with another value', () => {
      const run = cleanRun();
      const write = writeAt(run, 10);
      eventAt(run, 10).value = 'garbled';
      const verdict = judge(run);
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toBe(`${write.key}: acknowledged update = ${write.value} at revision 10 (op ${write.id}) arrived as put = garbled`);
      expect(verdict.details).toHaveLength(1);
    });

    it('a txn whose events were split across revisions', () => {
      const run = cleanRun();
      const txnOp = writeAt(run, 27);
      const second = run.events.find((event) => event.key === key(8))!;
      second.modRevision = 28;
      const verdict = judge(run);
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toBe(`${key(8)}: acknowledged txn = ${second.value} at revision 27 (op ${txnOp.id}) arrived at revision 28: a txn’s events must all carry its revision`);
      expect(verdict.details).toHaveLength(1);
    });

    it('a phantom put: a value no write of its key carried', () => {
      const run = cleanRun();
      run.events.push(put(key(9), 'ghost', 29, 1270));
      const verdict = judge(run);
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toBe(`${key(9)}: put = ghost at revision 29 arrived on the watch, yet no write of ${key(9)} carried that value: a phantom event`);
    });

    it('an event sharing a revision with a write of another key', () => {
      const run = cleanRun();
      const owner = writeAt(run, 26);
      run.events.splice(run.events.indexOf(eventAt(run, 26)) + 1, 0, deleted(key(9), 26, 1243));
      const verdict = judge(run);
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toBe(`${key(9)}: delete at revision 26 shares its revision with op ${owner.id} (update of ${owner.key}), which did not write ${key(9)}`);
    });
  });

  describe('legal histories', () => {
    it('an indeterminate write that arrived: it happened', () => {
      const run = cleanRun();
      const value = freshValue();
      run.operations.push(timedOut(update(key(9), value, 29, 1265)));
      run.events.push(put(key(9), value, 29, 1270));
      const verdict = judge(run);
      expect(verdict.status, verdict.message).toBe('ok');
      expect(verdict.evidence.map((e) => e.count)).toEqual([29, 27]);
    });

    it('an indeterminate write that never arrived: it did not happen', () => {
      const run = cleanRun();
      run.operations.push(timedOut(update(key(9), freshValue(), 29, 1265)));
      expect(judge(run).status).toBe('ok');
    });

    it('an acknowledged write above the last revision received before stop: it may still have been on its way', () => {
      const run = cleanRun();
      run.operations.push(update(key(9), freshValue(), 29, 1270));
      expect(judge(run).status).toBe('ok');
    });

    /** The stream broke after revision 14; revisions 15–17 were compacted, listed at 17, and the watch went on from 18. */
    function relistedRun(listRevision: number): Run {
      const run = cleanRun();
      const relist = list(listRevision, 1155);
      run.operations.push(relist);
      run.events = run.events.filter((event) => event.modRevision < 15 || event.modRevision > 17);
      run.sessions[1] = session('relist', 18, 1157, relist.id);
      return run;
    }

    it('a gap excused by a relist: the list showed those revisions as state', () => {
      const verdict = judge(relistedRun(17));
      expect(verdict.status, verdict.message).toBe('ok');
      expect(verdict.message).toBe('25 events in revision order, 24 acknowledged writes each seen once: 0 resumes, 1 relist');
    });

    it('but a relist excuses no more than its list showed', () => {
      const run = relistedRun(16);
      const lost = writeAt(run, 17);
      const verdict = judge(run);
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toBe(`${lost.key}: acknowledged update = ${lost.value} at revision 17 (op ${lost.id}) never arrived on the watch`);
    });

    it('deletes no write explains: a lease expired', () => {
      const run = cleanRun();
      run.events.push(deleted(key(8), 29, 1270));
      expect(judge(run).status).toBe('ok');
    });

    it('two epochs across a restore, revisions going back, each judged on its own', () => {
      const first = cleanRun();
      // Restored from a snapshot at revision 11: the second epoch writes revisions 12–36 again, with new values.
      const second = updates(25, 12, 2001);
      const run: Run = {
        operations: [...first.operations, ...second.operations],
        events: [...first.events, ...second.events],
        sessions: [...first.sessions, session('start', 12, 2000), session('stop', 36, 2300)],
      };
      const verdict = judge(run);
      expect(verdict.status, verdict.message).toBe('ok');
      expect(verdict.message).toBe('53 events in revision order, 52 acknowledged writes each seen once: 1 resume, 0 relists, 2 epochs');
    });
  });
});

describe('watch check: informers on preloaded prefixes', () => {
  const PODS = '/registry/pods/';
  /** A paginated list of `listed` objects under the pods prefix at `revision`. */
  const podList = (listed: number, revision: number, at: number) => operation({ kind: 'list', key: PODS, value: undefined, revision, listed, start: at });

  /** The clean run, with a pods informer that listed 40 objects, then (after a restore) 40 again. */
  function withPodsInformer(events: WatchEvent[] = []) {
    const run = cleanRun();
    const before = podList(40, 1, 990);
    const after = podList(40, 12, 1990);
    const history = {
      ...emptyHistory(),
      operations: [...run.operations, before, after],
      watch: { prefix: PREFIX, sessions: run.sessions, events: run.events },
      informers: [{ prefix: PODS, sessions: [session('start', 2, 995, before.id), session('stop', 28, 1300), session('start', 13, 1995, after.id), session('stop', 13, 2300)], events }],
    };
    return watchGuarantees.judge(history, {});
  }

  it('says what the informers listed in each epoch, and stays ok when nothing wrote under their prefixes', () => {
    const verdict = withPodsInformer();
    expect(verdict.status, verdict.message).toBe('ok');
    expect(verdict.message).toBe("28 events in revision order, 27 acknowledged writes each seen once: 1 resume, 0 relists; informers on 1 preloaded prefix, 0 events; objects in each epoch's first lists: 40, then 40");
  });

  it('a put on a preloaded prefix that nothing wrote is a phantom, named by its key', () => {
    const verdict = withPodsInformer([put(`${PODS}kube-system/pods-3`, 'forged', 30, 1290)]);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(`${PODS}kube-system/pods-3: put = forged at revision 30 arrived on the watch, yet no write of ${PODS}kube-system/pods-3 carried that value: a phantom event`);
  });

  it('names an informer that never listed (its lists all failed): it saw nothing', () => {
    const run = cleanRun();
    const history = {
      ...emptyHistory(),
      operations: run.operations,
      watch: { prefix: PREFIX, sessions: run.sessions, events: run.events },
      informers: [{ prefix: PODS, sessions: [], events: [] }],
    };
    expect(watchGuarantees.judge(history, {}).message).toMatch(/; informers on 1 preloaded prefix, 0 events; never listed: \/registry\/pods\/$/);
  });

  it('informers alone vouch for nothing: with no workload watch the verdict is inconclusive', () => {
    const verdict = watchGuarantees.judge({ ...emptyHistory(), informers: [{ prefix: PODS, sessions: [session('start', 2, 995)], events: [] }] }, {});
    expect(verdict).toMatchObject({ status: 'inconclusive', ok: false });
  });
});
