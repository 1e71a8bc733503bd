import type { Etcd3 } from 'etcd3';
import type { Cluster } from '../topology/cluster.js';
import { formatBytes } from '../event-lines.js';
import { Random } from '../random.js';

/**
 * Kubernetes-shaped state preloaded before a drill: the keyspace a real control plane holds,
 * `/registry/<resource>/<namespace>/<name>`, by object count and value size. Backup time, restore
 * time, RTO and a snapshot's effect on latency mean something only at that size.
 */
export const STATE_PRESET_NAMES = ['small', 'medium', 'large'] as const;
export type StatePresetName = (typeof STATE_PRESET_NAMES)[number];

/** Objects of one resource in each namespace (or in all, for cluster-scoped ones), and their size as stored. */
interface ResourceShape {
  resource: string;
  perNamespace: number;
  valueBytes: number;
  /** Events live on leases (an hour, as the API server grants them). */
  leased?: boolean;
  clusterScoped?: boolean;
}

/** One namespace's worth of a typical control plane: about 240 kB in 148 objects. */
const NAMESPACE_SHAPE: readonly ResourceShape[] = [
  { resource: 'pods', perNamespace: 40, valueBytes: 2_600 },
  { resource: 'events', perNamespace: 50, valueBytes: 650, leased: true },
  { resource: 'replicasets', perNamespace: 10, valueBytes: 2_400 },
  { resource: 'configmaps', perNamespace: 10, valueBytes: 3_000 },
  { resource: 'secrets', perNamespace: 10, valueBytes: 2_000 },
  { resource: 'deployments', perNamespace: 5, valueBytes: 3_200 },
  { resource: 'services/specs', perNamespace: 5, valueBytes: 1_100 },
  { resource: 'endpointslices', perNamespace: 5, valueBytes: 1_500 },
  { resource: 'serviceaccounts', perNamespace: 3, valueBytes: 800 },
  { resource: 'rolebindings', perNamespace: 4, valueBytes: 900 },
  { resource: 'leases', perNamespace: 1, valueBytes: 400 },
  { resource: 'namespaces', perNamespace: 1, valueBytes: 500, clusterScoped: true },
];

/** What the API servers list in pages, as informers relist them, when state is preloaded. */
export const LISTED_PREFIXES: readonly string[] = ['/registry/pods/', '/registry/configmaps/', '/registry/secrets/', '/registry/events/'];

export interface StatePreset {
  name: StatePresetName;
  namespaces: number;
  /** Nodes, cluster-scoped, each a large object (status, images). */
  nodes: number;
}

/** Sized for a database of about 5, 50 and 300 MB (measured sizes in docs/STATE.md). */
export const STATE_PRESETS: Readonly<Record<StatePresetName, StatePreset>> = {
  small: { name: 'small', namespaces: 14, nodes: 10 },
  medium: { name: 'medium', namespaces: 140, nodes: 100 },
  large: { name: 'large', namespaces: 840, nodes: 500 },
};
const NODE_BYTES = 12_000;
/** An hour, as the API server gives events. */
const EVENT_LEASE_SECONDS = 3_600;
/** etcd's defaults: --max-txn-ops 128, --max-request-bytes 1.5 MiB; stay well below both. */
const MAX_OPS_PER_TXN = 128;
const MAX_BYTES_PER_TXN = 1_000_000;
const TXNS_IN_FLIGHT = 4;

export interface StateObject {
  key: string;
  valueBytes: number;
  leased: boolean;
}

/** Every object of a preset, in load order: namespaced resources namespace by namespace, then nodes. */
export function* presetObjects(preset: StatePreset): Generator<StateObject> {
  for (let ns = 0; ns < preset.namespaces; ns += 1) {
    const namespace = ns === 0 ? 'kube-system' : `team-${ns}`;
    for (const shape of NAMESPACE_SHAPE) {
      for (let i = 0; i < shape.perNamespace; i += 1) {
        const key = shape.clusterScoped ? `/registry/${shape.resource}/${namespace}` : `/registry/${shape.resource}/${namespace}/${shape.resource.split('/')[0]}-${i}`;
        yield { key, valueBytes: shape.valueBytes, leased: shape.leased ?? false };
      }
    }
  }
  for (let i = 0; i < preset.nodes; i += 1) yield { key: `/registry/minions/node-${i}`, valueBytes: NODE_BYTES, leased: false };
}

