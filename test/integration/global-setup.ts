import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { ensureLoadBalancerImage, resolveEtcdImage } from '../../src/topology/image.js';
import { labelKeys } from '../../src/topology/plan.js';

/**
 * Integration tests get their own state folder, the images once, and a final check that the
 * whole run left no container, network or volume with our label behind.
 */
export async function setup(): Promise<() => Promise<void>> {
  const home = await mkdtemp(join(tmpdir(), 'etcd-drill-test-'));
  process.env.ETCD_DRILL_HOME = home;
  const runtime = new DockerRuntime();
  await runtime.ping();
  await resolveEtcdImage(runtime);
  await ensureLoadBalancerImage(runtime);
  return async () => {
    const left = await runtime.findByLabels({ [labelKeys.cluster]: '' });
    await runtime.remove(left);
    await rm(home, { recursive: true, force: true });
    const names = [...left.containers, ...left.networks, ...left.volumes].map((o) => o.name);
    if (names.length > 0) throw new Error(`the test run left Docker objects behind: ${names.join(', ')}`);
  };
}
