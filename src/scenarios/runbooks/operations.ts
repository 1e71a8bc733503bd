import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { DrillError } from '../../errors.js';
import { cureNospace, LOAD_PREFIX } from '../../faults/starvation.js';
import { startCluster } from '../../topology/cluster.js';
import { ETCDCTL_EXPORTS, operatorEnvironment } from '../../topology/operator-env.js';
import { restoreMembers, snapshotBytes } from './restore.js';
import { defineRunbook, latestArtifact } from './runbook.js';

const run = promisify(execFile);

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
      await restoreMembers(throwaway, bytes, { skipHashCheck: artifact.kind === 'volume-snapshot', attempt: 1 });
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

/**
 * A team's own runbook script as a step, with the cluster in its environment as `etcd-drill env`
 * gives a shell: the seed's `$ENDPOINT` and `$ENDPOINTS`, `$CACERT` / `$CERT` / `$KEY`, and
 * etcdctl's own variables as `etcdctl` says (by default not ETCDCTL_ENDPOINTS, which would make the
 * seed's `etcdctl --endpoints $ENDPOINT …` exit).
 */
export const exec = defineRunbook({
  name: 'exec',
  summary: 'run your own script with $ENDPOINT, $ENDPOINTS, $CACERT/$CERT/$KEY and ETCDCTL_* set; a non-zero exit fails the step',
  options: z
    .object({
      script: z.string().min(1),
      args: z.array(z.string()).default([]),
      timeoutMs: z.number().int().positive().default(120_000),
      etcdctl: z.enum(ETCDCTL_EXPORTS).default('certs'),
    })
    .strict(),
  run: async (ctx, { script, args, timeoutMs, etcdctl }) => {
    const given = await operatorEnvironment(ctx.cluster, etcdctl);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of Object.entries(given)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    const started = Date.now();
    try {
      const { stdout, stderr } = await run(script, args, { env, timeout: timeoutMs });
      ctx.events.emit({ type: 'command.ran', cluster: ctx.cluster.name, member: 'host', command: [script, ...args].join(' '), exitCode: 0, output: (stdout + stderr).slice(0, 4000), durationMs: Date.now() - started });
      return { summary: `${script} succeeded` };
    } catch (err) {
      const failed = err as { code?: number | string; stdout?: string; stderr?: string };
      const output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
      ctx.events.emit({ type: 'command.ran', cluster: ctx.cluster.name, member: 'host', command: [script, ...args].join(' '), exitCode: typeof failed.code === 'number' ? failed.code : 1, output: output.slice(0, 4000), durationMs: Date.now() - started });
      throw new DrillError(`${script} failed (${failed.code ?? 'error'}): ${output.trim().split('\n').pop() ?? ''}`, { hint: 'its whole output is in the timeline' });
    }
  },
});
