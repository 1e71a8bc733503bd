import { spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DrillError } from '../../errors.js';
import { ETCDCTL_EXPORTS, operatorEnvironment } from '../../topology/operator-env.js';
import { serveVerbs, type ApiServerControl, type VerbRequest } from '../operator-verbs.js';
import { proveRestored } from './restore.js';
import { defineRunbook, latestArtifact, type RunbookContext, type SnapshotArtifact } from './runbook.js';

/** Where a step's script is: as given when absolute, else in the scenario file's folder (the working directory outside one). */
function scriptPath(script: string, baseDir: string | undefined): string {
  return isAbsolute(script) ? script : resolve(baseDir ?? process.cwd(), script);
}

/** Why the script cannot run: not there, or not executable. */
async function scriptProblems(path: string): Promise<string[]> {
  try {
    await access(path, constants.X_OK);
    return [];
  } catch {
    return [existsSync(path) ? `${path} is not executable: chmod +x it (and start it with #!)` : `no script at ${path}`];
  }
}

/** The exit code given to a script killed at its timeout. */
const TIMED_OUT = 124;

/** Runs the script with its output, stdout and stderr interleaved as a terminal shows them. */
function runScript(path: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new DrillError(`cannot run ${path}: ${err.message}`, { hint: 'the script must be executable (chmod +x) and start with #!' }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: timedOut ? TIMED_OUT : (code ?? 1), output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

/** What a script's procedure does, so the drill judges it as it judges its own runbook of that kind. */
const PROCEDURES = ['other', 'replace-member', 'restore'] as const;

/** The package's root: the CLI a script calls is this one. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * A folder holding an `etcd-drill` command for the script's PATH: the built CLI when there is one,
 * else the sources through tsx (a checkout that was never built).
 */
async function cliOnPath(workdir: string): Promise<string> {
  const dir = join(workdir, 'bin');
  const built = join(PACKAGE_ROOT, 'dist/cli/entry.js');
  const argv = existsSync(built) ? [process.execPath, built] : [process.execPath, '--import', import.meta.resolve('tsx'), join(PACKAGE_ROOT, 'src/cli/entry.ts')];
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'etcd-drill'), `#!/bin/sh\nexec ${argv.map((a) => `'${a}'`).join(' ')} "$@"\n`, { mode: 0o755 });
  return dir;
}

/** The snapshot a restore script restores, as the seed names it: `$SNAPSHOT` (or `$BACKUP` and `$AGE_IDENTITY`). */
function artifactEnvironment(artifact: SnapshotArtifact | undefined): Record<string, string> {
  if (!artifact) return {};
  if (artifact.kind !== 'encrypted-backup') return { SNAPSHOT: artifact.path };
  return { BACKUP: artifact.path, ...(artifact.identityPath ? { AGE_IDENTITY: artifact.identityPath } : {}) };
}

/**
 * A restore carried out by a script, seen from the verbs it uses: it starts with its first
 * `apiservers stop` or member verb, and ends when the API servers start again (or the script ends).
 */
class ScriptedRestore {
  startedAt: number | undefined;
  endedAt: number | undefined;
  restoredValues: Record<string, string> = {};

  constructor(private readonly ctx: RunbookContext) {}

  saw(request: VerbRequest, at: number): void {
    if (this.startedAt === undefined && ['apiservers-stop', 'member-stop', 'member-kill', 'member-start'].includes(request.verb)) this.startedAt = at;
  }

  /** The store as the restore left it, read before any API server writes again. */
  async end(): Promise<void> {
    if (this.endedAt !== undefined || this.startedAt === undefined) return;
    await this.ctx.cluster.waitForLeader(this.ctx.cluster.timeouts.bootMs);
    this.restoredValues = this.ctx.workload ? (await this.ctx.workload.readObjects()).values : {};
    this.endedAt = Date.now();
  }
}

/** The engine's API servers, as a script stops and starts them; a restore's end is read before they start. */
function apiServerControl(ctx: RunbookContext, restore: ScriptedRestore | undefined): ApiServerControl & { stopped: boolean } {
  return {
    stopped: false,
    async stop() {
      if (!ctx.workload) return 'this scenario runs no API servers';
      await ctx.workload.stop();
      this.stopped = true;
      return 'stopped the API servers';
    },
    async start() {
      if (!ctx.workload) return 'this scenario runs no API servers';
      if (!this.stopped) return 'the API servers are already running';
      await restore?.end();
      await ctx.workload.start();
      this.stopped = false;
      return `started the API servers on ${ctx.cluster.endpoints.join(',')}`;
    },
  };
}

