import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * The real UI in a real terminal: test/tui/demo-ui.tsx (the App on a made-up drill, no Docker) run
 * inside tmux, and what tmux shows read back with capture-pane. A server of its own, on a socket in
 * a directory of its own (-S), so the test never touches another tmux and leaves nothing behind.
 */
const repo = join(import.meta.dirname, '..', '..');
const socketDir = mkdtempSync(join(tmpdir(), 'etcd-drill-tmux-'));
const socket = join(socketDir, 'socket');
const session = 'ui';

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
}

/** The pane as shown, and as tmux would join it: a line the terminal wrapped makes the two differ. */
function screen() {
  const lines = tmux('capture-pane', '-p', '-t', session).replace(/\n+$/, '').split('\n');
  const joined = tmux('capture-pane', '-p', '-J', '-t', session).replace(/\n+$/, '').split('\n');
  const history = tmux('capture-pane', '-p', '-S', '-', '-t', session);
  return { lines, joined, history };
}

/**
 * Waits until the UI has drawn itself at this size, holding it to what the issue asked: right after a
 * resize tmux still shows the old frame reflowed to the new width, until the UI redraws.
 */
async function fitsAt(columns: number, rows: number): Promise<string[]> {
  let shown: string[] = [];
  await vi.waitFor(
    () => {
      const { lines, joined, history } = screen();
      // A frame drawn for this size is a line short of it and ends with the help bar.
      expect(lines).toHaveLength(rows - 1);
      expect(lines.at(-1)).toContain('q quit');
      expect(joined, 'a line wrapped').toEqual(lines);
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(columns);
      expect(lines.filter((line) => line.includes('etcd-drill · cluster drill'))).toHaveLength(1);
      // Not in the scrollback either: no frame left a copy of itself behind.
      expect(history.split('etcd-drill · cluster drill')).toHaveLength(2);
      // The members table whole: its header on one line, and a member's faults in their column.
      expect(lines.find((line) => line.includes('NAME'))).toMatch(/NAME\s+ROLE\s+HEALTH\s+.*FAULTS$/);
      expect(lines.some((line) => /member3 .*cpu, latency/.test(line))).toBe(true);
      expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d /);
      shown = lines;
    },
    { timeout: 20_000, interval: 200 },
  );
  return shown;
}

describe('the UI in a real terminal (tmux)', () => {
  beforeAll(() => {
    if (!existsSync('/usr/bin/tmux') && !process.env.PATH?.split(':').some((dir) => existsSync(join(dir, 'tmux')))) {
      throw new Error('tmux is not installed: run scripts/setup.sh (it installs tmux from Debian) and run the tests again');
    }
  });
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // Never started, or already gone.
    }
    rmSync(socketDir, { recursive: true, force: true });
  });

  it('draws one frame that fits at 80×24, 100×30 and 160×50, and after resize-window', { timeout: 120_000 }, async () => {
    const tsx = join(repo, 'node_modules', '.bin', 'tsx');
    // Ink draws frames only outside CI, and CI=true is how CI runs the tests.
    tmux('new-session', '-d', '-x', '80', '-y', '24', '-s', session, `cd '${repo}' && exec env -u CI -u CONTINUOUS_INTEGRATION '${tsx}' test/tui/demo-ui.tsx`);
    const narrow = await fitsAt(80, 24);
    // At 80 columns MEMORY gives way; the rest of the table stays whole.
    expect(narrow.find((line) => line.includes('NAME'))).not.toContain('MEMORY');
    for (const [columns, rows] of [
      [100, 30],
      [160, 50],
      [80, 24],
      [60, 16],
      [160, 50],
    ] as const) {
      tmux('resize-window', '-t', session, '-x', String(columns), '-y', String(rows));
      const lines = await fitsAt(columns, rows);
      if (columns === 160) expect(lines.find((line) => line.includes('NAME'))).toContain('MEMORY');
    }
    // q quits: the demo ends, and its session with it.
    tmux('send-keys', '-t', session, 'q');
    await vi.waitFor(() => expect(() => tmux('has-session', '-t', session)).toThrow(), { timeout: 10_000 });
  });
});
