import type { Cluster } from './cluster.js';

/**
 * How production finds a member whose data rotted, as one answer used by the corrupt fault and the
 * replace-member runbook: etcd's CORRUPT alarm (raised by the leader's periodic corruption check,
 * `--experimental-corrupt-check-time`), and `endpoint hashkv` compared across the serving members at
 * one revision, where the members whose hash differs from the majority's hold the rotten copy.
 */

/**
 * `etcdctl alarm list` prints `memberID:10276657743932975437 alarm:CORRUPT`, or only `alarm:CORRUPT`
 * when etcd raised it for member 0 (3.4's corruption check does): the member IDs (hex, as the handle
 * keeps them) of each CORRUPT alarm, '0' for the cluster as a whole.
 */
export function corruptAlarmIds(alarmList: string): string[] {
  return [...alarmList.matchAll(/(?:memberID:(\d+)\s+)?alarm:CORRUPT/g)].map((m) => BigInt(m[1] ?? 0).toString(16));
}

export async function corruptAlarms(cluster: Cluster): Promise<string[]> {
  const { stdout } = await cluster.etcdctl(['alarm', 'list']);
  return corruptAlarmIds(stdout);
}

export interface HashComparison {
  revision: number;
  /** Each serving member's hash of its key space at `revision`. */
  hashes: Record<string, number>;
  /** The members whose hash differs from the one most members share; empty when all agree or no hash has a majority. */
  odd: string[];
}

/** The members whose hash differs from the strict majority's; none when no hash has one (nothing can tell which copy is good). */
export function oddOnesOut(hashes: Record<string, number>): string[] {
  const counts = new Map<number, number>();
  for (const hash of Object.values(hashes)) counts.set(hash, (counts.get(hash) ?? 0) + 1);
  const total = Object.keys(hashes).length;
  const majority = [...counts.entries()].find(([, count]) => count > total / 2)?.[0];
  if (majority === undefined) return [];
  return Object.entries(hashes).filter(([, hash]) => hash !== majority).map(([name]) => name).sort();
}

/**
 * `endpoint hashkv` on every serving member at the lowest revision they all hold: undefined when
 * fewer than three serve (two copies that differ cannot say which one rotted).
 */
export async function compareHashes(cluster: Cluster): Promise<HashComparison | undefined> {
  const serving = (await cluster.status()).filter((s) => s.healthy && s.revision !== undefined);
  if (serving.length < 3) return undefined;
  const revision = Math.min(...serving.map((s) => s.revision as number));
  const hashes: Record<string, number> = {};
  await Promise.all(serving.map(async (s) => (hashes[s.name] = await cluster.hashKV(s.name, revision))));
  return { revision, hashes, odd: oddOnesOut(hashes) };
}
