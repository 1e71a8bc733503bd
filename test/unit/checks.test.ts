import { describe, it, expect } from 'vitest';
import type { FaultWindow, History, Operation } from '../../src/faults/history.js';
import {
  ackedWritesDurable,
  converged,
  noStaleReads,
  percentiles,
  quorumSemantics,
  unavailabilityWindows,
  verdictOf,
  type MemberSnapshot,
} from '../../src/checks/index.js';

let nextId = 1;
function op(kind: Operation['kind'], key: string, value: string | undefined, start: number, end: number, ok: boolean, extra: Partial<Operation> = {}): Operation {
  return {
    id: nextId++,
    kind,
    key,
    value,
    start,
    end,
    ok,
    error: ok ? undefined : 'etcdserver: request timed out',
    errorKind: ok ? undefined : 'timeout',
    revision: undefined,
    member: undefined,
    ...extra,
  };
}
const put = (key: string, seq: number, start: number, end: number, ok = true) => op('put', key, String(seq), start, end, ok);
const get = (key: string, seq: number | undefined, start: number, end: number, ok = true) => op('get', key, seq === undefined ? undefined : String(seq), start, end, ok);
const sget = (key: string, seq: number | undefined, start: number, end: number, ok = true) =>
  op('get-serializable', key, seq === undefined ? undefined : String(seq), start, end, ok, { member: 'member3' });
const history = (operations: Operation[], faults: FaultWindow[] = []): History => ({ operations, leaders: [], faults });
const fault = (members: string[], injectedAt: number, healStartedAt: number | undefined, takesMembersDown = true): FaultWindow => ({
  id: 'f1',
  kind: 'kill',
  members,
  clusterSize: 3,
  takesMembersDown,
  injectedAt,
  healStartedAt,
});

const K = '/registry/drill/3';

describe('verdictOf', () => {
  it('caps details at 20 lines', () => {
    const v = verdictOf('x', Array.from({ length: 25 }, (_, i) => `v${i}`), 'fine');
    expect(v.ok).toBe(false);
    expect(v.message).toBe('v0 (and 24 more)');
    expect(v.details).toHaveLength(21);
    expect(v.details[20]).toBe('… and 5 more');
  });
});

describe('ackedWritesDurable', () => {
  const ops = () => [put(K, 1, 0, 10), put(K, 2, 20, 30), put('/registry/drill/4', 1, 0, 10)];

  it('passes when every acknowledged put or a later one survives', () => {
    const v = ackedWritesDurable(history(ops()), new Map([[K, '2'], ['/registry/drill/4', '1']]));
    expect(v).toMatchObject({ check: 'acked-writes-durable', ok: true, details: [] });
  });

  it('fails on a lost write, naming key, value and op', () => {
    const operations = ops();
    const v = ackedWritesDurable(history(operations), new Map([[K, '1'], ['/registry/drill/4', '1']]));
    expect(v.ok).toBe(false);
    expect(v.message).toBe(`acknowledged put of ${K} = 2 (op ${operations[1]!.id}) is lost: final value 1`);
  });

  it('counts an absent key as lost', () => {
    const v = ackedWritesDurable(history(ops()), new Map([[K, '2']]));
    expect(v.ok).toBe(false);
    expect(v.message).toContain('/registry/drill/4 = 1');
    expect(v.message).toContain('key absent');
  });

  it('never fails on indeterminate (failed) puts', () => {
    const v = ackedWritesDurable(history([put(K, 1, 0, 10), put(K, 2, 20, 30, false), put('/registry/drill/9', 1, 0, 5, false)]), new Map([[K, '1']]));
    expect(v.ok).toBe(true);
  });
});

