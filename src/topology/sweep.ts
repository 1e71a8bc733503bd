import type { EventBus } from '../events.js';
import { log } from '../log.js';
import type { ContainerRuntime, LabelledObjects } from '../runtime/runtime.js';
import { ownerIsGone } from './lifecycle.js';
import { labelKeys } from './plan.js';
import { drillHome, removeState } from './state.js';

/**
 * Removes the Docker objects (and state folders) of clusters whose owning process is gone: a test
 * run that was killed, a foreground drill whose terminal was closed. With `all`, removes every
 * cluster etcd-drill made, owned or not (`etcd-drill down --all`).
 */
export async function sweepOrphans(
  runtime: ContainerRuntime,
  home = drillHome(),
  events?: EventBus,
  options: { all?: boolean } = {},
): Promise<LabelledObjects> {
  const everything = await runtime.findByLabels({ [labelKeys.cluster]: '' });
  const doomed = (labels: Record<string, string>) => options.all || ownerIsGone(labels[labelKeys.owner]);
  const orphans: LabelledObjects = {
    containers: everything.containers.filter((c) => doomed(c.labels)),
    networks: everything.networks.filter((n) => doomed(n.labels)),
    volumes: everything.volumes.filter((v) => doomed(v.labels)),
  };
  const count = orphans.containers.length + orphans.networks.length + orphans.volumes.length;
  if (count === 0) return orphans;
  await runtime.remove(orphans);
  const clusters = new Set([...orphans.containers, ...orphans.networks].map((o) => o.labels[labelKeys.cluster] as string));
  await Promise.all([...clusters].map((name) => removeState(name, home)));
  log.debug(`swept ${count} objects of ${[...clusters].join(', ')}`);
  events?.emit({ type: 'sweep.removed', containers: orphans.containers.length, networks: orphans.networks.length, volumes: orphans.volumes.length });
  return orphans;
}
