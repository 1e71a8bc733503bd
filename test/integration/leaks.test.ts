import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { labelKeys } from '../../src/topology/plan.js';
import { runtime } from './helpers.js';

/** The suite's own guard, proven: a run whose tests all pass but leave a Docker object behind exits non-zero, and the object is removed. */
describe('a test run that leaks', () => {
  it('exits non-zero, names what it left, and removes it', async () => {
    const network = `it-leak-${process.pid}`;
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/fixtures/leak/vitest.config.ts'], {
      env: { ...process.env, LEAKED_NETWORK: network, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(output).toMatch(/1 passed/);
    expect(output).toMatch(new RegExp(`LEAK: .*${network}`));
    expect(code, output).toBe(1);
    const left = await runtime.findByLabels({ [labelKeys.cluster]: 'it-leak' });
    expect(left.networks.map((n) => n.name)).toEqual([]);
  });
});
