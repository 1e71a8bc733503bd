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

/**
 * Replays on this cluster's event stream the faults other processes inject and heal, by polling
 * the ledger: `etcd-drill watch` shows a fault injected from another terminal.
 */
export function followLedger(cluster: Cluster, intervalMs = 500): { stop: () => void } {
  let known = new Map<string, FaultRecord>();
  let first = true;
  const timer = setInterval(() => {
    void readLedger(cluster).then((records) => {
      const now = new Map(records.map((r) => [r.id, r]));
      if (!first) {
        for (const [id, r] of now) {
          if (!known.has(id)) {
            cluster.eventBus.emit({ type: 'fault.injected', cluster: cluster.name, id, kind: r.kind, target: r.target, members: r.members, takesMembersDown: r.takesMembersDown, effect: r.effect });
          }
        }
        for (const [id, r] of known) {
          if (!now.has(id)) cluster.eventBus.emit({ type: 'fault.healed', cluster: cluster.name, id, kind: r.kind, members: r.members, note: undefined, healStartedAt: undefined });
        }
      }
      first = false;
      known = now;
    }, () => undefined);
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
