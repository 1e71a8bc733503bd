import { execFile, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { ConditionTimeoutError, ContainerGoneError, DrillError, RuntimeUnavailableError, describeError } from '../errors.js';
import { blockDeviceOf, throttleWrites, type WriteLimit } from './blkio.js';
import { ProbeWaitStrategy, containerClass, hostPortsOf, volumeMounts } from './container-start.js';
import { waitFor } from '../wait.js';
import type { ContainerRuntime, ContainerSpec, ContainerState, ExecResult, FileToCopy, ImageDetails, LabelledObjects, ResourceUsage, Resources, StartedContainer, VolumeMount } from './runtime.js';

const run = promisify(execFile);

const PING_TIMEOUT_MS = 5_000;
/** A forced removal is a SIGKILL and a delete: seconds even on a loaded engine; a minute means it is stuck. */
const REMOVAL_TIMEOUT_MS = 60_000;
/** Subnets the engine chose for this process's networks, in the order it chose them: tried first for the next one. */
const ENGINE_CHOSEN_SUBNETS = new Set<string>();

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { statusCode?: number }).statusCode === 404;
}

async function collectOutput(docker: Docker, stream: NodeJS.ReadableStream, tty: boolean): Promise<{ stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  if (tty) stream.pipe(stdout);
  else docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve).on('close', resolve).on('error', reject);
  });
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** A tar archive of files at their absolute paths, as the engine's archive endpoint takes it. */
async function tarOf(files: FileToCopy[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => pack.on('end', resolve).on('error', reject));
  for (const file of files) {
    const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    pack.entry({ name: file.target.replace(/^\//, ''), mode: file.mode, size: content.length }, content);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The first regular file in a tar stream (the engine wraps a copied file in one). */
function firstFileOf(archive: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    let found: Buffer | undefined;
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (!found && header.type === 'file') found = Buffer.concat(chunks);
        next();
      });
      stream.resume();
    });
    extract.on('finish', () => (found ? resolve(found) : reject(new Error('the archive held no file'))));
    extract.on('error', reject);
    archive.pipe(extract);
  });
}

