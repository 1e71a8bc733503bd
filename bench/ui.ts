/**
 * `npm run bench:ui`: what the dashboard costs while a healthy five-member cluster idles. The UI
 * runs in a tmux pane (a real terminal) on its own cluster; beside it, the same session headless
 * (plain lines, no Ink). For each: the process's CPU (percent of one core, from /proc) and how
 * often the visible screen changed (captured every 100 ms), over BENCH_SECONDS.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { table } from '../src/cli/format.js';
import { waitFor } from '../src/wait.js';

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CLI = `${process.execPath} --import tsx src/cli/entry.ts`;
const socket = `etcd-drill-bench-${process.pid}`;
const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
const clockTicks = Number((await run('getconf', ['CLK_TCK'])).stdout.trim());

/** CPU seconds (user + system) the process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

async function measure(pid: number, screen: () => Promise<string>): Promise<{ cpuPercent: number; updatesPerSecond: number }> {
  const cpuBefore = await cpuSeconds(pid);
  const started = Date.now();
  let last = await screen();
  let updates = 0;
  while (Date.now() - started < SECONDS * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await screen();
    if (now !== last) updates += 1;
    last = now;
  }
  const elapsed = (Date.now() - started) / 1000;
  return { cpuPercent: ((await cpuSeconds(pid)) - cpuBefore) / elapsed * 100, updatesPerSecond: updates / elapsed };
}

async function interactive() {
  await tmux('new-session', '-d', '-s', 'ui', '-x', '160', '-y', '50', `exec ${CLI} ui --name bench-ui`);
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'ui')).stdout;
  try {
    await waitFor(async () => ((await screen()).includes('5/5 up') ? true : undefined), { timeoutMs: 120_000, intervalMs: 250, description: 'the UI to show a healthy cluster' });
    const pid = Number((await tmux('display-message', '-p', '-t', 'ui', '#{pane_pid}')).stdout.trim());
    return await measure(pid, screen);
  } finally {
    await tmux('send-keys', '-t', 'ui', 'q');
    await waitFor(async () => (await tmux('has-session', '-t', 'ui').then(() => undefined, () => true)), { timeoutMs: 60_000, intervalMs: 250, description: 'the UI to exit' }).catch(() => undefined);
    await tmux('kill-server').catch(() => undefined);
  }
}

async function headless() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'ui', '--name', 'bench-plain'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitFor(async () => (output.includes('5/5 up') ? true : undefined), { timeoutMs: 120_000, intervalMs: 250, description: 'the headless session to see a healthy cluster' });
    return await measure(child.pid as number, async () => output);
  } finally {
    child.stdin.end('quit\n');
    await new Promise((resolve) => child.on('close', resolve));
  }
}

const ui = await interactive();
const plain = await headless();
console.log(`\nidle five-member TLS cluster, API servers at 20 ops/s, ${SECONDS} s each\n`);
console.log(
  table(
    ['SESSION', 'CPU (% OF ONE CORE)', 'SCREEN UPDATES/S'],
    [
      ['ui (Ink, in tmux)', ui.cpuPercent.toFixed(1), ui.updatesPerSecond.toFixed(1)],
      ['headless (plain lines)', plain.cpuPercent.toFixed(1), plain.updatesPerSecond.toFixed(1)],
    ],
  ),
);
console.log(`the UI's own cost: ${(ui.cpuPercent - plain.cpuPercent).toFixed(1)} points of one core (${(ui.cpuPercent / plain.cpuPercent).toFixed(2)}× the headless session)`);
