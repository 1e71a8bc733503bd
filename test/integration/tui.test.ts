import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/wait.js';
import { expectClusterGone } from './helpers.js';

const run = promisify(execFile);

/** A tmux server of the test's own, so it inherits this run's environment (the state folder). */
const socket = `etcd-drill-test-${process.pid}`;
const session = 'ui';
const cluster = 'it-ui';
const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);

async function screen(): Promise<string> {
  const { stdout } = await tmux('capture-pane', '-p', '-t', session);
  return stdout;
}

/** The UI's exit status once it has exited (the pane stays, so its last words can be read), else undefined. */
async function exitStatus(): Promise<number | undefined> {
  const { stdout } = await tmux('display-message', '-p', '-t', session, '#{pane_dead} #{pane_dead_status}');
  const [dead, status] = stdout.trim().split(' ');
  return dead === '1' ? Number(status) : undefined;
}

/** Waits until the visible screen matches every pattern; on timeout, the error shows the screen. */
async function screenShows(patterns: RegExp[], timeoutMs: number): Promise<string> {
  let last = '';
  try {
    return await waitFor(
      async () => {
        last = await screen();
        return patterns.every((p) => p.test(last)) ? last : undefined;
      },
      { timeoutMs, intervalMs: 250, description: `the screen to show ${patterns.join(' and ')}` },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- screen ---\n${last}`);
  }
}

const press = (key: string) => tmux('send-keys', '-t', session, key);

describe('the terminal UI, driven through tmux as a trainer at the keyboard', () => {
  afterAll(async () => {
    await tmux('kill-server').catch(() => undefined);
  });

  it('kills the leader, loses quorum after confirming, heals, and leaves nothing behind on q', async () => {
    await tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50', `${process.execPath} --import tsx src/cli/entry.ts ui --name ${cluster} --seed 7`);
    await tmux('set-option', '-t', session, 'remain-on-exit', 'on');
    // Boot, then the first samples: all five up, API servers writing.
    await screenShows([/5\/5 up — can lose 2 more/, /it-ui/], 120_000);

    await press('k');
    const afterKill = await screenShows([/election took \d+\.\d+ s/, /4\/5 up — can lose 1 more/], 30_000);
    expect(afterKill).toMatch(/leads|leader is now/);

    await press('l');
    await screenShows([/this loses quorum: writes will stop until 3 members are back/], 10_000);
    await press('y');
    const lost = await screenShows([/QUORUM LOST: writes stop, serializable reads still answer/, /availability .* 0%/], 60_000);
    expect(lost).toMatch(/[0-2]\/5 up/);

    await press('h');
    await screenShows([/5\/5 up — can lose 2 more/, /availability .* 100%/, /leads \(term \d+\), election took/], 90_000);

    await press('q');
    const status = await waitFor(exitStatus, { timeoutMs: 60_000, intervalMs: 250, description: 'the UI to heal, remove its cluster and exit' });
    expect(status, await screen()).toBe(0);
    expect(await screen()).toMatch(/removed cluster 'it-ui'/);
    await expectClusterGone(cluster);
  });
});
