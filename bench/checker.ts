/**
 * `npm run bench:checker`: what the linearizability check costs. Valid histories of 1k, 10k and
 * 100k operations from the test generator (a simulated etcd with lagging members and timeouts),
 * each timed with its peak heap; then small histories (valid and mutated, at most 10 operations
 * per key) judged by the search and by brute force side by side. Exits non-zero when the two
 * disagree or a valid history is not ok.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { checkLinearizability, linearizabilityVerdict } from '../src/checks/linearizability.js';
import { bruteForceLinearizable } from '../src/checks/linearizability-search.js';
import { Random } from '../src/random.js';
import type { History } from '../src/workload/history.js';
import { DRILL_PREFIX, generateKvHistory, mutateHistory } from '../test/support/kv-history.js';

// `tsx bench/checker.ts` runs without --expose-gc: expose it now, so each measurement starts from a collected heap.
setFlagsFromString('--expose-gc');
const gc = (globalThis.gc ?? runInNewContext('gc')) as () => void;

const MB = 1024 * 1024;
const sizes = [
  { operations: 1_000, keys: 8 },
  { operations: 10_000, keys: 32 },
  { operations: 100_000, keys: 64 },
];

function markdownTable(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The most operations any one key has: a range counts on every key, the final read once more. */
function mostOperationsOnOneKey(history: History, keys: number): number {
  const counts = new Map<string, number>();
  for (const op of history.operations) {
    const touched =
      op.kind === 'range' ? Array.from({ length: keys }, (_, i) => `${DRILL_PREFIX}${i}`) : op.kind === 'txn' ? (op.puts ?? []).map((p) => p.key) : [op.key];
    for (const key of touched) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values()) + (history.final ? 1 : 0);
}

let problems = 0;

console.log('\n## Valid histories (16 clients, 2% timeouts, 3 members)\n');
const rows: string[][] = [];
for (const { operations, keys } of sizes) {
  const history = generateKvHistory({ seed: operations, operations, keys, clients: 16 });
  gc();
  let peak = process.memoryUsage().heapUsed;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().heapUsed));
  const started = performance.now();
  const result = checkLinearizability(history, { onProgress: sample });
  const elapsed = performance.now() - started;
  sample();
  const verdict = linearizabilityVerdict(result, {});
  if (!verdict.ok) {
    problems += 1;
    console.error(`a valid history of ${operations} operations was judged ${verdict.status}: ${verdict.message}`);
  }
  rows.push([operations.toLocaleString('en-US'), String(keys), elapsed.toFixed(0), (peak / MB).toFixed(0), verdict.status]);
}
console.log(markdownTable(['ops', 'keys', 'time ms', 'peak heap MB', 'verdict'], rows));

const SMALL = 200;
console.log(`\n## Search beside brute force: ${SMALL} small histories, half of them mutated\n`);
const random = new Random(2024);
const small: { history: History; valid: boolean }[] = [];
while (small.length < SMALL) {
  const keys = 1 + random.int(3);
  const valid = generateKvHistory({ seed: random.int(2 ** 31), operations: 1 + random.int(8 * keys), keys, clients: 1 + random.int(4), timeoutRate: 0.2 });
  const mutated = small.length % 2 === 1;
  const history = mutated ? mutateHistory(valid, random.int(2 ** 31)) : valid;
  if (mostOperationsOnOneKey(history, keys) <= 10) small.push({ history, valid: !mutated });
}

let searchMs = 0;
let bruteMs = 0;
let agreements = 0;
let linearizable = 0;
for (const { history, valid } of small) {
  let started = performance.now();
  const result = checkLinearizability(history);
  searchMs += performance.now() - started;
  started = performance.now();
  const brute = bruteForceLinearizable(history.operations, history.final);
  bruteMs += performance.now() - started;
  const searched = result.keys.every((k) => k.status === 'ok');
  if (searched === brute) agreements += 1;
  else console.error(`the search says ${searched}, brute force ${brute}, on ${JSON.stringify(history.operations)}`);
  if (brute) linearizable += 1;
  if (valid && result.status !== 'ok') {
    problems += 1;
    console.error(`a valid small history was judged ${result.status}`);
  }
}
problems += SMALL - agreements;
console.log(
  markdownTable(
    ['histories', 'linearizable', 'agreements', 'search ms', 'brute force ms', 'search / brute force'],
    [[String(SMALL), String(linearizable), `${agreements}/${SMALL}`, searchMs.toFixed(1), bruteMs.toFixed(1), (searchMs / bruteMs).toFixed(2)]],
  ),
);
console.log('\n(The search also finds each failing key its shortest failing slice; brute force only answers yes or no.)');

if (problems > 0) {
  console.error(`\n${problems} problem(s)`);
  process.exit(1);
}
