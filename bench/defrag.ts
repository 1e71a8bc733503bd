/**
 * `npm run bench:defrag [-- medium]`: the defrag runbook's three strategies side by side on one
 * five-member TLS cluster holding a control plane's keyspace, under the API servers' load, in one
 * run (BENCH_REPS rounds, default 3, strategies interleaved so that a slower minute hurts all
 * alike): how long it took, what the writes saw meanwhile (p99, the longest gap between
 * acknowledged writes, failures) and the elections nobody asked for. Prints the table of medians
 * and writes it into the README's latest figures.
 */
import { EventBus, log, startCluster } from '../src/index.js';
import { formatBytes } from '../src/event-lines.js';
import { faultContext } from '../src/faults/inject.js';
import { DEFRAG_STRATEGIES, defrag, type DefragStrategy } from '../src/scenarios/runbooks/defrag.js';
import { carryOut, type RunbookContext } from '../src/scenarios/runbooks/runbook.js';
import { percentiles } from '../src/percentiles.js';
import { LISTED_PREFIXES, preloadState, STATE_PRESET_NAMES, type StatePresetName } from '../src/workload/preload.js';
import { Workload } from '../src/workload/workload.js';
import { writeReadmeSection } from './readme-section.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const preset = (process.argv[2] ?? 'medium') as StatePresetName;
if (!(STATE_PRESET_NAMES as readonly string[]).includes(preset)) throw new Error(`unknown preset '${preset}': one of ${STATE_PRESET_NAMES.join(', ')}`);
log.level = 'warn';

const median = (values: number[]) => percentiles(values, [50]).p50 as number;
const events = new EventBus();
const cluster = await startCluster({ name: 'bench-defrag', topology: 'cluster', members: 5 }, { events });
const workdir = await mkdtemp(join(tmpdir(), 'etcd-drill-bench-defrag-'));
const samples = new Map<DefragStrategy, Record<string, number>[]>(DEFRAG_STRATEGIES.map((s) => [s, []]));
let loaded;
try {
  loaded = await preloadState(cluster, preset);
  const workload = new Workload(cluster, { listPrefixes: LISTED_PREFIXES });
  await workload.start();
  const ctx: RunbookContext = { cluster, events, faults: faultContext(cluster), workdir, workload, artifacts: [], restores: [] };
  for (let rep = 1; rep <= REPS; rep += 1) {
    for (const strategy of DEFRAG_STRATEGIES) {
      const outcome = await carryOut(ctx, defrag, { strategy });
      console.log(`round ${rep}: ${outcome.summary}`);
      samples.get(strategy)!.push(outcome.metrics as Record<string, number>);
    }
  }
  await workload.stop();
} finally {
  await cluster.stop();
  await rm(workdir, { recursive: true, force: true });
}

const of = (strategy: DefragStrategy, metric: string) => median(samples.get(strategy)!.map((m) => m[`defrag.${strategy}.${metric}`] as number));
const floor = of('move-leader', 'writeP99Ms');
const rows = DEFRAG_STRATEGIES.map((strategy) => {
  const p99 = of(strategy, 'writeP99Ms');
  return `| ${strategy} | ${(of(strategy, 'ms') / 1000).toFixed(1)} s | ${Math.round(p99)} ms | ${(p99 / floor).toFixed(2)}× | ${Math.round(of(strategy, 'longestGapMs'))} ms | ${of(strategy, 'failedWrites')} | ${of(strategy, 'elections')} |`;
});
const table = [
  `\`npm run bench:defrag\` — the \`defrag\` runbook's strategies on five TLS members holding the \`${preset}\` state (${loaded ? `${loaded.keys.toLocaleString('en-US')} objects, ${formatBytes(loaded.valueBytes)}` : '?'}) under the API servers' load, interleaved, median of ${REPS} rounds (written by the bench):`,
  '',
  '| strategy | defrag time | write p99 | ÷ move-leader | longest gap between acknowledged writes | failed writes | elections |',
  '|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
console.log(`\n${table}`);
await writeReadmeSection('defrag', table);
process.exit(0);
