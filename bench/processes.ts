import type { ChildProcess } from 'node:child_process';

/** Kills the floor's processes and waits until each has exited, so its data dir can go. */
export async function killAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(null) : (c.once('exit', resolve), c.kill('SIGKILL'))))));
}
