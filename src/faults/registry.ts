import { InvalidInputError } from '../errors.js';
import type { AnyFault } from './fault.js';
import { corrupt } from './corrupt.js';
import { diskFailure, slowDisk } from './disk.js';
import { destroy, kill, pause, restart, stop } from './member-loss.js';
import { isolate, latency, loss, partition } from './network.js';
import { quorumLoss } from './quorum-loss.js';
import { cpu, diskIo, memory, nospace } from './starvation.js';

/** Every fault by kind: the one list the CLI, scenario files, the UI and property tests look up. */
export const FAULTS: ReadonlyMap<string, AnyFault> = new Map(
  [kill, stop, pause, restart, destroy, cpu, memory, nospace, diskIo, slowDisk, diskFailure, corrupt, isolate, partition, loss, latency, quorumLoss].map((f) => [f.kind, f]),
);

export function lookupFault(kind: string): AnyFault {
  const fault = FAULTS.get(kind);
  if (!fault) throw new InvalidInputError(`unknown fault '${kind}'`, { hint: `known faults: ${[...FAULTS.keys()].join(', ')}` });
  return fault;
}
