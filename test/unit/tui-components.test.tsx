import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { describe, expect, it } from 'vitest';
import type { MemberSample } from '../../src/events.js';
import { LeaderLog } from '../../src/tui/leader-log.js';
import { MembersTable } from '../../src/tui/members-table.js';
import { initialView, reduce, type ScenarioProgress } from '../../src/tui/model.js';
import { QuorumLine } from '../../src/tui/quorum-line.js';
import { ScenarioView } from '../../src/tui/scenario-view.js';
import { sparkline, WorkloadSparklines } from '../../src/tui/sparkline.js';
import { memberSample as member } from '../support/member-sample.js';


/** `size` members of which `up` count as up: a majority following one leader, or, without one, members that answer but know no leader. */
function cluster(size: number, up: number): MemberSample[] {
  const quorum = Math.floor(size / 2) + 1;
  return Array.from({ length: size }, (_, i) => {
    const name = `member${i + 1}`;
    if (i >= up) return member(name, { role: 'unknown', answered: false, healthy: false, leaderId: undefined, container: 'stopped' });
    if (up >= quorum) return member(name, { role: i === 0 ? 'leader' : 'follower' });
    return member(name, { role: 'unknown', healthy: false, leaderId: undefined });
  });
}

const frame = (element: ReactElement) => render(element).lastFrame() ?? '';

describe('the quorum line', () => {
  const expected: Record<number, string[]> = {
    5: [
      '0/5 up — QUORUM LOST: writes stop, nothing answers',
      '1/5 up — QUORUM LOST: writes stop, serializable reads still answer',
      '2/5 up — QUORUM LOST: writes stop, serializable reads still answer',
      '3/5 up — can lose no more: one more failure stops writes',
      '4/5 up — can lose 1 more',
      '5/5 up — can lose 2 more',
    ],
    3: [
      '0/3 up — QUORUM LOST: writes stop, nothing answers',
      '1/3 up — QUORUM LOST: writes stop, serializable reads still answer',
      '2/3 up — can lose no more: one more failure stops writes',
      '3/3 up — can lose 1 more',
    ],
    1: ['0/1 up — QUORUM LOST: writes stop, nothing answers', '1/1 up — can lose no more: one more failure stops writes'],
  };
  for (const [size, lines] of Object.entries(expected)) {
    lines.forEach((line, up) => {
      it(`says "${line}"`, () => {
        expect(frame(<QuorumLine members={cluster(Number(size), up)} />)).toBe(`quorum: ${line}`);
      });
    });
  }

  it('waits for a sample rather than counting an empty cluster', () => {
    expect(frame(<QuorumLine members={[]} />)).toContain('waiting for the first sample');
  });
});

describe('the members table', () => {
  const members = [
    member('member1', { role: 'leader' }),
    member('member2', { container: 'paused', answered: false, healthy: false, leaderId: undefined, role: 'unknown', faults: ['pause'], cpuPercent: undefined }),
    member('member3', { answered: true, healthy: false, leaderId: undefined, role: 'unknown', faults: ['isolate'] }),
    member('member4', { container: 'stopped', answered: false, healthy: false, leaderId: undefined, role: 'unknown', faults: ['kill'], memoryBytes: undefined }),
    member('member5', { answered: false, healthy: false, leaderId: undefined, role: 'unknown', faults: ['cpu', 'latency'] }),
  ];
  const rows = () =>
    frame(<MembersTable members={members} selected="member3" width={100} />)
      .split('\n')
      .map((row) => row.replace(/\s+/g, ' ').trim());

  it('shows role, health, raft position, size and use, and the faults in force on each member', () => {
    expect(rows()).toEqual([
      'NAME ROLE HEALTH TERM INDEX DB SIZE FSYNC p99 CPU MEMORY FAULTS',
      'member1 leader healthy 5 1234 20 kB - 2.5% 30 MB',
      'member2 - paused 5 1234 20 kB - - 30 MB pause',
      '▶ member3 - no leader 5 1234 20 kB - 2.5% 30 MB isolate',
      'member4 - stopped 5 1234 20 kB - 2.5% - kill',
      'member5 - down 5 1234 20 kB - 2.5% 30 MB cpu, latency',
    ]);
  });

  it('shows what etcd itself reports: the WAL fsync p99 from 100 columns, red past etcd’s guidance', () => {
    const signals = (walFsyncP99Ms: number) => ({ walFsyncP99Ms, walFsyncs: 40, backendCommitP99Ms: 10.2, leaderChanges: 1, slowApplies: 0, heartbeatFailures: 0 });
    const rendered = frame(<MembersTable members={[member('member1', { role: 'leader', signals: signals(1_780) }), member('member2', { signals: signals(3.49) })]} selected={undefined} width={100} />)
      .split('\n')
      .map((row) => row.replace(/\s+/g, ' ').trim());
    expect(rendered).toEqual([
      'NAME ROLE HEALTH TERM INDEX DB SIZE FSYNC p99 CPU MEMORY FAULTS',
      'member1 leader healthy 5 1234 20 kB 1780 ms 2.5% 30 MB',
      'member2 follower healthy 5 1234 20 kB 3.5 ms 2.5% 30 MB',
    ]);
  });

  it('waits for the first sample', () => {
    expect(frame(<MembersTable members={[]} selected={undefined} width={100} />)).toContain('waiting for the first sample of the members');
  });
});

