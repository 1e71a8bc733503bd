import { ConditionTimeoutError, ConditionViolatedError } from './errors.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Says what was awaited, for the timeout error: "member1 to report a leader". */
  description: string;
  hint?: string;
  signal?: AbortSignal | undefined;
}

/**
 * Thrown by a probe that learned waiting cannot help: ends the wait at once with `reason` itself
 * (any other error a probe throws counts as "not yet" and is retried until the deadline).
 */
export class WaitEnded extends ConditionViolatedError {
  constructor(readonly reason: Error) {
    super(reason.message);
  }
}

/**
 * Polls `probe` until it returns a value other than undefined, or throws a ConditionTimeoutError
 * naming the condition and the last error seen. A probe that knows the condition can never hold
 * throws ConditionViolatedError, which ends the wait at once (WaitEnded: with the error it carries).
 * The only way etcd-drill waits: no fixed sleeps.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      // An abort ends the wait at once, not after the probe's own timeout: whoever aborted is
      // about to clean up, and must not find the wait still going.
      const value = await untilAborted(probe(), options.signal);
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof WaitEnded) throw err.reason;
      if (err instanceof ConditionViolatedError || options.signal?.aborted) throw err;
      lastError = err;
    }
    if (Date.now() + options.intervalMs > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message.split('\n')[0]})` : '';
      throw new ConditionTimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${options.description}${why}`, {
        ...(options.hint ? { hint: options.hint } : {}),
        cause: lastError,
      });
    }
    await delay(options.intervalMs, options.signal);
  }
}

/** `work`, or the abort's reason as soon as `signal` aborts (the work goes on unheeded). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  work.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Rejects with a ConditionTimeoutError if `work` takes longer than `timeoutMs`. */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number, description: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ConditionTimeoutError(`${description} gave no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
