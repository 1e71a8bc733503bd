import { execFile } from 'node:child_process';
import { access, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DrillError } from '../errors.js';
import type { EventBus } from '../events.js';
import { log } from '../log.js';
import { DockerRuntime } from '../runtime/docker.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { LABEL_PREFIX } from './plan.js';
import { drillHome } from './state.js';

const run = promisify(execFile);

/** The default where a registry answers: etcd 3.5, what Kubernetes ships. */
export const OFFICIAL_ETCD_IMAGE = 'gcr.io/etcd-development/etcd:v3.5.17';
/** Built from the host's Debian etcd when nothing can be pulled. */
export const LOCAL_ETCD_IMAGE = 'etcd-drill/etcd:host';
export const LOCAL_LB_IMAGE = 'etcd-drill/haproxy:host';
/** Where the etcd binaries are in both the official image and ours. */
export const ETCD_BIN_DIR = '/usr/local/bin';

/** A pull that has not finished in this time is taken as "no registry": fall back to a local build. */
const PULL_TIMEOUT_MS = 15_000;

const imageLabels = {
  etcdVersion: `${LABEL_PREFIX}.etcd-version`,
  hasEtcdutl: `${LABEL_PREFIX}.has-etcdutl`,
};

export interface EtcdImage {
  ref: string;
  version: string;
  /** etcd 3.5 moved `snapshot restore/status` to etcdutl; before it they are etcdctl's. */
  hasEtcdutl: boolean;
}

export function snapshotTool(image: Pick<EtcdImage, 'hasEtcdutl'>): 'etcdutl' | 'etcdctl' {
  return image.hasEtcdutl ? 'etcdutl' : 'etcdctl';
}

export interface ResolveImageOptions {
  /** `--etcd-image`: any other image that has etcd and etcdctl in /usr/local/bin. */
  requested?: string | undefined;
  /** Pull even when a local image exists. */
  pull?: boolean | undefined;
  events?: EventBus | undefined;
}

/**
 * Picks the etcd image: the requested one, else the official image if present or pullable, else
 * one built locally from the host's binaries. Once a local image exists nothing is pulled unless
 * asked, so a machine without a registry pays for the failed pull once.
 */
export async function resolveEtcdImage(runtime: ContainerRuntime, options: ResolveImageOptions = {}): Promise<EtcdImage> {
  const { requested, pull = false, events } = options;
  if (requested) {
    events?.emit({ type: 'image.resolving', image: requested });
    if (pull || !(await runtime.inspectImage(requested))) {
      if (!(await runtime.pullImage(requested, PULL_TIMEOUT_MS))) {
        throw new DrillError(`image ${requested} is not on this machine and could not be pulled`, {
          hint: 'check the name, `docker pull` it yourself, or leave out --etcd-image to use the built-in one',
        });
      }
    }
    return describeImage(runtime, requested, events, false);
  }
  for (const candidate of [OFFICIAL_ETCD_IMAGE, LOCAL_ETCD_IMAGE]) {
    if (!pull && (await runtime.inspectImage(candidate))) return describeImage(runtime, candidate, events, false);
  }
  events?.emit({ type: 'image.resolving', image: OFFICIAL_ETCD_IMAGE });
  if (await runtime.pullImage(OFFICIAL_ETCD_IMAGE, PULL_TIMEOUT_MS)) return describeImage(runtime, OFFICIAL_ETCD_IMAGE, events, false);
  log.info(`could not pull ${OFFICIAL_ETCD_IMAGE}; building ${LOCAL_ETCD_IMAGE} from this host's etcd`);
  await buildEtcdImage(runtime, events);
  return describeImage(runtime, LOCAL_ETCD_IMAGE, events, true);
}

async function describeImage(runtime: ContainerRuntime, ref: string, events: EventBus | undefined, built: boolean): Promise<EtcdImage> {
  const details = await runtime.inspectImage(ref);
  if (!details) throw new DrillError(`image ${ref} vanished while it was being used`, { hint: 'run the command again' });
  const fromLabels = details.labels[imageLabels.etcdVersion];
  const image = fromLabels
    ? { ref, version: fromLabels, hasEtcdutl: details.labels[imageLabels.hasEtcdutl] === 'true' }
    : await probeImage(runtime, ref, details.id);
  events?.emit({ type: 'image.ready', image: ref, etcdVersion: image.version, built });
  return image;
}

/** Images we did not build are asked for their version once; the answer is cached by image ID. */
async function probeImage(runtime: ContainerRuntime, ref: string, id: string): Promise<EtcdImage> {
  const cacheFile = join(drillHome(), 'images.json');
  const cache = JSON.parse(await readFile(cacheFile, 'utf8').catch(() => '{}')) as Record<string, Omit<EtcdImage, 'ref'>>;
  const cached = cache[id];
  if (cached) return { ref, ...cached };
  const labels = { [`${LABEL_PREFIX}.probe`]: 'true' };
  const versionOut = await runtime.runOnce(ref, [`${ETCD_BIN_DIR}/etcd`, '--version'], labels);
  const version = /etcd Version:\s*(\S+)/.exec(versionOut.stdout + versionOut.stderr)?.[1];
  if (versionOut.exitCode !== 0 || !version) {
    throw new DrillError(`image ${ref} has no working ${ETCD_BIN_DIR}/etcd`, { hint: 'pick an etcd image (e.g. the official gcr.io/etcd-development/etcd)' });
  }
  const etcdutl = await runtime.runOnce(ref, [`${ETCD_BIN_DIR}/etcdutl`, 'version'], labels).catch(() => undefined);
  const described = { version, hasEtcdutl: etcdutl?.exitCode === 0 };
  cache[id] = described;
  await mkdir(dirname(cacheFile), { recursive: true });
  await writeFile(cacheFile, JSON.stringify(cache, null, 2));
  return { ref, ...described };
}

