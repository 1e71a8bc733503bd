import { z } from 'zod';
import { DrillError } from '../../errors.js';
import { cureNospace, LOAD_PREFIX } from '../../faults/starvation.js';
import { startCluster } from '../../topology/cluster.js';
import { restoreMembers, snapshotBytes } from './restore.js';
import { defineRunbook, latestArtifact } from './runbook.js';

export const nospaceRecovery = defineRunbook({
  name: 'nospace-recovery',
  summary: 'delete the junk, compact, defragment each member, `alarm disarm`',
  options: z.object({ junkPrefix: z.string().default(`${LOAD_PREFIX}nospace/`) }).strict(),
  run: async (ctx, { junkPrefix }) => {
    await cureNospace(ctx.cluster, junkPrefix);
    const { stdout } = await ctx.cluster.etcdctl(['alarm', 'list']);
    if (stdout.trim()) throw new DrillError(`alarms still raised after the cure: ${stdout.trim()}`, { hint: 'more data than the quota is live: raise --quota-backend-bytes' });
    return { summary: 'alarm cleared; writes accepted again' };
  },
});

/**
 * A backup counts only once it has been restored: restore the latest one into a throwaway
 * single-member cluster and compare every key with the source as it was at the snapshot's revision.
 */
export const verifyBackup = defineRunbook({
  name: 'verify-backup',
  summary: 'restore the latest backup into a throwaway cluster and compare its contents with the source at that revision',
  options: z.object({ prefix: z.string().default('/registry/') }).strict(),
  run: async (ctx, { prefix }) => {
    const artifact = latestArtifact(ctx);
    if (!artifact) throw new DrillError('no snapshot or backup to verify', { hint: 'add an encrypted-backup step first' });
    const bytes = await snapshotBytes(artifact);
    const expected = await ctx.cluster.client().getAll().prefix(prefix).revision(String(artifact.revision)).strings();
    const throwaway = await startCluster(
      { name: `${ctx.cluster.name.slice(0, 22)}-verify`, topology: 'single', tls: ctx.cluster.spec.tls, etcd: ctx.cluster.spec.etcd },
      { events: ctx.events, image: ctx.cluster.image.ref },
    );
    try {
      await (await restoreMembers(throwaway, bytes, { skipHashCheck: artifact.kind === 'volume-snapshot', attempt: 1 })).everyMember;
      await throwaway.waitForLeader(throwaway.timeouts.bootMs);
      const restored = await throwaway.client().getAll().prefix(prefix).strings();
      const missing = Object.keys(expected).filter((k) => restored[k] !== expected[k]);
      const extra = Object.keys(restored).filter((k) => !(k in expected));
      if (missing.length || extra.length) {
        throw new DrillError(
          `the restored backup differs from the source at revision ${artifact.revision}: ${missing.length} keys missing or different (first: ${missing[0] ?? '-'}), ${extra.length} extra`,
          { hint: 'the backup cannot be trusted' },
        );
      }
      return { summary: `restored ${Object.keys(restored).length} keys under ${prefix} from revision ${artifact.revision}: identical to the source`, metrics: { verifiedKeys: Object.keys(restored).length } };
    } finally {
      await throwaway.stop();
    }
  },
});
