/**
 * `npm run bench:restore [-- small,medium,large]`: backup and restore of a five-member TLS cluster
 * holding a control plane's keyspace, phase by phase, beside the floor measured in the same run:
 * the same encrypted backup decrypted by the same age library, restored by the same etcd tool as
 * plain commands on this host (one after another, as an operator's script), the members started
 * as plain processes. Both RTOs run from the start of the restore to the first acknowledged write;
 * the target at `medium` is 1.5×.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { Etcd3 } from 'etcd3';
import { EventBus, log, startCluster, type Cluster } from '../src/index.js';
import { formatBytes } from '../src/event-lines.js';
import { faultContext, injectFault } from '../src/faults/inject.js';
import { carryOut, type RunbookContext } from '../src/scenarios/runbooks/runbook.js';
import { restore, snapshotBytes } from '../src/scenarios/runbooks/restore.js';
import { encryptedBackup } from '../src/scenarios/runbooks/snapshot.js';
import { pinPorts } from '../src/topology/ports.js';
import { hostEtcdctlEnv } from '../src/topology/operator-env.js';
import { killAll } from './processes.js';
import { waitFor } from '../src/wait.js';
import { preloadState, STATE_PRESET_NAMES, type StatePresetName } from '../src/workload/preload.js';

const run = promisify(execFile);
const TARGET_RATIO = 1.5;
log.level = 'warn';

const presets = (process.argv[2] ?? 'small,medium').split(',').map((p) => {
  if (!(STATE_PRESET_NAMES as readonly string[]).includes(p)) throw new Error(`unknown preset '${p}': one of ${STATE_PRESET_NAMES.join(', ')}`);
  return p as StatePresetName;
});

interface Row {
  preset: StatePresetName;
  keys: number;
  loadMs: number;
  dbBytes: number;
  snapshotBytes: number;
  phases: Record<string, number>;
  encryptMs: number;
  decryptMs: number;
  /** The restore runbook's start → the first acknowledged write: what the floor's figure measures too. */
  drillRtoMs: number;
  /** The last member's death → the first acknowledged write (the restore starting at once). */
  sinceLostMs: number;
  floor: { restoreMs: number; firstWriteMs: number; rtoMs: number };
}

/** Puts until one is acknowledged; returns when (ms since epoch). */
async function firstAcknowledgedWrite(client: Etcd3, key: string, timeoutMs: number): Promise<number> {
  return waitFor(
    async () => {
      await client.put(key).value('after-restore');
      return Date.now();
    },
    { timeoutMs, intervalMs: 20, description: `a write of ${key} to be acknowledged` },
  );
}

/**
 * The floor: the snapshot restored into five data dirs by the host's etcdctl, one after another
 * as an operator's script would, five etcd processes started on loopback, the first write.
 */
