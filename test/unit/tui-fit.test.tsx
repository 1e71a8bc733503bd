import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../src/events.js';
import { App } from '../../src/tui/app.js';
import { tableColumns } from '../../src/tui/members-table.js';
import { packLines, planFrame, windowAround } from '../../src/tui/layout.js';
import { drillEvents, drillMembers, emitAll, idleControl } from '../support/drill-session.js';
import { cellsOf, renderSized, visibleLines } from '../support/sized-render.js';

let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

/** The UI as `etcd-drill ui` draws it, after a few minutes of a busy drill, on a terminal of the given size. */
async function busyDashboard(columns: number, rows: number) {
  const events = new EventBus();
  const ui = renderSized(<App events={events} control={idleControl()} cluster="drill" onQuit={() => undefined} />, columns, rows);
  unmount = ui.unmount;
  emitAll(events, drillEvents(120));
  await vi.waitFor(() => expect(ui.frame()).toContain('tick 119:'));
  return { ...ui, events };
}

/** Every line within the width, the whole frame a line short of the height, the header once. */
function expectFits(frame: string, columns: number, rows: number) {
  const lines = visibleLines(frame);
  for (const line of lines) expect(cellsOf(line), `a line wider than ${columns} columns: "${line}"`).toBeLessThanOrEqual(columns);
  expect(lines.length).toBeLessThanOrEqual(rows - 1);
  expect(frame.split('etcd-drill · cluster drill')).toHaveLength(2);
}

const headerRow = (frame: string) => visibleLines(frame).find((line) => line.includes('NAME')) ?? '';

describe('the dashboard fits the terminal it is given', () => {
  for (const [columns, rows] of [
    [80, 24],
    [100, 30],
    [160, 50],
  ] as const) {
    it(`at ${columns}×${rows}: no line wider than the terminal, no frame taller, the event log in the lines left`, async () => {
      const { frame } = await busyDashboard(columns, rows);
      expectFits(frame(), columns, rows);
      // The frame is full: the event log took what the rest left, newest line last.
      expect(visibleLines(frame())).toHaveLength(rows - 1);
      const lines = visibleLines(frame());
      const log = lines.slice(0, lines.findIndex((line) => line.startsWith('etcd-drill'))).filter((line) => /^\d\d:\d\d:\d\d /.test(line));
      expect(log.at(-1)).toContain('tick 119:');
      expect(log.length).toBeGreaterThanOrEqual(3);
      // Every column shown is whole: a header never broken across two lines.
      // etcd's own signals where the width allows them: FSYNC p99 from 100 columns, COMMIT p99 and LDR CHG wider still.
      expect(headerRow(frame())).toMatch(/NAME\s+ROLE\s+HEALTH\s+TERM\s+INDEX\s+DB SIZE\s+(FSYNC p99\s+(COMMIT p99\s+LDR CHG\s+)?)?CPU\s+/);
      expect(frame()).toMatch(/member3 +follower +healthy .*cpu, latency/);
      expect(frame()).not.toMatch(/\n\s*(LTS|ULTS|AULTS)\b/);
    });
  }

  it('gives up MEMORY first at 80 columns, and keeps FAULTS', async () => {
    const { frame } = await busyDashboard(80, 24);
    expect(headerRow(frame())).not.toContain('MEMORY');
    expect(headerRow(frame())).toContain('FAULTS');
    const wide = await busyDashboard(160, 50);
    expect(headerRow(wide.frame())).toContain('MEMORY');
  });

  it('follows the terminal when it is resized, smaller and larger', async () => {
    const { frame, resize } = await busyDashboard(160, 50);
    for (const [columns, rows] of [
      [80, 24],
      [60, 16],
      [100, 30],
      [160, 50],
    ] as const) {
      resize(columns, rows);
      await vi.waitFor(() => expect(visibleLines(frame())).toHaveLength(rows - 1));
      expectFits(frame(), columns, rows);
    }
  });

  it('fits with the help and a confirmation open', async () => {
    const { frame, stdin } = await busyDashboard(80, 24);
    await vi.waitFor(() => expect(stdin.listenerCount('readable')).toBeGreaterThan(0));
    stdin.write('R');
    await vi.waitFor(() => expect(frame()).toContain('press y to confirm'));
    // The warning is read in full, broken between words inside the prompt's border.
    expect(frame().replace(/[│\s]+/g, ' ')).toContain("restore last snapshot: this replaces every member's data with the snapshot at revision 4821 (taken 12:01:02): writes since then are lost");
    expectFits(frame(), 80, 24);
    stdin.write('n');
    await vi.waitFor(() => expect(frame()).not.toContain('press y to confirm'));
    stdin.write('?');
    // Too tall to sit beside the dashboard at 80×24: the help takes the screen until ? again.
    await vi.waitFor(() => expect(frame()).toContain('show or hide this help'));
    expect(frame()).toContain('quit, healing and removing what this session started');
    expect(visibleLines(frame()).length).toBeLessThanOrEqual(23);
    for (const line of visibleLines(frame())) expect(cellsOf(line)).toBeLessThanOrEqual(80);
    stdin.write('?');
    await vi.waitFor(() => expectFits(frame(), 80, 24));
  });

  it('keeps a long scenario’s steps to a window around the one under way', async () => {
    const events = new EventBus();
    const steps = Array.from({ length: 30 }, (_, i) => `step number ${i + 1}`);
    const ui = renderSized(<App events={events} scenario={{ name: 'long', steps }} onQuit={() => undefined} />, 80, 24);
    unmount = ui.unmount;
    emitAll(events, drillEvents(5));
    for (let i = 0; i < 15; i += 1) {
      events.emit({ type: 'step.started', scenario: 'long', index: i, name: steps[i] as string });
      events.emit({ type: 'step.finished', scenario: 'long', index: i, name: steps[i] as string, state: 'passed', message: 'done' });
    }
    events.emit({ type: 'step.started', scenario: 'long', index: 15, name: 'step number 16' });
    await vi.waitFor(() => expect(ui.frame()).toContain('16. step number 16 ('));
    expect(ui.frame()).toMatch(/… \d+ earlier steps/);
    expect(ui.frame()).toMatch(/… \d+ more steps/);
    expectFits(ui.frame(), 80, 24);
  });
});

