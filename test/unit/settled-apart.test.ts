import { describe, expect, it } from 'vitest';
import { MEMBER_GONE, MEMBER_STOPPED, unansweredStatus, type MemberStatus } from '../../src/topology/cluster.js';
import { settledApart } from '../../src/workload/gather-history.js';

const ELECTION_MS = 1_000;

function member(name: string, fields: Partial<MemberStatus> = {}): MemberStatus {
  return { ...unansweredStatus(name, `https://${name}:2379`, ''), error: undefined, healthy: true, leaderId: 'a1', raftIndex: 70, revision: 62, clusterId: 'c1', ...fields };
}

/** A clock the test moves by hand. */
function clock() {
  let at = 0;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

describe('settledApart: members that will never agree end the converged wait early', () => {
  it('a member whose container is gone or stopped: at once', () => {
    const t = clock();
    expect(settledApart(ELECTION_MS, t.now)([member('member1'), unansweredStatus('member2', 'x', MEMBER_GONE)])).toBe(true);
    expect(settledApart(ELECTION_MS, t.now)([member('member1'), unansweredStatus('member2', 'x', MEMBER_STOPPED)])).toBe(true);
  });

  it('members of two clusters (a restore one of them missed): at once', () => {
    const t = clock();
    expect(settledApart(ELECTION_MS, t.now)([member('member1'), member('member2', { clusterId: 'c2' })])).toBe(true);
  });

  it('one leader, one raft index, revisions apart: only once that has held for an election timeout', () => {
    const t = clock();
    const apart = settledApart(ELECTION_MS, t.now);
    const statuses = [member('member1'), member('member2'), member('member3', { revision: 9 })];
    expect(apart(statuses)).toBe(false);
    t.advance(ELECTION_MS - 1);
    expect(apart(statuses)).toBe(false);
    t.advance(1);
    expect(apart(statuses)).toBe(true);
  });

  it('a member still catching up (its revision or raft index moving) is waited for', () => {
    const t = clock();
    const apart = settledApart(ELECTION_MS, t.now);
    for (let revision = 9; revision < 20; revision += 1) {
      expect(apart([member('member1'), member('member3', { revision })])).toBe(false);
      t.advance(ELECTION_MS / 2);
    }
    // Behind in the log: it has not applied what the others have, so it may yet agree.
    expect(apart([member('member1'), member('member3', { raftIndex: 40, revision: 9 })])).toBe(false);
    t.advance(10 * ELECTION_MS);
    expect(apart([member('member1'), member('member3', { raftIndex: 40, revision: 9 })])).toBe(false);
  });

  it('members without a leader, or following different ones, may still settle: waited for', () => {
    const t = clock();
    const apart = settledApart(ELECTION_MS, t.now);
    const statuses = [member('member1'), member('member3', { revision: 9, leaderId: 'b2' })];
    apart(statuses);
    t.advance(10 * ELECTION_MS);
    expect(apart(statuses)).toBe(false);
    expect(apart([member('member1'), member('member3', { revision: 9, healthy: false, leaderId: undefined })])).toBe(false);
  });

  it('members that agree are not "apart"', () => {
    const t = clock();
    const apart = settledApart(ELECTION_MS, t.now);
    apart([member('member1'), member('member2')]);
    t.advance(10 * ELECTION_MS);
    expect(apart([member('member1'), member('member2')])).toBe(false);
  });
});
