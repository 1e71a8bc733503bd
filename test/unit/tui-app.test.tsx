import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, type MemberSample } from '../../src/events.js';
import type { TrainerAction, TrainerControl } from '../../src/scenarios/trainer-actions.js';
import { App } from '../../src/tui/app.js';
import { memberSample } from '../support/member-sample.js';

const member = (name: string, role: MemberSample['role'], faults: string[] = []) => memberSample(name, { role, faults });

const up = '\u001B[A';
const down = '\u001B[B';
const ctrlC = '\u0003';
/** useInput attaches its stdin listener in an effect: a key written before that is lost. */
const listening = (ui: ReturnType<typeof render>) => vi.waitFor(() => expect(ui.stdin.listenerCount('readable')).toBeGreaterThan(0));


const fiveMembers = () => [member('member1', 'leader'), member('member2', 'follower'), member('member3', 'follower', ['pause']), member('member4', 'follower'), member('member5', 'follower')];

function fakeControl() {
  const perform = vi.fn<(actionId: string, selected: string | undefined) => void>();
  const actions: TrainerAction[] = [
    { id: 'kill-leader', key: 'k', label: 'kill leader', usesSelection: false, warning: () => undefined },
    { id: 'pause', key: 'p', label: 'pause member', usesSelection: true, warning: () => undefined },
    { id: 'lose-quorum', key: 'l', label: 'lose quorum', usesSelection: false, warning: () => 'this loses quorum: writes will stop until 3 members are back' },
  ];
  const control = { actions, busy: false, perform, shutdown: async () => undefined } satisfies TrainerControl;
  return { control, perform };
}

/** The App on a real bus, with the members sampled and drawn. */
async function mounted(control?: TrainerControl) {
  const events = new EventBus();
  const onQuit = vi.fn();
  const ui = render(<App events={events} control={control} cluster="drill" onQuit={onQuit} />);
  events.emit({ type: 'members.sampled', cluster: 'drill', members: fiveMembers() });
  await vi.waitFor(() => expect(ui.lastFrame()).toContain('5/5 up — can lose 2 more'));
  await listening(ui);
  // Ink hands a key to the handler as it is written: what a key calls has been called when this returns.
  const press = (key: string) => ui.stdin.write(key);
  const frame = () => ui.lastFrame() ?? '';
  const shows = (text: string | RegExp) => vi.waitFor(() => expect(frame()).toMatch(text));
  const hides = (text: string) => vi.waitFor(() => expect(frame()).not.toContain(text));
  return { ui, events, onQuit, press, frame, shows, hides };
}

let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

async function app(control?: TrainerControl) {
  const result = await mounted(control);
  unmount = result.ui.unmount;
  return result;
}