/** What a preset holds, counted without loading it: for docs/STATE.md, `--help` and progress. */
export function describePreset(preset: StatePreset): { objects: number; valueBytes: number } {
  let objects = 0;
  let valueBytes = 0;
  for (const o of presetObjects(preset)) {
    objects += 1;
    valueBytes += o.valueBytes;
  }
  return { objects, valueBytes };
}

/** "2,026 objects, 3.4 MB of values": what a preset holds, in words. */
export function presetSummary(name: StatePresetName): string {
  const { objects, valueBytes } = describePreset(STATE_PRESETS[name]);
  return `${objects.toLocaleString('en-US')} objects, ${formatBytes(valueBytes)} of values`;
}

export interface PreloadResult {
  preset: StatePresetName;
  keys: number;
  valueBytes: number;
  durationMs: number;
  /** The store's revision once everything was written. */
  revision: number;
}

/**
 * Values are incompressible filler (etcd does not compress, and protobuf objects barely would):
 * slices of one random block, so a large preset costs no more memory than its largest batch.
 */
function fillerBlock(seed: number): Buffer {
  const random = new Random(seed);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  return Buffer.from(Array.from({ length: 64 * 1024 }, () => alphabet[random.int(alphabet.length)]).join(''));
}

/**
 * Writes a preset into the cluster in batched transactions, a few in flight, and reports progress
 * on the cluster's event stream (`state.loading`, then `state.loaded`).
 */
export async function preloadState(cluster: Cluster, name: StatePresetName, seed = 1): Promise<PreloadResult> {
  const preset = STATE_PRESETS[name];
  const total = describePreset(preset);
  const filler = fillerBlock(seed);
  const client = cluster.client();
  const started = Date.now();
  let keys = 0;
  let valueBytes = 0;
  let revision = 0;
  let reported = 0;
  try {
    const lease = (await client.leaseClient.leaseGrant({ TTL: EVENT_LEASE_SECONDS })).ID;
    const inFlight = new Set<Promise<void>>();
    for (const batch of batches(presetObjects(preset))) {
      const write = writeBatch(client, batch, filler, lease).then((r) => {
        keys += batch.length;
        valueBytes += batch.reduce((sum, o) => sum + o.valueBytes, 0);
        revision = Math.max(revision, r);
        if (keys - reported >= total.objects / 20 || keys === total.objects) {
          reported = keys;
          cluster.eventBus.emit({ type: 'state.loading', cluster: cluster.name, preset: name, keys, totalKeys: total.objects, bytes: valueBytes });
        }
      });
      const tracked = write.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= TXNS_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    client.close();
  }
  const result = { preset: name, keys, valueBytes, durationMs: Date.now() - started, revision };
  cluster.eventBus.emit({ type: 'state.loaded', cluster: cluster.name, ...result });
  return result;
}

function* batches(objects: Iterable<StateObject>): Generator<StateObject[]> {
  let batch: StateObject[] = [];
  let bytes = 0;
  for (const o of objects) {
    if (batch.length === MAX_OPS_PER_TXN || (batch.length > 0 && bytes + o.valueBytes > MAX_BYTES_PER_TXN)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(o);
    bytes += o.valueBytes;
  }
  if (batch.length > 0) yield batch;
}

async function writeBatch(client: Etcd3, batch: StateObject[], filler: Buffer, lease: string): Promise<number> {
  const response = await client.kv.txn({
    compare: [],
    success: batch.map((o) => {
      const offset = hashOf(o.key) % (filler.length - o.valueBytes);
      return { request_put: { key: Buffer.from(o.key), value: filler.subarray(offset, offset + o.valueBytes), ...(o.leased ? { lease } : {}) } };
    }),
    failure: [],
  });
  return Number(response.header.revision);
}

/** Where in the filler a key's value starts: differs by key, the same on every load. */
function hashOf(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i += 1) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return h;
}
