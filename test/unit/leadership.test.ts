import { describe, expect, it } from 'vitest';
import { decidedLeader, leaderOf, quorumSize, type LeadershipClaim } from '../../src/topology/leadership.js';

const ids: Record<string, string> = { member1: 'a1', member2: 'b2', member3: 'c3', member4: 'd4', member5: 'e5' };
/** `follows` a member's name (itself: it leads), or undefined: knows no leader; `down`: did not answer. */
function claim(name: string, follows: string | undefined, term: number, down = false): LeadershipClaim {
  if (down) return { name, answered: false, claimsLead: false, leaderId: undefined, term: undefined };
  return { name, answered: true, claimsLead: follows === name, leaderId: follows && ids[follows], term };
}

describe('leaderOf: one answer to who leads', () => {
  it('names the member every member follows, with its term and followers', () => {
    const claims = ['member1', 'member2', 'member3'].map((n) => claim(n, 'member2', 4));
    expect(leaderOf(claims)).toEqual({ name: 'member2', id: 'b2', term: 4, followers: ['member1', 'member2', 'member3'] });
  });

  it('an old leader cut off from the rest still claims to lead; the one the majority follows leads', () => {
    const claims = [claim('member1', 'member1', 3), claim('member2', 'member3', 4), claim('member3', 'member3', 4), claim('member4', 'member3', 4), claim('member5', 'member3', 4)];
    expect(leaderOf(claims)?.name).toBe('member3');
  });

  it('the first member to claim it is not the answer: a stale claim listed first loses', () => {
    const claims = [claim('member1', 'member1', 3), claim('member2', 'member1', 3), claim('member3', 'member4', 5), claim('member4', 'member4', 5), claim('member5', 'member4', 5)];
    expect(leaderOf(claims)?.name).toBe('member4');
  });

  it('no leader while no one has more than half of those that answer behind it (an election, an even split)', () => {
    expect(leaderOf([claim('member1', 'member1', 3), claim('member2', 'member1', 3), claim('member3', undefined, 4), claim('member4', undefined, 4)])).toBeUndefined();
    expect(leaderOf(['member1', 'member2', 'member3'].map((n) => claim(n, undefined, 2)))).toBeUndefined();
  });

  it('no leader when the member followed does not answer (killed a moment ago)', () => {
    expect(leaderOf([claim('member1', 'member2', 3), claim('member2', undefined, 0, true), claim('member3', 'member2', 3)])).toBeUndefined();
  });

  it('counts only members that answer: two survivors of five that follow one of them name it', () => {
    const claims = [claim('member1', 'member1', 3), claim('member2', 'member1', 3), ...['member3', 'member4', 'member5'].map((n) => claim(n, undefined, 0, true))];
    expect(leaderOf(claims)).toMatchObject({ name: 'member1', followers: ['member1', 'member2'] });
  });

  it('is undefined on no claims at all', () => {
    expect(leaderOf([])).toBeUndefined();
  });
});

describe('decidedLeader: who leads, known before every member has answered', () => {
  it('is decided once a quorum of all members follows one leader, and is then what every answer gives', () => {
    const first = [claim('member1', 'member2', 4), claim('member2', 'member2', 4), claim('member3', 'member2', 4)];
    expect(decidedLeader(first, 5)?.name).toBe('member2');
    // Whatever the last two say (an old leader, another claim), the answer stands.
    const all = [...first, claim('member4', 'member4', 3), claim('member5', 'member4', 3)];
    expect(leaderOf(all)?.name).toBe('member2');
  });

  it('is not decided while its followers are a majority of those that answered but not of all members', () => {
    const twoOfFive = [claim('member1', 'member2', 4), claim('member2', 'member2', 4)];
    expect(leaderOf(twoOfFive)?.name).toBe('member2');
    expect(decidedLeader(twoOfFive, 5)).toBeUndefined();
    expect(decidedLeader([], 5)).toBeUndefined();
  });
});

describe('quorumSize', () => {
  it('is more than half of the members', () => {
    expect([1, 2, 3, 4, 5, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4]);
  });
});
