import { describe, expect, it } from 'vitest';
import type { DrillEvent, Timestamped } from '../../src/events.js';
import { initialView, reduce, withRecovery, type DashboardView } from '../../src/tui/model.js';
import { memberSample as member } from '../support/member-sample.js';

const at = (event: DrillEvent, time: number): Timestamped => ({ ...event, at: time });
const fold = (view: DashboardView, events: Timestamped[]) => events.reduce(reduce, view);


const workload = (time: number, availability: number) =>
  at({ type: 'workload.sampled', cluster: 'c', sample: { windowMs: 1000, puts: 20, okPuts: 20, stalledPuts: 0, availability, p50Ms: 3, p99Ms: 12 } }, time);

describe('the dashboard model', () => {
  it('starts with every scenario step pending and nothing else known', () => {
    const view = initialView({ cluster: 'c1', scenario: { name: 'kill-leader', steps: ['fault kill on leader', 'wait for leader-elected'] } });
    expect(view.cluster).toBe('c1');
    expect(view.scenario?.steps.map((s) => s.state)).toEqual(['pending', 'pending']);
    expect(view.members).toEqual([]);
    expect(view.log).toEqual([]);
    expect(view.recovery).toBeUndefined();
  });

  it('keeps the latest member sample and takes the cluster name from the stream when not given one', () => {
    const members = [member('member1', { role: 'leader' }), member('member2')];
    const view = fold(initialView({}), [at({ type: 'members.sampled', cluster: 'c2', members }, 1)]);
    expect(view.members).toBe(members);
    expect(view.cluster).toBe('c2');
    // Samples arrive every second: drawn, never logged.
    expect(view.log).toEqual([]);
  });

  it('keeps five minutes of workload samples and logs none of them', () => {
    const start = 1_000_000;
    const events = Array.from({ length: 400 }, (_, i) => workload(start + i * 1000, i % 2));
    const view = fold(initialView({}), events);
    const last = start + 399 * 1000;
    expect(view.workload.length).toBeLessThanOrEqual(300);
    expect(view.workload.every((p) => p.at > last - 5 * 60_000)).toBe(true);
    expect(view.workload.at(-1)).toEqual({ at: last, availability: 1, p50Ms: 3, p99Ms: 12 });
    expect(view.log).toEqual([]);
  });

  it('logs leader changes with their election time and keeps the last twenty', () => {
    const events = Array.from({ length: 25 }, (_, i) => at({ type: 'leader.changed', cluster: 'c', from: `member${i}`, to: `member${i + 1}`, term: i + 2, electionMs: 1240 }, i));
    const view = fold(initialView({}), events);
    expect(view.leaderChanges).toHaveLength(20);
    expect(view.leaderChanges.at(-1)).toEqual({ at: 24, from: 'member24', to: 'member25', term: 26, electionMs: 1240 });
    expect(view.log.at(-1)?.text).toBe('leader is now member25 (term 26), was member24; election took 1.24 s');
  });

  it('bounds the event log, numbering lines so a face can tell new from printed', () => {
    const events = Array.from({ length: 250 }, (_, i) => at({ type: 'log.line', level: 'info', line: `line ${i}` }, i));
    const view = fold(initialView({}), events);
    expect(view.log).toHaveLength(200);
    expect(view.log[0]).toMatchObject({ seq: 51, text: 'line 50' });
    expect(view.log.at(-1)).toMatchObject({ seq: 250, text: 'line 249', level: 'info' });
    expect(view.nextSeq).toBe(251);
  });

  it('logs a command with the head of its output', () => {
    const output = ['one', '', 'two', 'three', 'four', 'five', 'six', ''].join('\n');
    const view = reduce(initialView({}), at({ type: 'command.ran', cluster: 'c', member: 'member1', command: 'etcdctl endpoint status', exitCode: 1, output, durationMs: 42 }, 5));
    expect(view.log).toEqual([
      { seq: 1, at: 5, text: '  $ etcdctl endpoint status  (42 ms, exit 1)', level: 'warn', detail: ['one', 'two', 'three', 'four', '… 2 more lines'] },
    ]);
  });

  it('colours lines by what they mean', () => {
    const view = fold(initialView({}), [
      at({ type: 'fault.injected', cluster: 'c', id: 'f1', kind: 'kill', target: 'leader', members: ['member1'], takesMembersDown: true, effect: undefined }, 1),
      at({ type: 'write.failed', cluster: 'c', key: 'k', error: 'timeout', errorKind: 'timeout' }, 2),
      at({ type: 'write.recovered', cluster: 'c', unavailableMs: 1500, failedOps: 3 }, 3),
      at({ type: 'leader.changed', cluster: 'c', from: 'member1', to: undefined, term: undefined, electionMs: undefined }, 4),
    ]);
    expect(view.log.map((l) => l.level)).toEqual(['warn', 'error', 'ok', 'warn']);
  });

  it('tracks the faults in force', () => {
    const view = fold(initialView({}), [
      at({ type: 'fault.injected', cluster: 'c', id: 'f1', kind: 'kill', target: 'leader', members: ['member1'], takesMembersDown: true, effect: undefined }, 1),
      at({ type: 'fault.injected', cluster: 'c', id: 'f2', kind: 'pause', target: 'member:member2', members: ['member2'], takesMembersDown: true, effect: undefined }, 2),
      at({ type: 'fault.healed', cluster: 'c', id: 'f1', kind: 'kill', members: ['member1'], note: undefined, healStartedAt: undefined }, 3),
    ]);
    expect(view.faults).toEqual([{ id: 'f2', kind: 'pause', members: ['member2'] }]);
  });

  it('knows the action under way and the last result; a refused action leaves the running one alone', () => {
    let view = reduce(initialView({}), at({ type: 'action.started', action: 'kill-leader', label: 'kill leader' }, 10));
    expect(view.action).toEqual({ id: 'kill-leader', label: 'kill leader', startedAt: 10 });
    view = reduce(view, at({ type: 'action.finished', action: 'heal-all', label: 'heal all', ok: false, message: 'busy with kill leader: wait for it to finish', durationMs: 0 }, 11));
    expect(view.action?.id).toBe('kill-leader');
    expect(view.lastResult).toMatchObject({ label: 'heal all', ok: false });
    view = reduce(view, at({ type: 'action.finished', action: 'kill-leader', label: 'kill leader', ok: true, message: 'kill on member1', durationMs: 900 }, 12));
    expect(view.action).toBeUndefined();
    expect(view.lastResult).toEqual({ label: 'kill leader', ok: true, message: 'kill on member1', durationMs: 900 });
  });

  it('follows a scenario step by step, with verdicts and recovery figures', () => {
    const start = initialView({ scenario: { name: 'restore', steps: ['snapshot', 'restore', 'check rpo'] } });
    const view = fold(start, [
      at({ type: 'cluster.starting', cluster: 'c', members: 3, topology: 'cluster' }, 100),
      at({ type: 'step.started', scenario: 'restore', index: 0, name: 'snapshot' }, 200),
      at({ type: 'step.finished', scenario: 'restore', index: 0, name: 'snapshot', state: 'passed', message: 'snapshot at revision 40' }, 300),
      at({ type: 'step.started', scenario: 'restore', index: 1, name: 'restore' }, 400),
      at({ type: 'step.finished', scenario: 'restore', index: 1, name: 'restore', state: 'failed', message: 'member3 did not come back' }, 500),
      at({ type: 'step.finished', scenario: 'restore', index: 2, name: 'check rpo', state: 'skipped', message: 'an earlier step failed' }, 500),
      at({ type: 'check.verdict', scenario: 'restore', check: 'restore-rpo', ok: false, message: '9 writes lost' }, 600),
      at({ type: 'scenario.finished', scenario: 'restore', passed: false, durationMs: 500, rtoMs: 20_100, rpoWrites: 9 }, 600),
    ]);
    expect(view.scenario?.startedAt).toBe(100);
    expect(view.scenario?.steps).toEqual([
      { name: 'snapshot', state: 'passed', message: 'snapshot at revision 40', startedAt: 200, endedAt: 300 },
      { name: 'restore', state: 'failed', message: 'member3 did not come back', startedAt: 400, endedAt: 500 },
      { name: 'check rpo', state: 'skipped', message: 'an earlier step failed', startedAt: 500, endedAt: 500 },
    ]);
    expect(view.scenario?.outcome).toEqual({ passed: false, durationMs: 500 });
    expect(view.checks).toEqual([{ check: 'restore-rpo', ok: false, message: '9 writes lost' }]);
    expect(view.recovery).toEqual({ rtoMs: 20_100, rpoWrites: 9 });
  });

  it('shows a step it was not told about under the engine’s name', () => {
    const view = reduce(initialView({ scenario: { name: 's', steps: [] } }), at({ type: 'step.started', scenario: 's', index: 0, name: 'surprise' }, 1));
    expect(view.scenario?.steps).toEqual([{ name: 'surprise', state: 'running', message: undefined, startedAt: 1, endedAt: undefined }]);
  });

  it('takes recovery figures from outside the stream, keeping what it knew', () => {
    const view = withRecovery(withRecovery(initialView({}), { rtoMs: 1500 }), { rpoWrites: 0 });
    expect(view.recovery).toEqual({ rtoMs: 1500, rpoWrites: 0 });
  });
});
