import { createServer, type AddressInfo, type Server } from 'node:net';
import { DrillError } from '../errors.js';
import type { ClusterPlan } from './plan.js';

// Host ports are held for a moment to pick them: at boot for every member and the load balancer,
// and for each member added later.

/**
 * Fixes every published port before any container exists: requested ports must be free, the others
 * are picked free now. Docker would pick new ports on every restart otherwise, and a member that
 * comes back from a fault would move away from its endpoint and from `etcd-drill env`.
 */
export async function pinHostPorts(plan: ClusterPlan): Promise<ClusterPlan> {
  const ports = await pinPorts([...plan.members.map((m) => m.hostPort), ...(plan.loadBalancer ? [plan.loadBalancer.hostPort] : [])]);
  return {
    ...plan,
    members: plan.members.map((m, i) => ({ ...m, hostPort: ports[i] })),
    loadBalancer: plan.loadBalancer ? { ...plan.loadBalancer, hostPort: ports[plan.members.length] } : undefined,
  };
}

/** Each requested port if free (else a clear error), a free one for each undefined; all distinct. */
export async function pinPorts(requested: (number | undefined)[]): Promise<number[]> {
  const held: Server[] = [];
  const hold = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = createServer()
        .once('error', () => resolve(undefined))
        .listen(port, '127.0.0.1', () => {
          held.push(server);
          resolve((server.address() as AddressInfo).port);
        });
    });
  try {
    const ports: number[] = [];
    for (const port of requested) {
      const got = await hold(port ?? 0);
      if (got === undefined) {
        throw new DrillError(`port ${port} on 127.0.0.1 is already in use`, { hint: 'pick another --base-port, or leave it out to use free ports' });
      }
      ports.push(got);
    }
    return ports;
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