async function floorRestore(snapshot: Uint8Array, members: number): Promise<Row['floor']> {
  const dir = await mkdtemp(join(tmpdir(), 'etcd-drill-bench-restore-'));
  const processes: ChildProcess[] = [];
  try {
    const file = join(dir, 'snapshot.db');
    await writeFile(file, snapshot, { mode: 0o600 });
    const ports = await pinPorts(Array.from({ length: 2 * members }, () => undefined));
    const names = Array.from({ length: members }, (_, i) => `member${i + 1}`);
    const peer = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`;
    const client = (i: number) => `http://127.0.0.1:${ports[2 * i]}`;
    const initialCluster = names.map((n, i) => `${n}=${peer(i)}`).join(',');
    const started = Date.now();
    for (const [i, name] of names.entries()) {
      await run('etcdctl', ['snapshot', 'restore', file, `--name=${name}`, `--initial-cluster=${initialCluster}`, '--initial-cluster-token=floor', `--initial-advertise-peer-urls=${peer(i)}`, `--data-dir=${join(dir, name)}`], {
        env: hostEtcdctlEnv({}),
      });
    }
    const restored = Date.now();
    for (const [i, name] of names.entries()) {
      processes.push(
        spawn('etcd', [`--name=${name}`, `--data-dir=${join(dir, name)}`, `--listen-client-urls=${client(i)}`, `--advertise-client-urls=${client(i)}`, `--listen-peer-urls=${peer(i)}`, `--initial-advertise-peer-urls=${peer(i)}`, `--initial-cluster=${initialCluster}`, '--log-level=error'], { stdio: 'ignore' }),
      );
    }
    const etcd = new Etcd3({ hosts: names.map((_, i) => client(i)) });
    try {
      const acked = await firstAcknowledgedWrite(etcd, '/bench/floor', 60_000);
      return { restoreMs: restored - started, firstWriteMs: acked - restored, rtoMs: acked - started };
    } finally {
      etcd.close();
    }
  } finally {
    await killAll(processes);
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(preset: StatePresetName): Promise<Row> {
  const events = new EventBus();
  const phases: Record<string, number> = {};
  const commands: { command: string; durationMs: number }[] = [];
  events.subscribe((e) => {
    if (e.type === 'runbook.phase') phases[e.phase] = e.durationMs;
    if (e.type === 'command.ran') commands.push(e);
  });
  const cluster: Cluster = await startCluster({ name: `bench-restore-${preset}`, topology: 'cluster', members: 5 }, { events });
  const workdir = await mkdtemp(join(tmpdir(), 'etcd-drill-bench-'));
  try {
    const loaded = await preloadState(cluster, preset);
    const faults = faultContext(cluster);
    const ctx: RunbookContext = { cluster, events, faults, workdir, workload: undefined, artifacts: [], restores: [] };
    await carryOut(ctx, encryptedBackup, {});
    const artifact = ctx.artifacts[0]!;
    phases['snapshot save'] = commands.find((c) => / snapshot save /.test(c.command))?.durationMs ?? NaN;
    phases['snapshot status'] = commands.filter((c) => / snapshot status /.test(c.command)).reduce((sum, c) => sum + c.durationMs, 0);
    const plaintext = await snapshotBytes(artifact);
    // age on the same bytes, outside the runbook, so the figure is the cipher's alone.
    const identity = await generateX25519Identity();
    const encrypter = new Encrypter();
    encrypter.addRecipient(await identityToRecipient(identity));
    let t = Date.now();
    const ciphertext = await encrypter.encrypt(plaintext);
    const encryptMs = Date.now() - t;
    const decrypter = new Decrypter();
    decrypter.addIdentity(identity);
    t = Date.now();
    await decrypter.decrypt(ciphertext);
    const decryptMs = Date.now() - t;
    const dbBytes = Math.max(...(await cluster.status()).map((s) => s.dbSizeBytes ?? 0));

    // Quorum lost for good: every member killed (the clock of "quorum lost" starts when the last
    // process died, the engine's record of its exit), then the real restore runbook.
    const killing = Date.now();
    await injectFault(faults, { kind: 'kill', target: 'all' });
    const exits = await Promise.all(cluster.members.map(async (m) => (await faults.runtime.inspect(m.containerId)).finishedAt ?? killing));
    const lost = Math.max(...exits);
    // The API servers come back with the leader, on fresh connections: write from then on, as they would.
    let firstWrite: Promise<number> | undefined;
    const clients: Etcd3[] = [];
    const unsubscribe = events.subscribe((e) => {
      if (e.type !== 'runbook.phase' || e.phase !== 'leader elected' || firstWrite) return;
      const client = cluster.client();
      clients.push(client);
      firstWrite = firstAcknowledgedWrite(client, '/bench/drill', 60_000);
    });
    try {
      const restoreStarted = Date.now();
      await carryOut(ctx, restore, {});
      if (!firstWrite) throw new Error('the restore runbook announced no leader');
      const acked = await firstWrite;
      const floor = await floorRestore(plaintext, 5);
      // The floor restores from the same encrypted backup: it decrypts first, as the drill does.
      floor.rtoMs += decryptMs;
      return { preset, keys: loaded.keys, loadMs: loaded.durationMs, dbBytes, snapshotBytes: plaintext.length, phases, encryptMs, decryptMs, drillRtoMs: acked - restoreStarted, sinceLostMs: acked - lost, floor };
    } finally {
      unsubscribe();
      for (const client of clients) client.close();
    }
  } finally {
    await cluster.stop();
    await rm(workdir, { recursive: true, force: true });
  }
}

const seconds = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(2)} s`);

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const preset of presets) rows.push(await measure(preset));
  const phaseNames = ['snapshot save', 'snapshot status', 'snapshot read and decrypted', 'old members removed', 'data dirs restored', 'a majority of members started', 'leader elected', 'every member started', 'restored data proven'];
  const lines = [
    'backup and restore of five TLS members holding a control plane\'s keyspace; floor: the same snapshot restored by the host\'s etcdctl and started as plain processes, in the same run',
    '',
    `| | ${rows.map((r) => r.preset).join(' | ')} |`,
    `|---|${rows.map(() => '---').join('|')}|`,
    `| objects (load time) | ${rows.map((r) => `${r.keys.toLocaleString('en-US')} (${seconds(r.loadMs)})`).join(' | ')} |`,
    `| database / snapshot | ${rows.map((r) => `${formatBytes(r.dbBytes)} / ${formatBytes(r.snapshotBytes)}`).join(' | ')} |`,
    ...phaseNames.map((p) => `| ${p} | ${rows.map((r) => seconds(r.phases[p])).join(' | ')} |`),
    `| age encrypt / decrypt | ${rows.map((r) => `${seconds(r.encryptMs)} / ${seconds(r.decryptMs)}`).join(' | ')} |`,
    `| **drill RTO** (restore started → first acknowledged write) | ${rows.map((r) => seconds(r.drillRtoMs)).join(' | ')} |`,
    `| quorum lost (last member's exit) → first acknowledged write | ${rows.map((r) => seconds(r.sinceLostMs)).join(' | ')} |`,
    `| floor: data dirs restored on the host | ${rows.map((r) => seconds(r.floor.restoreMs)).join(' | ')} |`,
    `| floor: processes started → first acknowledged write | ${rows.map((r) => seconds(r.floor.firstWriteMs)).join(' | ')} |`,
    `| floor: age decrypt (as the drill's) | ${rows.map((r) => seconds(r.decryptMs)).join(' | ')} |`,
    `| **floor RTO** | ${rows.map((r) => seconds(r.floor.rtoMs)).join(' | ')} |`,
    `| **drill ÷ floor** | ${rows.map((r) => `${(r.drillRtoMs / r.floor.rtoMs).toFixed(2)}×`).join(' | ')} |`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  const medium = rows.find((r) => r.preset === 'medium');
  if (medium && medium.drillRtoMs > TARGET_RATIO * medium.floor.rtoMs) {
    process.stderr.write(`bench:restore: at medium the drill's RTO is ${(medium.drillRtoMs / medium.floor.rtoMs).toFixed(2)}× the floor's, above the ${TARGET_RATIO}× target\n`);
    process.exitCode = 1;
  }
}

await main();
