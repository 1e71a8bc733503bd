/**
 * The narrow interface over the container engine. Everything that touches Docker goes through
 * one of these; planners, parsers and faults' planning logic are tested against a fake.
 */
export interface FileToCopy {
  /** Absolute path inside the container. */
  target: string;
  content: string | Buffer;
  mode: number;
}

/**
 * A named volume, made by the engine when a container first mounts it and labelled like that
 * container, so a clean-up by label finds it even when it was made while a teardown ran.
 */
export interface VolumeMount {
  name: string;
  /** Absolute path inside the container. */
  target: string;
  /** Backed by tmpfs: what is written there never reaches a disk. */
  inMemory?: boolean;
}

export interface ContainerSpec {
  name: string;
  image: string;
  hostname: string;
  network: string;
  aliases: string[];
  /** A fixed IPv4 address on the network; the engine picks one if undefined. */
  address?: string | undefined;
  command: string[];
  labels: Record<string, string>;
  files: FileToCopy[];
  /** Container ports to publish on 127.0.0.1; a host port of undefined lets the engine pick a free one. */
  publish: { containerPort: number; hostPort: number | undefined }[];
  resources?: { cpus?: number | undefined; memoryMb?: number | undefined };
  /** Named volumes to mount (a restored member's data dir). */
  volumes?: VolumeMount[];
  /** Resolves when the container is ready; runs after the engine reports it started. */
  ready: (container: StartedContainer) => Promise<void>;
  /** How long `ready` may take before the start counts as failed. */
  readyTimeoutMs: number;
  /** Awaited once the container exists, right before its process starts: when a start must wait its turn. */
  beforeStart?: () => Promise<void>;
  /** Called once the engine has started the process, before `ready` is awaited. */
  onProcessStarted?: (containerId: string) => void;
}

export interface StartedContainer {
  id: string;
  name: string;
  /** container port → host port on 127.0.0.1 */
  hostPorts: Record<number, number>;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface LabelledObjects {
  containers: { id: string; name: string; labels: Record<string, string>; state: string }[];
  networks: { id: string; name: string; labels: Record<string, string> }[];
  volumes: { name: string; labels: Record<string, string> }[];
}

export interface ImageDetails {
  id: string;
  labels: Record<string, string>;
}

export interface ContainerState {
  running: boolean;
  paused: boolean;
  /** The kernel's OOM killer ended the process. */
  oomKilled: boolean;
  exitCode: number;
  /** When its process last exited, as the engine recorded it (ms since the epoch); undefined if it never has. */
  finishedAt: number | undefined;
  /** Host PID of the container's process (0 when not running): the key to its network namespace. */
  pid: number;
  /** IP address on each network it is attached to. */
  ips: Record<string, string>;
  resources: Resources;
}

/** CPU and memory limits as Docker keeps them; 0 means unlimited. */
export interface Resources {
  nanoCpus: number;
  cpuQuota: number;
  cpuPeriod: number;
  memoryBytes: number;
  memorySwapBytes: number;
}

export interface ResourceUsage {
  memoryBytes: number;
  /** CPU time since the container started; the difference of two readings over wall time is its CPU use. */
  cpuTotalNs: number;
}

export interface ContainerRuntime {
  /** Throws RuntimeUnavailableError with a hint when the engine cannot be reached. */
  ping(): Promise<void>;
  inspectImage(ref: string): Promise<ImageDetails | undefined>;
  /** Gives up after `timeoutMs`; returns false instead of throwing when the image cannot be had. */
  pullImage(ref: string, timeoutMs: number): Promise<boolean>;
  buildImage(contextDir: string, tag: string): Promise<void>;
  /** Runs a command in a throwaway container of `image` (with files copied in and volumes mounted) and returns its output. */
  runOnce(image: string, command: string[], labels: Record<string, string>, extra?: { files?: FileToCopy[]; volumes?: VolumeMount[]; env?: string[] }): Promise<ExecResult>;
  /** Starts `command` in a container of `image` with no network and the volumes mounted, for `exec` and `copyToContainer`; returns its ID. */
  startOffline(image: string, command: string[], labels: Record<string, string>, volumes: VolumeMount[]): Promise<string>;
  /** One file out of a container, running or stopped (`docker cp`). */
  copyFromContainer(containerId: string, path: string): Promise<Buffer>;
  /** Writes files into a container, running or stopped. */
  copyToContainer(containerId: string, files: FileToCopy[]): Promise<void>;
  restart(containerId: string): Promise<void>;
  /** A bridge network whose subnet the engine chose (free of its other networks and the host's routes) and fixed, so containers can be given addresses in it. */
  createNetwork(name: string, labels: Record<string, string>): Promise<{ id: string; subnet: string }>;
  startContainer(spec: ContainerSpec): Promise<StartedContainer>;
  exec(containerId: string, command: string[], options?: { timeoutMs?: number; env?: string[] }): Promise<ExecResult>;
  isRunning(containerId: string): Promise<boolean>;
  inspect(containerId: string): Promise<ContainerState>;
  start(containerId: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceSeconds`. */
  stop(containerId: string, graceSeconds: number): Promise<void>;
  pause(containerId: string): Promise<void>;
  unpause(containerId: string): Promise<void>;
  updateResources(containerId: string, resources: Partial<Resources>): Promise<void>;
  /** What the container's cgroup charges now: memory (page cache included: what a new limit must exceed) and CPU time used so far. */
  usage(containerId: string): Promise<ResourceUsage>;
  /**
   * Limits (or, with undefined, frees) the container's writes to the disk that holds the engine's
   * data, through the kernel's block-I/O cgroup; throws where the engine is not on this host.
   */
  throttleDiskWrites(containerId: string, limit: { iops: number; bytesPerSecond: number } | undefined): Promise<void>;
  /** Runs a host command inside the container's network namespace (iptables, a proxy); the container needs no tools. */
  netnsExec(containerId: string, command: string[]): Promise<ExecResult>;
  /** Starts a long-running host process inside the container's network namespace; returns its host PID. */
  netnsSpawn(containerId: string, command: string[]): Promise<number>;
  /** SIGKILL by default: the process dies at once, as in a crash. */
  kill(containerId: string, signal?: string): Promise<void>;
  /** The container's output (stdout and stderr) since a time, for reading a process's own account of an event. */
  logs(containerId: string, options?: { sinceMs?: number }): Promise<string>;
  findByLabels(labels: Record<string, string>): Promise<LabelledObjects>;
  /** Removes what exists; objects already gone are not an error. */
  remove(objects: LabelledObjects): Promise<void>;
}