async function buildEtcdImage(runtime: ContainerRuntime, events: EventBus | undefined): Promise<void> {
  const etcd = await hostBinary('etcd', 'etcd-server');
  const etcdctl = await hostBinary('etcdctl', 'etcd-client');
  const { stdout } = await run(etcd, ['--version']);
  const version = /etcd Version:\s*(\S+)/.exec(stdout)?.[1] ?? 'unknown';
  const etcdutl = await which('etcdutl');
  events?.emit({ type: 'image.building', image: LOCAL_ETCD_IMAGE, from: `${etcd} (etcd ${version})` });
  await buildFromHostBinaries(runtime, LOCAL_ETCD_IMAGE, [etcd, etcdctl, ...(etcdutl ? [etcdutl] : [])], {
    [imageLabels.etcdVersion]: version,
    [imageLabels.hasEtcdutl]: String(etcdutl !== undefined),
  });
}

/** HAProxy for the `lb` topology, built the same way as the etcd image. */
export async function ensureLoadBalancerImage(runtime: ContainerRuntime, events?: EventBus): Promise<string> {
  if (await runtime.inspectImage(LOCAL_LB_IMAGE)) return LOCAL_LB_IMAGE;
  const haproxy = await hostBinary('haproxy', 'haproxy');
  events?.emit({ type: 'image.building', image: LOCAL_LB_IMAGE, from: haproxy });
  await buildFromHostBinaries(runtime, LOCAL_LB_IMAGE, [haproxy], {});
  return LOCAL_LB_IMAGE;
}

/**
 * `etcd-drill prepare`: makes sure the etcd image (as `resolveEtcdImage` picks it) and the load
 * balancer's exist, on Docker unless another engine is given.
 */
export async function prepareImages(options: ResolveImageOptions & { runtime?: ContainerRuntime } = {}): Promise<{ etcd: EtcdImage; loadBalancer: string }> {
  const runtime = options.runtime ?? new DockerRuntime();
  await runtime.ping();
  const etcd = await resolveEtcdImage(runtime, { requested: options.requested, pull: options.pull, events: options.events });
  const loadBalancer = await ensureLoadBalancerImage(runtime, options.events);
  return { etcd, loadBalancer };
}

/**
 * A `FROM scratch` image holding the binaries and exactly the shared libraries `ldd` lists:
 * seconds to build, no registry needed, and no shell inside (readiness is probed from outside).
 */
async function buildFromHostBinaries(runtime: ContainerRuntime, tag: string, binaries: string[], labels: Record<string, string>): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), 'etcd-drill-image-'));
  try {
    const rootfs = join(context, 'rootfs');
    const libraries = new Set<string>();
    for (const binary of binaries) {
      await copyInto(rootfs, binary, join(ETCD_BIN_DIR, binary.split('/').pop() as string));
      for (const lib of await sharedLibraries(binary)) libraries.add(lib);
    }
    // Copy the file behind each link: the image has no link targets of its own.
    for (const lib of libraries) await copyInto(rootfs, lib, lib);
    await mkdir(join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 });
    await mkdir(join(rootfs, 'var', 'lib', 'etcd'), { recursive: true, mode: 0o700 });
    const labelLines = Object.entries(labels).map(([k, v]) => `LABEL ${k}="${v}"`);
    await writeFile(join(context, 'Dockerfile'), ['FROM scratch', 'COPY rootfs/ /', ...labelLines, ''].join('\n'));
    await runtime.buildImage(context, tag);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function copyInto(rootfs: string, source: string, target: string): Promise<void> {
  const destination = join(rootfs, target);
  await mkdir(dirname(destination), { recursive: true });
  await copyFile(source, destination);
}

/** Absolute paths of the shared libraries a binary loads, the loader included. */
export function parseLdd(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match?.[1]) paths.push(match[1]);
  }
  return paths;
}

async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return parseLdd(stdout);
}

async function which(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const candidate = join(dir, command);
    if (await access(candidate).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** Finds a host binary, installing its Debian package when we are root on Debian/Ubuntu. */
async function hostBinary(command: string, debianPackage: string): Promise<string> {
  const found = await which(command);
  if (found) return found;
  const aptGet = await which('apt-get');
  if (aptGet && process.getuid?.() === 0) {
    log.info(`installing Debian's ${debianPackage} to build the image`);
    await run(aptGet, ['install', '-y', debianPackage], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).catch(async () => {
      await run(aptGet, ['update']);
      await run(aptGet, ['install', '-y', debianPackage], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    });
    const installed = await which(command);
    if (installed) return installed;
  }
  throw new DrillError(`no ${command} binary on this host to build an image from, and no etcd image could be pulled`, {
    hint: `install ${debianPackage} (apt-get install ${debianPackage}) or pass --etcd-image with an image you have`,
  });
}
