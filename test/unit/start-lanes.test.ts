import { describe, expect, it, vi } from 'vitest';
import { startInLanes, type StartHooks } from '../../src/topology/member-container.js';

/** A start as the runtime makes it: the container exists, waits its turn, then its process runs. */
function fakeStart(log: string[]) {
  return async (i: number, hooks: StartHooks) => {
    await hooks.beforeStart();
    log.push(`start ${i}`);
    hooks.onProcessStarted(`c${i}`);
    return i;
  };
}

/** Lets every promise continuation already queued run (not a timed sleep: one turn of the event loop). */
const drained = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('startInLanes', () => {
  it('starts no process while one that started is not past its bootstrap check', async () => {
    const log: string[] = [];
    const release = new Map<string, () => void>();
    const settled = (id: string) =>
      new Promise<void>((resolve) => {
        release.set(id, () => {
          log.push(`settled ${id}`);
          resolve();
        });
      });
    const { starts } = startInLanes(3, fakeStart(log), settled);
    // The second lane's start was already under way when the first process ran; the third waits
    // for both to settle, which neither has: it cannot have started, whenever this is looked at.
    await vi.waitFor(() => expect(release.has('c1')).toBe(true));
    expect(log).toEqual(['start 0', 'start 1']);
    release.get('c0')!();
    await drained();
    // With the first settled and every continuation run, the third still waits for the second.
    expect(log).toEqual(['start 0', 'start 1', 'settled c0']);
    release.get('c1')!();
    expect(await Promise.all(starts)).toEqual([0, 1, 2]);
    expect(log).toEqual(['start 0', 'start 1', 'settled c0', 'settled c1', 'start 2']);
  });

  it('holds nobody up when a settle fails, and without `settled` only the lanes order the starts', async () => {
    const failing = startInLanes(3, fakeStart([]), () => Promise.reject(new Error('container gone')));
    expect(await Promise.all(failing.starts)).toEqual([0, 1, 2]);
    const log: string[] = [];
    expect(await Promise.all(startInLanes(4, fakeStart(log)).starts)).toEqual([0, 1, 2, 3]);
    expect(log).toHaveLength(4);
  });
});
