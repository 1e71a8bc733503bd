import { DrillError } from '../errors.js';
import { EventBus } from '../events.js';
import { DockerRuntime } from '../runtime/docker.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { StartOptions } from './boot.js';
import { Cluster } from './cluster.js';
import { labelKeys } from './plan.js';
import { drillHome, listStates, loadState, removeState, tlsDir } from './state.js';
import { sweepOrphans } from './sweep.js';
import { readTls } from './tls.js';

// Clusters that already exist, found by name: reattached, listed, removed (`etcd-drill down`).

/** The engine and state folder to look in: Docker and the default state folder unless given. */
type Where = Pick<StartOptions, 'runtime' | 'home'>;

/** Removes every Docker object labelled with the cluster's name, and its state folder. */
export async function removeCluster(runtime: ContainerRuntime, name: string, home = drillHome()): Promise<{ containers: number; networks: number }> {
  const removed = { containers: 0, networks: 0 };
  // A container attached while we listed keeps its network busy: list again until nothing is left.
  for (let pass = 1; ; pass += 1) {
    const objects = await runtime.findByLabels({ [labelKeys.cluster]: name });
    if (objects.containers.length + objects.networks.length + objects.volumes.length === 0) break;
    removed.containers += objects.containers.length;
    removed.networks += objects.networks.length;
    try {
      await runtime.remove(objects);
    } catch (err) {
      if (pass >= 3) throw err;
    }
  }
  await removeState(name, home);
  return removed;
}

/** Reattaches to a cluster another process started, by name. */
export async function attachCluster(name: string, options: Pick<StartOptions, 'runtime' | 'home' | 'events'> = {}): Promise<Cluster> {
  const home = options.home ?? drillHome();
  const state = await loadState(name, home);
  const tls = state.spec.tls ? await readTls(tlsDir(name, home), state.members.map((m) => m.name)) : undefined;
  return new Cluster(state, tls, options.runtime ?? new DockerRuntime(), home, options.events ?? new EventBus());
}

export { listStates as listClusters };

/**
 * `etcd-drill down NAME`: removes a cluster, or fails when nothing by that name exists, neither its
 * state folder nor any Docker object labelled with it.
 */
export async function downCluster(name: string, where: Where = {}): Promise<{ containers: number; networks: number }> {
  const runtime = where.runtime ?? new DockerRuntime();
  const home = where.home ?? drillHome();
  await runtime.ping();
  const known = await listStates(home);
  const objects = await runtime.findByLabels({ [labelKeys.cluster]: name });
  if (!known.includes(name) && objects.containers.length === 0 && objects.networks.length === 0) {
    throw new DrillError(`no cluster named '${name}'`, { hint: known.length ? `known clusters: ${known.join(', ')}` : 'nothing to remove' });
  }
  return removeCluster(runtime, name, home);
}

/**
 * `etcd-drill down --all`: removes every object etcd-drill made, owned or not, and every known
 * cluster's state folder. Counts what the sweep found.
 */
export async function removeAllClusters(where: Where = {}): Promise<{ containers: number; networks: number }> {
  const runtime = where.runtime ?? new DockerRuntime();
  const home = where.home ?? drillHome();
  await runtime.ping();
  const removed = await sweepOrphans(runtime, home, undefined, { all: true });
  for (const name of await listStates(home)) await removeCluster(runtime, name, home);
  return { containers: removed.containers.length, networks: removed.networks.length };
}
