import { describe, expect, it } from 'vitest';
import { printPlainLines } from '../../src/cli/ui.js';
import { EventBus, type MemberSample } from '../../src/events.js';
import { quorumLine, quorumState, quorumWarning } from '../../src/faults/quorum-view.js';
import { memberSample } from '../support/member-sample.js';

/** Member N's ID is the N-th letter: member1 is 'a', member2 'b'; a member following its own ID leads. */
function member(name: string, leaderId: string | undefined, answered = true): MemberSample {
  const leads = answered && leaderId === String.fromCharCode(96 + Number(name.replace('member', '')));
  return memberSample(name, { answered, role: leads ? 'leader' : 'follower', healthy: answered && leaderId !== undefined, leaderId: answered ? leaderId : undefined, container: answered ? 'running' : 'stopped' });
}

describe('quorum as the dashboard counts it', () => {
  it('counts the members following the majority leader, not a cut-off member that still answers', () => {
    const members = [member('member1', 'a'), member('member2', 'a'), member('member3', 'a'), member('member4', 'a'), member('member5', undefined)];
    expect(quorumState(members)).toEqual({ size: 5, up: 4, holds: true });
  });

  it('with no majority leader, counts the members that still answer', () => {
    const members = [member('member1', undefined), member('member2', undefined), member('member3', undefined, false), member('member4', undefined, false), member('member5', undefined, false)];
    expect(quorumState(members)).toEqual({ size: 5, up: 2, holds: false });
    expect(quorumLine({ size: 5, up: 2, holds: false })).toEqual({ text: '2/5 up — QUORUM LOST: writes stop, serializable reads still answer', level: 'lost' });
  });

  it('says plainly how many more members can be lost', () => {
    expect(quorumLine({ size: 5, up: 5, holds: true }).text).toBe('5/5 up — can lose 2 more');
    expect(quorumLine({ size: 5, up: 3, holds: true }).level).toBe('warn');
    expect(quorumLine({ size: 3, up: 0, holds: false }).text).toBe('0/3 up — QUORUM LOST: writes stop, nothing answers');
    expect(quorumLine({ size: 1, up: 1, holds: true }).level).toBe('warn');
  });

  it('does not call a cluster healthy whose members answer but follow no common leader', () => {
    const cutOff = ['member1', 'member2', 'member3', 'member4', 'member5'].map((n) => member(n, undefined));
    const state = quorumState(cutOff);
    expect(state).toEqual({ size: 5, up: 5, holds: false });
    expect(quorumLine(state)).toEqual({ text: '5/5 answer — NO LEADER a majority follows: writes stop until one is elected', level: 'lost' });
  });

  it('warns before an action takes quorum away, and only then', () => {
    expect(quorumWarning({ size: 5, up: 5, holds: true }, 2)).toBeUndefined();
    expect(quorumWarning({ size: 5, up: 3, holds: true }, 1)).toBe('this loses quorum: writes will stop until 3 members are back');
    expect(quorumWarning({ size: 5, up: 2, holds: false }, 1)).toBeUndefined();
  });
});

describe('plain lines for CI and pipes', () => {
  it('prints each event once, timestamped, and the quorum line only when it changes', () => {
    const events = new EventBus();
    const lines: string[] = [];
    const stop = printPlainLines(events, (line) => lines.push(line));
    const healthy = ['member1', 'member2', 'member3'].map((n) => member(n, 'a'));
    events.emit({ type: 'members.sampled', cluster: 'c', members: healthy });
    events.emit({ type: 'members.sampled', cluster: 'c', members: healthy });
    events.emit({ type: 'fault.injected', cluster: 'c', id: 'f1', kind: 'kill', target: 'leader', members: ['member1'], takesMembersDown: true, effect: undefined });
    // The followers still name the dead leader until their election timeout: no leader leads then.
    events.emit({ type: 'members.sampled', cluster: 'c', members: [member('member1', undefined, false), ...healthy.slice(1)] });
    events.emit({ type: 'members.sampled', cluster: 'c', members: [member('member1', undefined, false), member('member2', 'b'), member('member3', 'b')] });
    stop();
    expect(lines.map((l) => l.replace(/^\d\d:\d\d:\d\d\.\d{3} /, ''))).toEqual([
      'quorum: 3/3 up — can lose 1 more',
      'fault kill (f1) on member1 [target leader]',
      'quorum: 2/3 answer — NO LEADER a majority follows: writes stop until one is elected',
      'quorum: 2/3 up — can lose no more: one more failure stops writes',
    ]);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} /);
  });
});
