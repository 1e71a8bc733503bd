import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerRuntime } from '../../src/runtime/docker.js';
import type { LabelledObjects } from '../../src/runtime/runtime.js';
import { ensureLoadBalancerImage, resolveEtcdImage } from '../../src/topology/image.js';
import { labelKeys } from '../../src/topology/plan.js';

/**
 * Integration tests get their own state folder, the images once, and a final check that the run
 * left no container, network or volume with our label behind. A leak fails the run: vitest only
 * logs an error thrown here, so the exit code is set instead (test/integration/leaks.test.ts shows
 * it with a deliberate leak). Objects that existed before the run are not this run's to judge.
 */
export async function setup(): Promise<() => Promise<void>> {
  await ensureFreshBuild();
  const home = await mkdtemp(join(tmpdir(), 'etcd-drill-test-'));
  process.env.ETCD_DRILL_HOME = home;
  const runtime = new DockerRuntime();
  await runtime.ping();
  await resolveEtcdImage(runtime);
  await ensureLoadBalancerImage(runtime);
  const before = new Set(names(await runtime.findByLabels({ [labelKeys.cluster]: '' })));
  return async () => {
    const found = await runtime.findByLabels({ [labelKeys.cluster]: '' });
    const left: LabelledObjects = {
      containers: found.containers.filter((o) => !before.has(o.name)),
      networks: found.networks.filter((o) => !before.has(o.name)),
      volumes: found.volumes.filter((o) => !before.has(o.name)),
    };
    await runtime.remove(left);
    await rm(home, { recursive: true, force: true });
    const leaked = names(left);
    if (leaked.length > 0) {
      process.exitCode = 1;
      console.error(`\nLEAK: the test run left Docker objects behind (removed now; find the test that did not clean up): ${leaked.join(', ')}`);
    }
  };
}

function names(objects: LabelledObjects): string[] {
  return [...objects.containers, ...objects.networks, ...objects.volumes].map((o) => o.name);
}

/**
 * The CLI runs from the build, as users run it (and as a team's scripts run its verbs): building
 * here when a source is newer than the last build keeps the tests on the code under test.
 */
async function ensureFreshBuild(): Promise<void> {
  const marker = 'dist/.built';
  const builtAt = await stat(marker).then((s) => s.mtimeMs, () => 0);
  const sources = await readdir('src', { recursive: true, withFileTypes: true });
  const newer = await Promise.all(sources.filter((e) => e.isFile()).map(async (e) => (await stat(join(e.parentPath, e.name))).mtimeMs > builtAt));
  if (builtAt > 0 && !newer.some(Boolean)) return;
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  await writeFile(marker, '');
}