/**
 * A team's own runbook script as a step, with the cluster in its environment as `etcd-drill env`
 * gives a shell: the seed's `$ENDPOINT` and `$ENDPOINTS`, `$CACERT` / `$CERT` / `$KEY`, and
 * etcdctl's own variables as `etcdctl` says (by default not ETCDCTL_ENDPOINTS, which would make the
 * seed's `etcdctl --endpoints $ENDPOINT …` exit). `etcd-drill member …` and `etcd-drill apiservers
 * stop|start` in the script act on this run's cluster and API servers. With `does: restore` or
 * `does: replace-member` the drill judges the script as it judges its own runbook: the record is
 * synced with etcd's member list, and a restore is proven (every member holds the snapshot, a new
 * cluster ID, no API server working while etcd was rebuilt).
 */
export const exec = defineRunbook({
  name: 'exec',
  summary: 'run your own script with $ENDPOINT, $ENDPOINTS, $CACERT/$CERT/$KEY, ETCDCTL_* and the member verbs; a non-zero exit fails the step; `does: restore|replace-member` judges it as one',
  options: z
    .object({
      script: z.string().min(1),
      args: z.array(z.string()).default([]),
      timeoutMs: z.number().int().positive().default(300_000),
      etcdctl: z.enum(ETCDCTL_EXPORTS).default('certs'),
      does: z.enum(PROCEDURES).default('other'),
    })
    .strict(),
  checks: ({ does }) => (does === 'restore' ? ['restore-new-cluster', 'restore-rpo'] : []),
  preflight: async ({ script }, baseDir) => (await scriptProblems(scriptPath(script, baseDir))).map((problem) => ({ option: 'script', problem })),
  run: async (ctx, { script, args, timeoutMs, etcdctl, does }) => {
    const path = scriptPath(script, ctx.baseDir);
    const [unusable] = await scriptProblems(path);
    if (unusable) throw new DrillError(unusable, { hint: "a relative script path is read from the scenario file's folder" });
    const artifact = latestArtifact(ctx);
    if (does === 'restore' && !artifact) throw new DrillError('nothing for the script to restore: no snapshot or backup was taken in this run', { hint: 'add a snapshot or encrypted-backup step before it' });
    const clusterIdBefore = does === 'restore' ? (ctx.cluster.reportedClusterId ?? (await ctx.cluster.clusterId())) : undefined;
    const restore = does === 'restore' ? new ScriptedRestore(ctx) : undefined;
    const apiServers = apiServerControl(ctx, restore);
    const socket = join(ctx.workdir, `verbs-${process.pid}-${Date.now()}.sock`);
    const server = await serveVerbs(socket, { cluster: ctx.cluster, apiServers, onVerb: (request, at) => restore?.saw(request, at) });
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of Object.entries({ ...(await operatorEnvironment(ctx.cluster, etcdctl)), ...artifactEnvironment(artifact), ETCD_DRILL_VERBS: socket })) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    env.PATH = `${await cliOnPath(ctx.workdir)}:${env.PATH ?? ''}`;
    const command = [script, ...args].join(' ');
    const started = Date.now();
    try {
      const { exitCode, output } = await runScript(path, args, env, timeoutMs);
      ctx.events.emit({ type: 'command.ran', cluster: ctx.cluster.name, member: 'host', command, exitCode, output: output.slice(-4000), durationMs: Date.now() - started });
      if (exitCode !== 0) {
        const last = output.trim().split('\n').pop() ?? '';
        throw new DrillError(`${script} failed (${exitCode === TIMED_OUT ? `killed after ${timeoutMs} ms` : `exit ${exitCode}`}): ${last}`, { hint: 'its whole output is in the timeline' });
      }
    } finally {
      await server.close();
      // API servers a failed script left stopped come back, so the rest of the run can be judged.
      if (apiServers.stopped) await apiServers.start();
    }
    if (does === 'other') return { summary: `${script} succeeded` };
    await ctx.cluster.waitForLeader(ctx.cluster.timeouts.bootMs);
    const forgotten = await ctx.cluster.syncWithEtcd();
    await ctx.cluster.reloadLoadBalancer();
    const members = ctx.cluster.members.map((m) => m.name);
    if (!restore || !artifact) return { summary: `${script} succeeded: members ${members.join(', ')}${forgotten.length ? `; ${forgotten.join(', ')} no longer listed by etcd` : ''}` };
    if (restore.startedAt === undefined) throw new DrillError(`${script} restored nothing: it stopped, killed or started no member`, { hint: 'a restore script starts every member on its restored data dir with `etcd-drill member start`' });
    await restore.end();
    const endedAt = restore.endedAt ?? Date.now();
    ctx.restores.push({
      startedAt: restore.startedAt,
      endedAt,
      artifact,
      snapshotRevision: artifact.revision,
      restoredValues: restore.restoredValues,
      members,
      clusterIdBefore,
      clusterIdAfter: await ctx.cluster.clusterId(),
    });
    const proof = await proveRestored(ctx.cluster, artifact);
    return {
      summary: `${script} restored ${members.length} members from the ${artifact.kind} at revision ${artifact.revision}: ${proof.summary}`,
      metrics: { restoredFromRevision: artifact.revision, restoreMs: endedAt - restore.startedAt, restoredKeys: proof.keys, dbSizeBytes: proof.dbSizeBytes },
    };
  },
});