describe('the layout’s arithmetic', () => {
  it('drops the members table’s columns least useful first', () => {
    const keys = (width: number) => tableColumns(drillMembers(), width).map((c) => c.key);
    expect(keys(200)).toEqual(['marker', 'name', 'role', 'health', 'term', 'index', 'db', 'fsync', 'commit', 'elections', 'cpu', 'memory', 'faults']);
    expect(keys(100)).toEqual(['marker', 'name', 'role', 'health', 'term', 'index', 'db', 'fsync', 'cpu', 'memory', 'faults']);
    expect(keys(80)).toEqual(['marker', 'name', 'role', 'health', 'term', 'index', 'db', 'cpu', 'faults']);
    expect(keys(60)).toEqual(['marker', 'name', 'role', 'health', 'index', 'faults']);
    expect(keys(45)).toEqual(['marker', 'name', 'role', 'health', 'faults']);
    expect(keys(30)).toEqual(['marker', 'name', 'health']);
    for (const width of [30, 45, 60, 80, 100, 160]) expect(tableColumns(drillMembers(), width).reduce((sum, c) => sum + c.width, 0)).toBe(width);
  });

  it('packs items into lines, breaking only between them', () => {
    expect(packLines(['k kill leader', 'f kill follower', 'q quit'], 32, ' · ')).toEqual(['k kill leader · f kill follower', 'q quit']);
    expect(packLines(['a much longer item than fits'], 10, ' ')).toEqual(['a much longer item than fits']);
  });

  it('shares the lines left: steps, a little log, sparklines, leaders, then the log', () => {
    expect(planFrame({ height: 49, fixed: 12, steps: 0, leaderChanges: 12 })).toEqual({ steps: 0, sparklines: true, leaders: 5, log: 28 });
    expect(planFrame({ height: 23, fixed: 14, steps: 0, leaderChanges: 12 })).toEqual({ steps: 0, sparklines: true, leaders: 2, log: 3 });
    expect(planFrame({ height: 23, fixed: 20, steps: 0, leaderChanges: 12 })).toEqual({ steps: 0, sparklines: false, leaders: 0, log: 3 });
    expect(planFrame({ height: 23, fixed: 12, steps: 30, leaderChanges: 0 })).toEqual({ steps: 8, sparklines: false, leaders: 0, log: 3 });
  });

  it('windows a long list around its focus, saying what it left out', () => {
    expect(windowAround(5, 2, 10)).toEqual({ start: 0, end: 5, before: false, after: false });
    expect(windowAround(30, 0, 8)).toEqual({ start: 0, end: 7, before: false, after: true });
    expect(windowAround(30, 29, 8)).toEqual({ start: 23, end: 30, before: true, after: false });
    expect(windowAround(30, 15, 8)).toEqual({ start: 13, end: 19, before: true, after: true });
    expect(windowAround(30, 15, 2)).toEqual({ start: 14, end: 16, before: false, after: false });
  });
});
