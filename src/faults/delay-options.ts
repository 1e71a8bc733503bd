import { z } from 'zod';
import { InvalidInputError } from '../errors.js';

/** A delay with a jitter around it, as the latency and slow-disk faults take it: `ms` ± `jitterMs`. */
export function delayOptions(defaultMs: number) {
  return z.object({ ms: z.number().int().positive().max(10_000).default(defaultMs), jitterMs: z.number().int().min(0).default(0) }).strict();
}

/** A jitter larger than its delay would ask for negative delays. */
export function refuseJitterOverDelay({ ms, jitterMs }: { ms: number; jitterMs: number }, what: string): void {
  if (jitterMs > ms) throw new InvalidInputError(`jitter (${jitterMs} ms) cannot exceed the ${what} (${ms} ms)`, { hint: 'lower --jitter-ms' });
}