describe('sparklines', () => {
  it('draws values from ▁ to █ against the largest, gaps as spaces, only the last `width`', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([7, 0, undefined, 7], 3)).toBe('▁ █');
    expect(sparkline([0.5, 1, 0], 3, 1)).toBe('▅█▁');
    expect(sparkline([0, 0], 2)).toBe('▁▁');
    expect(sparkline([], 5)).toBe('');
  });

  it('shows availability and put latency with the latest value', () => {
    const points = [
      { at: 1, availability: 1, p50Ms: 2, p99Ms: 10 },
      { at: 2, availability: 0, p50Ms: undefined, p99Ms: undefined },
      { at: 3, availability: 0.5, p50Ms: 3.25, p99Ms: 1500 },
    ];
    const lines = frame(<WorkloadSparklines points={points} width={100} />).split('\n');
    expect(lines[0]).toMatch(/^availability\s+█▁▅ 50%$/);
    expect(lines[1]).toMatch(/^put p50\s+▁ ▁ 3\.3 ms$/);
    expect(lines[2]).toMatch(/^put p99\s+▁ █ 1\.50 s$/);
  });
});

describe('the leader log', () => {
  it('says who leads, in which term, and how long the election took', () => {
    const at = new Date(2025, 0, 1, 12, 1, 2).getTime();
    const text = frame(
      <LeaderLog
        changes={[
          { at, from: 'member1', to: undefined, term: undefined, electionMs: undefined },
          { at, from: 'member1', to: 'member3', term: 5, electionMs: 1240 },
          { at, from: undefined, to: 'member2', term: 6, electionMs: undefined },
        ]}
      />,
    );
    expect(text.split('\n')).toEqual(['leaders', '12:01:02 no leader (was member1)', '12:01:02 member3 leads (term 5), election took 1.24 s', '12:01:02 member2 leads (term 6)']);
  });
});

describe('the scenario view', () => {
  const steps = ['snapshot', 'kill leader', 'wait for leader-elected', 'restore', 'check rpo'];

  function progress(): ScenarioProgress {
    const now = Date.now();
    const view = [
      { type: 'step.started', scenario: 's', index: 0, name: 'snapshot', at: now - 9000 },
      { type: 'step.finished', scenario: 's', index: 0, name: 'snapshot', state: 'passed', message: 'revision 40', at: now - 8000 },
      { type: 'step.started', scenario: 's', index: 1, name: 'kill leader', at: now - 8000 },
      { type: 'step.finished', scenario: 's', index: 1, name: 'kill leader', state: 'failed', message: 'no leader to kill', at: now - 7000 },
      { type: 'step.finished', scenario: 's', index: 2, name: 'wait for leader-elected', state: 'skipped', message: 'an earlier step failed', at: now - 7000 },
      { type: 'step.started', scenario: 's', index: 3, name: 'restore', at: now - 3000 },
    ] as const;
    return view.reduce(reduce, initialView({ scenario: { name: 's', steps } })).scenario as ScenarioProgress;
  }

  it('shows each step’s state: passed, failed with the reason, skipped, running with a spinner and its time, pending', () => {
    const lines = frame(<ScenarioView scenario={progress()} checks={[]} recovery={undefined} />).split('\n');
    expect(lines[0]).toMatch(/^scenario s \d+ s$/);
    expect(lines[1]).toBe('✔ 1. snapshot — revision 40');
    expect(lines[2]).toBe('✘ 2. kill leader — no leader to kill');
    expect(lines[3]).toBe('– 3. wait for leader-elected (skipped: an earlier step failed)');
    expect(lines[4]).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] 4\. restore \([34] s\)$/);
    expect(lines[5]).toBe('  5. check rpo');
  });

  it('ends with the outcome, RTO and RPO, and the checks’ verdicts', () => {
    const finished = { ...progress(), outcome: { passed: false, durationMs: 61_400 } };
    const text = frame(
      <ScenarioView
        scenario={finished}
        checks={[
          { check: 'acked-writes-durable', ok: true, message: 'all 120 acked writes read back' },
          { check: 'restore-rpo', ok: false, message: '9 writes lost' },
        ]}
        recovery={{ rtoMs: 20_100, rpoWrites: 9 }}
      />,
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('scenario s 61 s ✘ FAILED (RTO 20.1 s, RPO 9 writes)');
    expect(lines.slice(-3)).toEqual(['checks', '✔ acked-writes-durable — all 120 acked writes read back', '✘ restore-rpo — 9 writes lost']);
  });
});