describe('noStaleReads', () => {
  it('passes on a clean history', () => {
    const v = noStaleReads(history([put(K, 1, 0, 10), get(K, 1, 11, 12), put(K, 2, 20, 30), get(K, 2, 31, 32), get('/registry/drill/5', undefined, 0, 1)]));
    expect(v).toMatchObject({ check: 'no-stale-reads', ok: true });
  });

  it('fails on a stale read, naming key and ops', () => {
    const operations = [put(K, 1, 0, 10), put(K, 2, 20, 30), get(K, 1, 31, 32)];
    const v = noStaleReads(history(operations));
    expect(v.ok).toBe(false);
    expect(v.message).toContain(K);
    expect(v.message).toContain(`op ${operations[2]!.id}`);
    expect(v.message).toContain(`op ${operations[1]!.id}`);
  });

  it('fails when the key is absent after an acknowledged put', () => {
    const v = noStaleReads(history([put(K, 1, 0, 10), get(K, undefined, 11, 12)]));
    expect(v.ok).toBe(false);
    expect(v.message).toContain('returned nothing');
  });

  it('lets a read concurrent with a put return the old value', () => {
    const v = noStaleReads(history([put(K, 1, 0, 10), put(K, 2, 20, 30), get(K, 1, 25, 35)]));
    expect(v.ok).toBe(true);
  });

  it('ignores serializable reads and failed ops', () => {
    const v = noStaleReads(history([put(K, 1, 0, 10), put(K, 2, 20, 30), sget(K, 1, 31, 32), get(K, undefined, 31, 40, false)]));
    expect(v.ok).toBe(true);
  });

  it('handles 20k ops quickly', () => {
    const operations: Operation[] = [];
    for (let i = 0; i < 10_000; i++) {
      operations.push(put(`/k/${i % 50}`, i, i * 10, i * 10 + 5), get(`/k/${i % 50}`, i, i * 10 + 6, i * 10 + 8));
    }
    const t0 = performance.now();
    expect(noStaleReads(history(operations)).ok).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('quorumSemantics', () => {
  const settleMs = 100;

  it('is ok when no fault took members down', () => {
    const v = quorumSemantics(history([], [fault(['member1'], 0, 1000, false)]), { settleMs });
    expect(v).toMatchObject({ check: 'quorum-semantics', ok: true, message: 'no fault took members down' });
  });

  it('passes a quorum loss with writes refused and serializable reads answered', () => {
    const ops = [put(K, 1, 50, 60), put(K, 2, 200, 900, false), sget(K, 1, 300, 310), put(K, 3, 950, 1100)];
    const v = quorumSemantics(history(ops, [fault(['member1', 'member2'], 0, 1000)]), { settleMs });
    expect(v.ok).toBe(true);
  });

  it('fails on a write acknowledged during quorum loss', () => {
    const ops = [put(K, 2, 200, 300), sget(K, 1, 300, 310)];
    const v = quorumSemantics(history(ops, [fault(['member1', 'member2'], 0, 1000)]), { settleMs });
    expect(v.ok).toBe(false);
    expect(v.message).toContain(`put of ${K} = 2 (op ${ops[0]!.id}) was acknowledged during quorum loss`);
  });

  it('ignores writes acknowledged before the settle time', () => {
    const ops = [put(K, 2, 50, 150), sget(K, 1, 300, 310)];
    expect(quorumSemantics(history(ops, [fault(['member1', 'member2'], 0, 1000)]), { settleMs }).ok).toBe(true);
  });

  it('fails when serializable reads all fail during quorum loss', () => {
    const ops = [sget(K, undefined, 200, 300, false), sget(K, undefined, 400, 500, false)];
    const v = quorumSemantics(history(ops, [fault(['member1', 'member2'], 0, 1000)]), { settleMs });
    expect(v.ok).toBe(false);
    expect(v.message).toContain('all 2 serializable reads');
    expect(v.message).toContain('member3');
  });

  it('fails when no serializable read was tried during quorum loss', () => {
    const v = quorumSemantics(history([], [fault(['member1', 'member2'], 0, undefined)]), { settleMs });
    expect(v.ok).toBe(false);
    expect(v.message).toContain('no serializable read was tried during quorum loss');
  });

  it('passes a minority window in which writes go on', () => {
    const ops = [put(K, 1, 200, 250, false), put(K, 2, 300, 400)];
    expect(quorumSemantics(history(ops, [fault(['member1'], 0, 1000)]), { settleMs }).ok).toBe(true);
  });

  it('fails a minority window with no successful write, naming the members down', () => {
    const ops = [put(K, 1, 200, 900, false)];
    const v = quorumSemantics(history(ops, [fault(['member1'], 0, 1000)]), { settleMs });
    expect(v.ok).toBe(false);
    expect(v.message).toContain('no write succeeded');
    expect(v.message).toContain('member1');
    expect(v.message).toContain(`op ${ops[0]!.id}`);
  });

  it('fails a minority window too short to judge', () => {
    const v = quorumSemantics(history([put(K, 1, 10, 20)], [fault(['member1'], 0, 50)]), { settleMs });
    expect(v.ok).toBe(false);
    expect(v.message).toContain('too short to judge');
  });
});

describe('converged', () => {
  const snap = (name: string, over: Partial<MemberSnapshot> = {}): MemberSnapshot => ({
    name,
    reachable: true,
    revision: 40,
    hashKV: 456,
    memberIds: ['a', 'b', 'c'],
    leaderId: 'a',
    ...over,
  });
  const names = ['member1', 'member2', 'member3'];

  it('passes when all members agree', () => {
    const v = converged(names.map((n) => snap(n)), names);
    expect(v).toMatchObject({ check: 'converged', ok: true });
  });

  it('names the member whose hash diverges', () => {
    const v = converged([snap('member1'), snap('member2'), snap('member3', { hashKV: 123 })]);
    expect(v.ok).toBe(false);
    expect(v.message).toBe("member3 hashKV 123 at revision 40 differs from member1's 456");
  });

  it('names members that disagree on the leader', () => {
    const v = converged([snap('member1'), snap('member2', { leaderId: 'b' }), snap('member3')]);
    expect(v.ok).toBe(false);
    expect(v.message).toContain('member2 follows b');
  });

  it('names an unreachable member, a lagging revision, and a short member list', () => {
    const v = converged(
      [snap('member1', { revision: 38 }), snap('member2', { memberIds: ['a', 'b'] }), snap('member3'), snap('member4', { reachable: false })],
      names,
    );
    expect(v.ok).toBe(false);
    expect(v.details).toEqual(
      expect.arrayContaining([
        'member4 is unreachable',
        "member1 revision 38 differs from member2's 40",
        "member2 member ids a,b differs from member1's a,b,c",
        'member2 lists 2 members, expected 3',
      ]),
    );
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

  it('groups consecutive failed puts and ends at the next success', () => {
    const ops = [
      put(K, 1, 0, 10),
      put(K, 2, 20, 120, false),
      get(K, undefined, 25, 30, false),
      put(K, 3, 130, 230, false),
      put(K, 4, 240, 260),
      put(K, 5, 300, 400, false),
    ];
    expect(unavailabilityWindows(history(ops))).toEqual([
      { start: 20, end: 260, failedOps: 2, firstError: 'etcdserver: request timed out' },
      { start: 300, end: undefined, failedOps: 1, firstError: 'etcdserver: request timed out' },
    ]);
  });
});
