import type Docker from 'dockerode';
import type { GenericContainer, WaitStrategy } from 'testcontainers';
import { ConditionTimeoutError } from '../errors.js';
import type { ContainerSpec, StartedContainer, VolumeMount } from './runtime.js';

// How a container of ours is made and started through testcontainers: published on 127.0.0.1,
// on its network with its aliases from creation, volumes as labelled mounts, start hooks, and a
// readiness probe the caller gives.

/** A tmpfs-backed local volume rather than a container tmpfs mount: the engine can copy files in and out of a volume. */
const IN_MEMORY_VOLUME_DRIVER = { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1g,mode=0700' } };
const DISK_VOLUME_DRIVER = { Name: 'local', Options: {} };

/** Mounts rather than binds: a volume the engine makes on first mount gets our labels (and tmpfs) instead of none. */
export function volumeMounts(volumes: VolumeMount[], labels: Record<string, string>): Docker.MountSettings[] {
  return volumes.map((v) => ({
    Type: 'volume',
    Source: v.name,
    Target: v.target,
    VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: v.inMemory ? IN_MEMORY_VOLUME_DRIVER : DISK_VOLUME_DRIVER },
  }));
}

/**
 * testcontainers publishes on every interface and can only attach aliases by connecting a second
 * network after creation; etcd access equals root on Kubernetes, so publish on 127.0.0.1 only and
 * put the member on its network, with its aliases, at creation. Made on first use: testcontainers
 * is the heaviest import there is, and most CLI calls (a team's script calls `member` verbs dozens
 * of times) start no container.
 */
let etcdDrillContainer: Promise<new (spec: ContainerSpec) => GenericContainer> | undefined;

export function containerClass(): Promise<new (spec: ContainerSpec) => GenericContainer> {
  etcdDrillContainer ??= import('testcontainers').then(
    ({ GenericContainer }) =>
      class EtcdDrillContainer extends GenericContainer {
        constructor(private readonly spec: ContainerSpec) {
          super(spec.image);
          // Our labels and sweeper clean up our containers; the user's own testcontainers keep their reaper.
          this.withAutoCleanup(false);
        }

        protected override async beforeContainerCreated(): Promise<void> {
          const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
          for (const { containerPort, hostPort } of this.spec.publish) {
            bindings[`${containerPort}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: hostPort === undefined ? '' : String(hostPort) }];
          }
          this.hostConfig.PortBindings = bindings;
          if (this.spec.volumes?.length) this.hostConfig.Mounts = volumeMounts(this.spec.volumes, this.spec.labels);
          const endpoint = { Aliases: this.spec.aliases, ...(this.spec.address ? { IPAMConfig: { IPv4Address: this.spec.address } } : {}) };
          this.createOpts.NetworkingConfig = { EndpointsConfig: { [this.spec.network]: endpoint } };
        }

        private containerId = '';

        protected override async containerCreated(containerId: string): Promise<void> {
          this.containerId = containerId;
          await this.spec.beforeStart?.();
        }

        protected override async containerStarting(): Promise<void> {
          this.spec.onProcessStarted?.(this.containerId);
        }
      },
  );
  return etcdDrillContainer;
}

/** A testcontainers wait strategy that hands readiness to the caller's probe (no shell needed). */
export class ProbeWaitStrategy implements WaitStrategy {
  constructor(
    private readonly spec: ContainerSpec,
    private timeoutMs: number,
  ) {}

  async waitUntilReady(container: Docker.Container): Promise<void> {
    const info = await container.inspect();
    const started: StartedContainer = { id: info.Id, name: info.Name.replace(/^\//, ''), hostPorts: hostPortsOf(info) };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ConditionTimeoutError(`${started.name} was not ready within ${this.timeoutMs} ms`, { hint: 'see `docker logs ' + started.name + '`' })),
        this.timeoutMs,
      );
    });
    try {
      await Promise.race([this.spec.ready(started), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return true;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

export function hostPortsOf(info: Docker.ContainerInspectInfo): Record<number, number> {
  const ports: Record<number, number> = {};
  for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const hostPort = bindings?.[0]?.HostPort;
    if (hostPort) ports[Number.parseInt(key, 10)] = Number.parseInt(hostPort, 10);
  }
  return ports;
}
