import { readFile, stat, writeFile } from 'node:fs/promises';
import { RuntimeUnavailableError, describeError } from '../errors.js';

/**
 * Write throttling through the block-I/O cgroup of a container's process, from the host's cgroup
 * files (v1's blkio throttle, v2's io.max): the disk-io fault's means. Limits apply per device.
 */
export interface WriteLimit {
  iops: number;
  bytesPerSecond: number;
}

/** Sets (or with `undefined` lifts) the write limits of `pid`'s cgroup on `device` (major:minor). */
export async function throttleWrites(pid: number, device: string, limit: WriteLimit | undefined): Promise<void> {
  const cgroups = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  const v1 = /^\d+:[^:]*\bblkio\b[^:]*:(.*)$/m.exec(cgroups)?.[1];
  const v2 = /^0::(.*)$/m.exec(cgroups)?.[1];
  const unsupported = (why: string) =>
    new RuntimeUnavailableError(`disk I/O throttling is not available here: ${why}`, { hint: 'use cpu or latency faults to slow the member instead' });
  try {
    if (v1 !== undefined) {
      const dir = `/sys/fs/cgroup/blkio${v1}`;
      await writeFile(`${dir}/blkio.throttle.write_iops_device`, `${device} ${limit?.iops ?? 0}`);
      await writeFile(`${dir}/blkio.throttle.write_bps_device`, `${device} ${limit?.bytesPerSecond ?? 0}`);
    } else if (v2 !== undefined) {
      const value = limit ? `wiops=${limit.iops} wbps=${limit.bytesPerSecond}` : 'wiops=max wbps=max';
      await writeFile(`/sys/fs/cgroup${v2}/io.max`, `${device} ${value}`);
    } else {
      throw unsupported('the container has no block-I/O cgroup');
    }
  } catch (err) {
    if (err instanceof RuntimeUnavailableError) throw err;
    throw unsupported(describeError(err));
  }
}

/** major:minor of the block device under `path` (the engine's data root), as the I/O cgroup names it. */
export async function blockDeviceOf(path: string): Promise<string> {
  const { dev } = await stat(path);
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  return `${major}:${minor}`;
}