describe('the trainer’s keys', () => {
  it('lists every action with its key, and ? toggles the full help', async () => {
    const { control } = fakeControl();
    const { press, frame, shows, hides } = await app(control);
    expect(frame()).toContain('k kill leader · p pause member · l lose quorum · ↑↓ select · ? help · q quit');
    await press('?');
    await shows(/p\s+pause member \(acts on the member selected with ↑ ↓\)/);
    await press('?');
    await hides('acts on the member selected');
  });

  it('asks before losing quorum: n cancels, y performs', async () => {
    const { control, perform } = fakeControl();
    const { press, frame, shows, hides } = await app(control);
    await press('l');
    await shows('lose quorum: this loses quorum: writes will stop until 3 members are back');
    expect(frame()).toContain('press y to confirm, any other key to cancel');
    await press('n');
    await hides('press y to confirm');
    expect(perform).not.toHaveBeenCalled();

    await press('l');
    await shows('press y to confirm');
    await press('y');
    await hides('press y to confirm');
    expect(perform).toHaveBeenCalledExactlyOnceWith('lose-quorum', undefined);
  });

  it('acts at once when the action warns of nothing, on the selected member', async () => {
    const { control, perform } = fakeControl();
    const { press, shows } = await app(control);
    await press('k');
    await vi.waitFor(() => expect(perform).toHaveBeenLastCalledWith('kill-leader', undefined));
    await press(down);
    await press(down);
    await shows(/▶ member2/);
    await press('p');
    await vi.waitFor(() => expect(perform).toHaveBeenLastCalledWith('pause', 'member2'));
  });

  it('refuses a second action while one runs, naming it', async () => {
    const { control, perform } = fakeControl();
    const { events, press, frame, shows } = await app({ ...control, busy: true });
    events.emit({ type: 'action.started', action: 'kill-leader', label: 'kill leader' });
    await shows('kill leader…');
    await press('l');
    await shows('busy: kill leader — wait for it to finish');
    expect(frame()).not.toContain('press y to confirm');
    await press('k');
    expect(perform).not.toHaveBeenCalled();
  });

  it('moves the selection marker with the arrow keys, wrapping around', async () => {
    const { press, frame } = await app(fakeControl().control);
    const selectedRow = () => frame().split('\n').find((row) => row.includes('▶'));
    const selects = (name: string) => vi.waitFor(() => expect(selectedRow()).toContain(name));
    expect(selectedRow()).toBeUndefined();
    await press(down);
    await selects('member1');
    await press(down);
    await press(down);
    await selects('member3');
    expect(selectedRow()).toMatch(/pause$/);
    await press(up);
    await selects('member2');
    await press(up);
    await press(up);
    await selects('member5');
  });

  it('quits once on q or Ctrl-C, saying it cleans up', async () => {
    const { ui, press, shows, onQuit } = await app(fakeControl().control);
    // Typed faster than a frame: the second and third must not quit again.
    ui.stdin.write('q');
    ui.stdin.write(ctrlC);
    await press('q');
    await shows('healing everything and removing what this session started…');
    await press(ctrlC);
    expect(onQuit).toHaveBeenCalledOnce();
  });

  it('quits on Ctrl-C too, even while asking to confirm', async () => {
    const { control, perform } = fakeControl();
    const { press, shows, onQuit } = await app(control);
    await press('l');
    await shows('press y to confirm');
    await press(ctrlC);
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledOnce());
    expect(perform).not.toHaveBeenCalled();
  });

  it('without a control (a scenario run), keys only select, help and quit', async () => {
    const { press, frame, shows, onQuit } = await app(undefined);
    expect(frame().trimEnd().split('\n').at(-1)).toBe('↑↓ select · ? help · q quit');
    await press('k');
    await press(down);
    await shows(/▶ member1/);
    await press('q');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledOnce());
  });
});

