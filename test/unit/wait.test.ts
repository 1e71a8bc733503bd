import { describe, expect, it } from 'vitest';
import { CommandFailedError, ConditionTimeoutError, ConditionViolatedError } from '../../src/errors.js';
import { WaitEnded, waitFor, withTimeout } from '../../src/wait.js';

const fast = { timeoutMs: 1000, intervalMs: 5, description: 'the test condition' };

describe('waitFor', () => {
  it('returns the first value the probe gives that is not undefined', async () => {
    let calls = 0;
    const value = await waitFor(async () => {
      calls += 1;
      return calls >= 3 ? `ready after ${calls}` : undefined;
    }, fast);
    expect(value).toBe('ready after 3');
    expect(calls).toBe(3);
  });

  it('returns falsy values other than undefined at once', async () => {
    expect(await waitFor(async () => 0, fast)).toBe(0);
    expect(await waitFor(async () => false, fast)).toBe(false);
    expect(await waitFor(async () => null, fast)).toBeNull();
    expect(await waitFor(async () => '', fast)).toBe('');
  });

  it('keeps polling through probe errors until a value comes', async () => {
    let calls = 0;
    const value = await waitFor(async () => {
      calls += 1;
      if (calls < 3) throw new Error('not yet');
      return 'ok';
    }, fast);
    expect(value).toBe('ok');
  });

  it('ends at once when the probe says the condition can never hold', async () => {
    let calls = 0;
    const violation = new ConditionViolatedError('put acknowledged although quorum is lost');
    const err = await waitFor(
      async () => {
        calls += 1;
        throw violation;
      },
      { timeoutMs: 10_000, intervalMs: 5, description: 'a refused put' },
    ).catch((e: unknown) => e);
    expect(err).toBe(violation);
    expect(calls).toBe(1);
  });

  it('ends at once with the very error a probe hands over when waiting cannot help', async () => {
    let calls = 0;
    const refusal = new CommandFailedError('etcdctl member add member4', 1, 'etcdserver: permission denied');
    const err = await waitFor(
      async () => {
        calls += 1;
        throw new WaitEnded(refusal);
      },
      { timeoutMs: 10_000, intervalMs: 5, description: 'etcd to accept a member add' },
    ).catch((e: unknown) => e);
    expect(err).toBe(refusal);
    expect(calls).toBe(1);
  });

  it('times out with a ConditionTimeoutError naming the condition and the last error', async () => {
    let calls = 0;
    const err = await waitFor(
      async () => {
        calls += 1;
        throw new Error(`connection refused #${calls}\nstack-like detail`);
      },
      { timeoutMs: 60, intervalMs: 10, description: 'member1 to report a leader', hint: 'look at the logs' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionTimeoutError);
    const message = (err as ConditionTimeoutError).message;
    expect(message).toContain('member1 to report a leader');
    expect(message).toContain(`connection refused #${calls}`);
    expect(message).not.toContain('stack-like detail');
    expect((err as ConditionTimeoutError).hint).toBe('look at the logs');
    expect((err as ConditionTimeoutError).cause).toBeInstanceOf(Error);
  });

  it('times out without mentioning an error when the probe only ever returned undefined', async () => {
    const started = Date.now();
    const err = await waitFor(async () => undefined, { timeoutMs: 50, intervalMs: 10, description: 'nothing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionTimeoutError);
    expect((err as Error).message).toContain('nothing');
    expect((err as Error).message).not.toContain('last error');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops with the abort reason when the signal is aborted while it waits', async () => {
    const controller = new AbortController();
    const reason = new Error('user pressed ctrl-c');
    setTimeout(() => controller.abort(reason), 30);
    const started = Date.now();
    const err = await waitFor(async () => undefined, { timeoutMs: 10_000, intervalMs: 5, description: 'never', signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops during a long interval instead of sleeping it out', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    const started = Date.now();
    await expect(waitFor(async () => undefined, { timeoutMs: 60_000, intervalMs: 30_000, description: 'never', signal: controller.signal })).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('ends at the abort even while a probe hangs, without waiting for the probe', async () => {
    const controller = new AbortController();
    const reason = new Error('interrupted');
    setTimeout(() => controller.abort(reason), 20);
    const started = Date.now();
    const hanging = () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000));
    await expect(waitFor(hanging, { ...fast, timeoutMs: 10_000, signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('does not probe at all when the signal is already aborted', async () => {
    let calls = 0;
    const err = await waitFor(
      async () => {
        calls += 1;
        return 'value';
      },
      { ...fast, signal: AbortSignal.abort(new Error('already')) },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe('already');
    expect(calls).toBe(0);
  });
});

describe('withTimeout', () => {
  it('returns the value of work that finishes in time', async () => {
    await expect(withTimeout(Promise.resolve(42), 1000, 'quick work')).resolves.toBe(42);
  });

  it('passes on the error of work that fails in time', async () => {
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, 'failing work')).rejects.toThrow('boom');
  });

  it('rejects with a ConditionTimeoutError naming the work when it takes too long', async () => {
    const never = new Promise<never>(() => {});
    const err = await withTimeout(never, 20, 'status of member1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionTimeoutError);
    expect((err as Error).message).toContain('status of member1');
    expect((err as Error).message).toContain('20 ms');
  });
});
