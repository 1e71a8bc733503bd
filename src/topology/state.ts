import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ClusterNotFoundError } from '../errors.js';
import type { ClusterSpec } from './spec.js';

/**
 * A cluster's state folder holds what another process needs to reattach: the spec, the image,
 * container IDs, published ports, and the TLS material. `$ETCD_DRILL_HOME`, else the XDG state dir.
 */
export function drillHome(): string {
  if (process.env.ETCD_DRILL_HOME) return process.env.ETCD_DRILL_HOME;
  const xdg = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(xdg, 'etcd-drill');
}

export function clusterDir(name: string, home = drillHome()): string {
  return join(home, 'clusters', name);
}

export function tlsDir(name: string, home = drillHome()): string {
  return join(clusterDir(name, home), 'tls');
}

export interface MemberState {
  name: string;
  /** etcd's member ID in hex, as etcdctl prints it. */
  id: string;
  containerId: string;
  containerName: string;
  /** Client port published on 127.0.0.1. */
  hostPort: number;
  clientUrl: string;
  peerUrl: string;
  /** Its fixed address on the cluster network (clusters made before addresses were fixed have none). */
  address?: string | undefined;
}

export interface ClusterState {
  name: string;
  spec: ClusterSpec;
  owner: string;
  image: { ref: string; version: string; hasEtcdutl: boolean };
  networkId: string;
  network: string;
  /** The network's subnet, where new members get their fixed addresses (absent in older clusters). */
  subnet?: string | undefined;
  /** `--initial-cluster-token` of the members' data: a restore starts a new one. */
  token: string;
  members: MemberState[];
  loadBalancer: { containerId: string; containerName: string; hostPort: number } | undefined;
  createdAt: string;
}

const STATE_FILE = 'state.json';

export async function saveState(state: ClusterState, home = drillHome()): Promise<void> {
  const dir = clusterDir(state.name, home);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export async function loadState(name: string, home = drillHome()): Promise<ClusterState> {
  try {
    return JSON.parse(await readFile(join(clusterDir(name, home), STATE_FILE), 'utf8')) as ClusterState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const known = await listStates(home);
      throw new ClusterNotFoundError(`no cluster named '${name}'`, {
        hint: known.length ? `known clusters: ${known.join(', ')}` : 'start one with `etcd-drill up`',
      });
    }
    throw err;
  }
}

export async function listStates(home = drillHome()): Promise<string[]> {
  try {
    return (await readdir(join(home, 'clusters'))).sort();
  } catch {
    return [];
  }
}

export async function removeState(name: string, home = drillHome()): Promise<void> {
  await rm(clusterDir(name, home), { recursive: true, force: true });
}
