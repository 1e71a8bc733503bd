import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cluster } from '../topology/cluster.js';
import type { FaultRecord } from './fault.js';

/**
 * The faults in force on a cluster, kept in its state folder, so `heal --all` from another
 * process (or after the injecting process died) can undo them.
 */
const FILE = 'faults.json';

export async function readLedger(cluster: Cluster): Promise<FaultRecord[]> {
  try {
    return JSON.parse(await readFile(join(cluster.stateDir, FILE), 'utf8')) as FaultRecord[];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function writeLedger(cluster: Cluster, records: FaultRecord[]): Promise<void> {
  await writeFile(join(cluster.stateDir, FILE), `${JSON.stringify(records, null, 2)}\n`, { mode: 0o600 });
}

// One process may inject and heal concurrently (a scenario, the UI): serialise read-modify-write.
let queue: Promise<unknown> = Promise.resolve();
function serialised<T>(work: () => Promise<T>): Promise<T> {
  const next = queue.then(work, work);
  queue = next.catch(() => undefined);
  return next;
}

export function addToLedger(cluster: Cluster, record: FaultRecord): Promise<void> {
  return serialised(async () => writeLedger(cluster, [...(await readLedger(cluster)), record]));
}

export function removeFromLedger(cluster: Cluster, id: string): Promise<void> {
  return serialised(async () => writeLedger(cluster, (await readLedger(cluster)).filter((r) => r.id !== id)));
}