describe('the dashboard on a live event stream', () => {
  it('shows a new leader and its election time after leader.changed', async () => {
    const { events, frame } = await app(undefined);
    events.emit({ type: 'leader.changed', cluster: 'drill', from: 'member1', to: undefined, term: undefined, electionMs: undefined });
    events.emit({ type: 'leader.changed', cluster: 'drill', from: 'member1', to: 'member3', term: 6, electionMs: 1240 });
    await vi.waitFor(() => expect(frame()).toMatch(/\d\d:\d\d:\d\d member3 leads \(term 6\), election took 1\.24 s/));
    expect(frame()).toMatch(/\d\d:\d\d:\d\d no leader \(was member1\)/);
    // The event log says it too, in the plain words of the progress lines.
    expect(frame()).toContain('leader is now member3 (term 6), was member1; election took 1.24 s');
  });

  it('shows the faults in force and the cluster name', async () => {
    const { events, frame } = await app(undefined);
    events.emit({ type: 'fault.injected', cluster: 'drill', id: 'f1', kind: 'pause', target: 'member:member3', members: ['member3'], takesMembersDown: true, effect: undefined });
    await vi.waitFor(() => expect(frame()).toContain('faults in force: pause (f1) on member3'));
    expect(frame()).toContain('etcd-drill · cluster drill');
    events.emit({ type: 'fault.healed', cluster: 'drill', id: 'f1', kind: 'pause', members: ['member3'], note: undefined, healStartedAt: undefined });
    await vi.waitFor(() => expect(frame()).toContain('no faults in force'));
  });

  it('shows the newest event log lines that fit, with command output, past the log’s bound', async () => {
    const { events, frame } = await app(undefined);
    for (let batch = 0; batch < 5; batch += 1) {
      for (let i = 0; i < 60; i += 1) events.emit({ type: 'log.line', level: 'info', line: `line ${batch * 60 + i}.` });
      await vi.waitFor(() => expect(frame()).toContain(`line ${batch * 60 + 59}.`));
    }
    events.emit({ type: 'command.ran', cluster: 'drill', member: 'member1', command: 'etcdctl member list', exitCode: 0, output: 'a, started\nb, started\n', durationMs: 12 });
    await vi.waitFor(() => expect(frame()).toMatch(/line 299\.\n\d\d:\d\d:\d\d   \$ etcdctl member list  \(12 ms\)\n {13}a, started\n {13}b, started\netcd-drill/));
    // Older lines have scrolled out of the frame, and no line is shown twice.
    expect(frame()).not.toContain('line 250.');
    for (let i = 290; i < 300; i += 1) expect(frame().split(`line ${i}.`).length).toBeLessThanOrEqual(2);
  });

  it('folds a burst of events into few frames', async () => {
    const { events, ui } = await app(undefined);
    const before = ui.frames.length;
    const lastMembers = fiveMembers().map((m) => (m.name === 'member5' ? { ...m, raftIndex: 9999 } : m));
    for (let i = 0; i < 499; i += 1) events.emit({ type: 'members.sampled', cluster: 'drill', members: fiveMembers() });
    events.emit({ type: 'members.sampled', cluster: 'drill', members: lastMembers });
    // The burst is drawn (its last sample is on screen) …
    await vi.waitFor(() => expect(ui.lastFrame()).toContain('9999'));
    // … and over a window of a few flush intervals it took a handful of frames, not 500.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(ui.frames.length - before).toBeLessThan(10);
  });

  it('stops listening when unmounted', async () => {
    const events = new EventBus();
    const unsubscribe = vi.fn();
    const subscribe = events.subscribe.bind(events);
    vi.spyOn(events, 'subscribe').mockImplementation((listener) => {
      const stop = subscribe(listener);
      return () => {
        unsubscribe();
        stop();
      };
    });
    const ui = render(<App events={events} onQuit={() => undefined} />);
    await vi.waitFor(() => expect(events.subscribe).toHaveBeenCalledOnce());
    ui.unmount();
    expect(unsubscribe).toHaveBeenCalledOnce();
  });
});

describe('a scenario run', () => {
  it('shows the steps above the dashboard as they go', async () => {
    const events = new EventBus();
    const ui = render(<App events={events} scenario={{ name: 'kill-leader', steps: ['fault kill on leader', 'wait for leader-elected'] }} onQuit={() => undefined} />);
    unmount = ui.unmount;
    expect(ui.lastFrame()).toMatch(/scenario kill-leader 0 s\n\s+1\. fault kill on leader\n\s+2\. wait for leader-elected/);
    events.emit({ type: 'step.started', scenario: 'kill-leader', index: 0, name: 'fault kill on leader' });
    events.emit({ type: 'step.finished', scenario: 'kill-leader', index: 0, name: 'fault kill on leader', state: 'passed', message: 'killed member1' });
    events.emit({ type: 'step.started', scenario: 'kill-leader', index: 1, name: 'wait for leader-elected' });
    await vi.waitFor(() => expect(ui.lastFrame()).toMatch(/✔ 1\. fault kill on leader — killed member1\n. 2\. wait for leader-elected \(0 s\)/));
    events.emit({ type: 'scenario.finished', scenario: 'kill-leader', passed: true, durationMs: 4200, rtoMs: undefined, rpoWrites: undefined });
    await vi.waitFor(() => expect(ui.lastFrame()).toContain('scenario kill-leader 4 s ✔ PASSED'));
  });
});
