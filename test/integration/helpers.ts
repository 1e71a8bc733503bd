import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { labelKeys } from '../../src/topology/plan.js';
import { listStates } from '../../src/topology/state.js';

export const runtime = new DockerRuntime();

/** Asserts that no container, network or volume of the cluster exists, and no state folder. */
export async function expectClusterGone(name: string): Promise<void> {
  const objects = await runtime.findByLabels({ [labelKeys.cluster]: name });
  expect([...objects.containers, ...objects.networks, ...objects.volumes].map((o) => o.name)).toEqual([]);
  expect(await listStates()).not.toContain(name);
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source, as `etcd-drill ARGS`, with the test run's state folder. */
type OnOutput = (text: string, child: ReturnType<typeof spawn>) => void;

export function cli(args: string[], options: { onStderr?: OnOutput; onStdout?: OnOutput; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], {
    env: { ...process.env, ...options.env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout, child);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    options.onStderr?.(stderr, child);
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}
