import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeCluster } from '../../src/topology/cluster.js';
import { waitFor } from '../../src/wait.js';
import { cli, expectClusterGone, runtime } from './helpers.js';

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

/** The UI's exit status once it has exited (the shell behind it says so and lingers, so its last words can be read), else undefined. */
async function exitStatus(): Promise<number | undefined> {
  const status = /ui exited with status (\d+)/.exec(await screen())?.[1];
  return status === undefined ? undefined : Number(status);
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
    // After a failure the UI may still run: Ctrl-C is its clean way out; removal by label is the last resort.
    const running = await exitStatus().then((status) => status === undefined, () => false);
    if (running) {
      await press('C-c');
      await waitFor(exitStatus, { timeoutMs: 60_000, intervalMs: 250, description: 'the UI to exit after Ctrl-C' }).catch(() => undefined);
    }
    await tmux('kill-server').catch(() => undefined);
    await removeCluster(runtime, cluster);
  });

  it('kills the leader, loses quorum after confirming, heals, and leaves nothing behind on q', async () => {
    // A trainer's terminal, not a CI job's: under CI the UI (like Ink) gives plain lines instead.
    await tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50', `env -u CI -u CONTINUOUS_INTEGRATION ${process.execPath} --import tsx src/cli/entry.ts ui --name ${cluster} --seed 7; echo "ui exited with status $?"; sleep 3600`);
    // Boot, then the first samples: all five up, API servers writing.
    await screenShows([/5\/5 up — can lose 2 more/, /it-ui/], 120_000);

    // One action at a time (a second is refused, not queued): each key waits for the last one's ✔.
    await press('k');
    const afterKill = await screenShows([/✔ kill leader/, /election took \d+\.\d+ s/, /4\/5 up — can lose 1 more/], 30_000);
    expect(afterKill).toMatch(/leads|leader is now/);

    await press('l');
    await screenShows([/this loses quorum: writes will stop until 3 members are back/], 10_000);
    await press('y');
    const lost = await screenShows([/✔ lose quorum/, /QUORUM LOST: writes stop, serializable reads still answer/, /availability .* 0%/], 60_000);
    expect(lost).toMatch(/[0-2]\/5 up/);

    await press('h');
    await screenShows([/✔ heal all/, /5\/5 up — can lose 2 more/, /availability .* 100%/], 90_000);

    await press('q');
    const status = await waitFor(exitStatus, { timeoutMs: 60_000, intervalMs: 250, description: 'the UI to heal, remove its cluster and exit' });
    expect(status, await screen()).toBe(0);
    expect(await screen()).toMatch(/removed cluster 'it-ui'/);
    await expectClusterGone(cluster);
  });

  it('without a terminal prints timestamped lines and takes actions from stdin, one a line, with a member name where the UI selects one', async () => {
    const result = await cli(['ui', '--name', 'it-ui-plain', '--members', '3'], { input: 'kill-follower\nheal-all\npause member9\nkill-leader member1\npause member2\nheal-all\nquit\n' });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} fault kill \(kill-[0-9a-f]{6}\) on member\d \[target follower\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} kill follower: kill on member\d/));
    // Each line waits for the action before it: heal-all is carried out, not refused as busy.
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} heal all: healed kill on member\d/));
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} pause member: FAILED: no member 'member9': the members are member1, member2, member3 /));
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} kill leader: FAILED: kill-leader takes no member: it picks its own /));
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} heal all: healed pause on member2/));
    await expectClusterGone('it-ui-plain');
  });
});
