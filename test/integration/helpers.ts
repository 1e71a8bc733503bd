import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { labelKeys } from '../../src/topology/plan.js';
import { listStates } from '../../src/topology/state.js';
import { runScenario } from '../../src/scenarios/engine.js';
import type { Report } from '../../src/scenarios/types.js';

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

type OnOutput = (text: string, child: ReturnType<typeof spawn>) => void;

/** Runs the CLI as users do, `etcd-drill ARGS` from the build (the global set-up rebuilt it if stale), with the test run's state folder. */
export function cli(args: string[], options: { onStderr?: OnOutput; onStdout?: OnOutput; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, ['bin/etcd-drill.js', ...args], {
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

/** Runs a scenario as the engine does and proves it left nothing: no container, network, volume or state of its cluster. */
export async function runScenarioLeavingNothing(...args: Parameters<typeof runScenario>): Promise<Report> {
  const report = await runScenario(...args);
  await expectClusterGone(report.cluster);
  return report;
}
