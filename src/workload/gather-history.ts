import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { MEMBER_GONE, MEMBER_STOPPED, type Cluster, type MemberStatus } from '../topology/cluster.js';
import { memberIdHex } from '../topology/client.js';
import { waitFor } from '../wait.js';
import { emptyHistory, type BackupFacts, type History, type MemberSnapshot, type RestoreFacts } from './history.js';
import type { Workload } from './workload.js';

/**
 * Each member's own account, for the converged check: its revision, the hash of its key space at a
 * revision all members have reached, its member list and its leader. Etcd promises agreement once
 * the members have had the election bound to settle, so it waits (twice the leader-election time)
 * for them to follow one leader at one revision — unless they cannot come to agree, which
 * `settledApart` tells — and the snapshots then say who lags or follows another.
 */
export async function memberSnapshots(cluster: Cluster): Promise<MemberSnapshot[]> {
  let statuses: MemberStatus[] = [];
  const apart = settledApart(cluster.spec.etcd.electionTimeoutMs);
  await waitFor(
    async () => {
      statuses = await cluster.status();
      const revisions = new Set(statuses.map((s) => s.revision));
      const leaders = new Set(statuses.map((s) => s.leaderId));
      const agree = statuses.every((s) => s.healthy) && revisions.size === 1 && leaders.size === 1;
      return agree || apart(statuses) ? true : undefined;
    },
    { timeoutMs: 2 * cluster.timeouts.leaderElectionMs, intervalMs: cluster.timeouts.pollMs, description: 'every member to reach the same revision' },
  ).catch(() => undefined);
  const common = Math.min(...statuses.map((s) => s.revision ?? Number.POSITIVE_INFINITY));
  return Promise.all(
    statuses.map(async (status): Promise<MemberSnapshot> => {
      const client = cluster.client({ hosts: [status.endpoint], faultHandling: 'none' });
      try {
        // The etcd3 client's protocol files lack HashKV: ask etcdctl, as an operator would.
        const [hashKV, list] = await Promise.all([
          Number.isFinite(common) ? cluster.hashKV(status.name, common) : Promise.reject(new Error('no revision')),
          client.cluster.memberList({ linearizable: false }),
        ]);
        return {
          name: status.name,
          reachable: true,
          revision: status.revision,
          hashKV,
          memberIds: list.members.map((m) => memberIdHex(m.ID)).sort(),
          leaderId: status.leaderId,
        };
      } catch {
        return { name: status.name, reachable: false, revision: status.revision, hashKV: undefined, memberIds: undefined, leaderId: status.leaderId };
      } finally {
        client.close();
      }
    }),
  );
}

/**
 * Whether members that do not agree never will, so that waiting out the bound would only cost
 * time: one whose container is gone or stopped (nothing restarts it), members of different clusters
 * (a restore one of them missed), or members that have followed one leader at one raft index with
 * unchanged revisions for an election timeout while their revisions differ — they applied the same
 * log to different stores (a member started empty beside restored ones), and etcd never repairs that.
 */
export function settledApart(electionTimeoutMs: number, now: () => number = Date.now): (statuses: MemberStatus[]) => boolean {
  let seen: { state: string; since: number } | undefined;
  return (statuses) => {
    if (statuses.some((s) => s.error === MEMBER_GONE || s.error === MEMBER_STOPPED)) return true;
    if (new Set(statuses.map((s) => s.clusterId).filter((id) => id !== undefined)).size > 1) return true;
    const sameLog = statuses.every((s) => s.healthy) && new Set(statuses.map((s) => s.leaderId)).size === 1 && new Set(statuses.map((s) => s.raftIndex)).size === 1;
    if (!sameLog || new Set(statuses.map((s) => s.revision)).size === 1) {
      seen = undefined;
      return false;
    }
    const state = statuses.map((s) => `${s.name}@${s.revision}/${s.raftIndex}`).join(' ');
    if (seen?.state !== state) seen = { state, since: now() };
    return now() - seen.since >= electionTimeoutMs;
  };
}

/** What the run's runbooks left: the restores they did, and the encrypted backups they wrote (file and revision). */
export interface RunRecords {
  restores?: RestoreFacts[];
  backups?: { path: string; revision: number }[];
}

const BACKUP_HEAD_BYTES = 64;

/** A backup as it lies on disk now: its size and first bytes, whatever the step that wrote it believed. */
async function readBackupFacts(backup: { path: string; revision: number }): Promise<BackupFacts> {
  const file = await open(backup.path, 'r');
  try {
    const head = Buffer.alloc(BACKUP_HEAD_BYTES);
    const { bytesRead } = await file.read(head, 0, BACKUP_HEAD_BYTES, 0);
    return { file: basename(backup.path), revision: backup.revision, sizeBytes: (await file.stat()).size, head: head.subarray(0, bytesRead).toString('base64') };
  } finally {
    await file.close();
  }
}

/**
 * Everything the checks judge, as it stands now: the workload's record, the restores, and — read
 * now — every object the workload writes and each member's own account. At a run's end the
 * workload is stopped first, so the read comes after every operation.
 */
export async function gatherHistory(cluster: Cluster, workload: Workload | undefined, records: RunRecords = {}): Promise<History> {
  const [final, members, backups] = await Promise.all([workload?.readObjects().catch(() => undefined), memberSnapshots(cluster), Promise.all((records.backups ?? []).map(readBackupFacts))]);
  return {
    ...emptyHistory(2 * cluster.spec.etcd.electionTimeoutMs),
    ...workload?.history,
    restores: (records.restores ?? []).map(({ startedAt, endedAt, snapshotRevision, restoredValues, members, clusterIdBefore, clusterIdAfter }) => ({ startedAt, endedAt, snapshotRevision, restoredValues, members, clusterIdBefore, clusterIdAfter })),
    backups,
    final,
    members,
    expectedMembers: cluster.members.map((m) => m.name),
  };
}