/** Docker frames non-TTY output as [stream, 0, 0, 0, size(4)] + payload; join the payloads. */
function demuxBuffer(raw: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

export class DockerRuntime implements ContainerRuntime {
  private readonly docker = new Docker();

  async ping(): Promise<void> {
    const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.docker.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer')), PING_TIMEOUT_MS);
        }),
      ]);
    } catch (cause) {
      throw new RuntimeUnavailableError(`Docker is not reachable at ${where}`, {
        hint: 'run `npm run setup` (installs and starts the engine on Debian/Ubuntu as root) or set DOCKER_HOST',
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async inspectImage(ref: string): Promise<ImageDetails | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      return { id: info.Id, labels: info.Config?.Labels ?? {} };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async pullImage(ref: string, timeoutMs: number): Promise<boolean> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const stream = await this.docker.pull(ref, { abortSignal: abort.signal });
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve()));
      });
      return (await this.inspectImage(ref)) !== undefined;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The engine's own build (testcontainers' builder would ask for its reaper, whose image no registry here serves). */
  async buildImage(contextDir: string, tag: string): Promise<void> {
    const stream = await this.docker.buildImage({ context: contextDir, src: await readdir(contextDir) }, { t: tag });
    const output = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err, result) => (err ? reject(err) : resolve(result)));
    });
    const failed = output.find((line) => line.error);
    if (failed) throw new DrillError(`building image ${tag} failed: ${failed.errorDetail?.message ?? failed.error}`, { hint: 'see the Docker engine\'s log' });
  }

  /** A container with no network: it reaches nothing and nothing reaches it. */
  private createOffline(image: string, command: string[], labels: Record<string, string>, volumes: VolumeMount[] = [], env?: string[]): Promise<Docker.Container> {
    return this.docker.createContainer({ Image: image, Cmd: command, Labels: labels, Env: env, HostConfig: { NetworkMode: 'none', Mounts: volumeMounts(volumes, labels) } });
  }

  async runOnce(image: string, command: string[], labels: Record<string, string>, extra: { files?: FileToCopy[]; volumes?: VolumeMount[]; env?: string[] } = {}): Promise<ExecResult> {
    const container = await this.createOffline(image, command, labels, extra.volumes, extra.env);
    try {
      if (extra.files?.length) await container.putArchive(await tarOf(extra.files), { path: '/' });
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const output = collectOutput(this.docker, stream, false);
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      return { exitCode: StatusCode, ...(await output) };
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  async startOffline(image: string, command: string[], labels: Record<string, string>, volumes: VolumeMount[]): Promise<string> {
    const container = await this.createOffline(image, command, labels, volumes);
    try {
      await container.start();
    } catch (err) {
      await container.remove({ force: true, v: true }).catch(() => undefined);
      throw err;
    }
    return container.id;
  }

  async copyFromContainer(containerId: string, path: string): Promise<Buffer> {
    const archive = await this.docker.getContainer(containerId).getArchive({ path });
    return firstFileOf(archive);
  }

  async copyToContainer(containerId: string, files: FileToCopy[]): Promise<void> {
    await this.docker.getContainer(containerId).putArchive(await tarOf(files), { path: '/' });
  }

  async restart(containerId: string): Promise<void> {
    await this.docker.getContainer(containerId).restart({ t: 10 });
  }

  async createNetwork(name: string, labels: Record<string, string>): Promise<{ id: string; subnet: string }> {
    const withSubnet = (subnet: string) => this.docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels, IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] } });
    // A subnet the engine chose for an earlier network of ours is clear of the host's routes; once
    // that network is gone it is free again (else the engine says it overlaps): one create, not three calls.
    for (const subnet of ENGINE_CHOSEN_SUBNETS) {
      try {
        return { id: (await withSubnet(subnet)).id, subnet };
      } catch (err) {
        if (!/overlap/i.test(describeError(err))) throw err;
      }
    }
    // Fixed addresses need a subnet given at creation: let the engine choose a free one first, then
    // make the network again with it.
    const chosen = await this.docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
    const subnet = ((await chosen.inspect()) as Docker.NetworkInspectInfo).IPAM?.Config?.[0]?.Subnet;
    await chosen.remove();
    if (!subnet) throw new DrillError(`the engine gave network ${name} no IPv4 subnet`, { hint: 'check the daemon\'s default-address-pools' });
    const network = await withSubnet(subnet);
    ENGINE_CHOSEN_SUBNETS.add(subnet);
    return { id: network.id, subnet };
  }

  async startContainer(spec: ContainerSpec): Promise<StartedContainer> {
    const EtcdDrillContainer = await containerClass();
    const container = new EtcdDrillContainer(spec)
      .withName(spec.name)
      .withHostname(spec.hostname)
      .withNetworkMode(spec.network)
      .withCommand(spec.command)
      .withLabels(spec.labels)
      .withExposedPorts(...spec.publish.map((p) => p.containerPort))
      .withCopyContentToContainer(spec.files.map((f) => ({ content: f.content, target: f.target, mode: f.mode })))
      .withWaitStrategy(new ProbeWaitStrategy(spec, spec.readyTimeoutMs))
      .withStartupTimeout(spec.readyTimeoutMs);
    if (spec.resources?.cpus !== undefined || spec.resources?.memoryMb !== undefined) {
      container.withResourcesQuota({ cpu: spec.resources.cpus, memory: spec.resources.memoryMb === undefined ? undefined : spec.resources.memoryMb / 1024 });
    }
    const started = await container.start();
    const info = await this.docker.getContainer(started.getId()).inspect();
    return { id: started.getId(), name: spec.name, hostPorts: hostPortsOf(info) };
  }

  async exec(containerId: string, command: string[], options: { timeoutMs?: number; env?: string[] } = {}): Promise<ExecResult> {
    const exec = await this.docker.getContainer(containerId).exec({ Cmd: command, Env: options.env, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    let timer: NodeJS.Timeout | undefined;
    const output = options.timeoutMs
      ? Promise.race([
          collectOutput(this.docker, stream, false),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              stream.removeAllListeners();
              (stream as unknown as { destroy?: () => void }).destroy?.();
              reject(new ConditionTimeoutError(`\`${command.join(' ')}\` gave no answer within ${options.timeoutMs} ms`));
            }, options.timeoutMs);
          }),
        ])
      : collectOutput(this.docker, stream, false);
    try {
      const { stdout, stderr } = await output;
      const { ExitCode } = await exec.inspect();
      return { exitCode: ExitCode ?? -1, stdout, stderr };
    } finally {
      clearTimeout(timer);
    }
  }

  async isRunning(containerId: string): Promise<boolean> {
    try {
      const info = await this.docker.getContainer(containerId).inspect();
      return info.State.Running && !info.State.Paused;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async inspect(containerId: string): Promise<ContainerState> {
    const info = await this.docker
      .getContainer(containerId)
      .inspect()
      .catch((err: unknown) => {
        throw isNotFound(err) ? new ContainerGoneError(`container ${containerId.slice(0, 12)} no longer exists`) : err;
      });
    const ips: Record<string, string> = {};
    for (const [network, endpoint] of Object.entries(info.NetworkSettings.Networks ?? {})) if (endpoint.IPAddress) ips[network] = endpoint.IPAddress;
    const host = info.HostConfig;
    return {
      running: info.State.Running,
      paused: info.State.Paused,
      oomKilled: info.State.OOMKilled,
      exitCode: info.State.ExitCode,
      // The engine writes the zero time for a container that never exited.
      finishedAt: info.State.FinishedAt && !info.State.FinishedAt.startsWith('0001-') ? Date.parse(info.State.FinishedAt) : undefined,
      pid: info.State.Pid,
      ips,
      resources: {
        nanoCpus: host.NanoCpus ?? 0,
        cpuQuota: host.CpuQuota ?? 0,
        cpuPeriod: host.CpuPeriod ?? 0,
        memoryBytes: host.Memory ?? 0,
        memorySwapBytes: host.MemorySwap ?? 0,
      },
    };
  }

  async start(containerId: string): Promise<void> {
    await this.docker.getContainer(containerId).start().catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 304) throw err; // already running
    });
  }

  async stop(containerId: string, graceSeconds: number): Promise<void> {
    await this.docker.getContainer(containerId).stop({ t: graceSeconds }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 304) throw err; // already stopped
    });
  }

  async pause(containerId: string): Promise<void> {
    await this.docker.getContainer(containerId).pause();
  }

  async unpause(containerId: string): Promise<void> {
    await this.docker.getContainer(containerId).unpause();
  }

  async updateResources(containerId: string, resources: Partial<Resources>): Promise<void> {
    await this.docker.getContainer(containerId).update({
      ...(resources.nanoCpus !== undefined ? { NanoCpus: resources.nanoCpus } : {}),
      ...(resources.cpuQuota !== undefined ? { CpuQuota: resources.cpuQuota } : {}),
      ...(resources.cpuPeriod !== undefined ? { CpuPeriod: resources.cpuPeriod } : {}),
      ...(resources.memoryBytes !== undefined ? { Memory: resources.memoryBytes } : {}),
      ...(resources.memorySwapBytes !== undefined ? { MemorySwap: resources.memorySwapBytes } : {}),
    });
  }

  async usage(containerId: string): Promise<ResourceUsage> {
    // one-shot: a single reading at once, instead of Docker waiting a second for a second sample.
    const stats = (await this.docker.getContainer(containerId).stats({ stream: false, 'one-shot': true } as { stream: false })) as {
      memory_stats?: { usage?: number };
      cpu_stats?: { cpu_usage?: { total_usage?: number } };
    };
    return { memoryBytes: stats.memory_stats?.usage ?? 0, cpuTotalNs: stats.cpu_stats?.cpu_usage?.total_usage ?? 0 };
  }

  async netnsExec(containerId: string, command: string[]): Promise<ExecResult> {
    const pid = await this.runningPid(containerId);
    try {
      const { stdout, stderr } = await run('nsenter', [`--target=${pid}`, '--net', '--', ...command]);
      return { exitCode: 0, stdout, stderr };
    } catch (err) {
      const failed = err as { code?: number; stdout?: string; stderr?: string };
      return { exitCode: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(err) };
    }
  }

  async netnsSpawn(containerId: string, command: string[]): Promise<number> {
    const pid = await this.runningPid(containerId);
    const child = spawn('nsenter', [`--target=${pid}`, '--net', '--', ...command], { detached: true, stdio: 'ignore' });
    child.unref();
    if (child.pid === undefined) throw new RuntimeUnavailableError(`could not start ${command[0]} in ${containerId.slice(0, 12)}'s network namespace`);
    return child.pid;
  }

  async throttleDiskWrites(containerId: string, limit: WriteLimit | undefined): Promise<void> {
    const info = (await this.docker.info()) as { DockerRootDir?: string };
    await throttleWrites(await this.runningPid(containerId), await blockDeviceOf(info.DockerRootDir ?? '/var/lib/docker'), limit);
  }

  private async runningPid(containerId: string): Promise<number> {
    const { pid, running } = await this.inspect(containerId);
    if (!running || pid === 0) throw new RuntimeUnavailableError(`container ${containerId.slice(0, 12)} is not running, so its network namespace is gone`);
    return pid;
  }

  async kill(containerId: string, signal = 'SIGKILL'): Promise<void> {
    await this.docker.getContainer(containerId).kill({ signal });
  }

  async logs(containerId: string, options: { sinceMs?: number } = {}): Promise<string> {
    const raw = (await this.docker.getContainer(containerId).logs({
      stdout: true,
      stderr: true,
      follow: false,
      since: options.sinceMs === undefined ? 0 : Math.floor(options.sinceMs / 1000),
    })) as unknown as Buffer;
    return demuxBuffer(raw);
  }

  async findByLabels(labels: Record<string, string>): Promise<LabelledObjects> {
    const label = Object.entries(labels).map(([k, v]) => (v === '' ? k : `${k}=${v}`));
    const filters = JSON.stringify({ label });
    const [containers, networks, volumes] = await Promise.all([
      this.docker.listContainers({ all: true, filters }),
      this.docker.listNetworks({ filters }),
      this.docker.listVolumes({ filters }),
    ]);
    return {
      containers: containers.map((c) => ({ id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, ''), labels: c.Labels, state: c.State })),
      networks: networks.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} })),
      volumes: (volumes.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} })),
    };
  }

  async remove(objects: LabelledObjects): Promise<void> {
    const ignoreGone = (err: unknown) => {
      if (!isNotFound(err)) throw err;
    };
    await Promise.all(objects.containers.map((c) => this.removeContainer(c.id).catch(ignoreGone)));
    await Promise.all(objects.networks.map((n) => this.docker.getNetwork(n.id).remove().catch(ignoreGone)));
    await Promise.all(objects.volumes.map((v) => this.docker.getVolume(v.name).remove().catch(ignoreGone)));
  }

  /**
   * Force-removes a container; one whose removal someone else started is gone only once that
   * removal ends, so wait for it: the network and volumes it holds cannot go before.
   */
  private async removeContainer(id: string): Promise<void> {
    const container = this.docker.getContainer(id);
    try {
      await container.remove({ force: true, v: true });
    } catch (err) {
      if (!String(err).includes('is already in progress')) throw err;
      await waitFor(async () => container.inspect().then(() => undefined, (inspectErr: unknown) => {
        if (isNotFound(inspectErr)) return true;
        throw inspectErr;
      }), { timeoutMs: REMOVAL_TIMEOUT_MS, intervalMs: 100, description: `the removal of container ${id.slice(0, 12)} another caller started` });
    }
  }
}
