/**
 * A TCP proxy that delays every chunk by a latency with jitter, keeping order. The latency fault
 * runs it inside a member's network namespace, in front of its peer port: this kernel has no netem,
 * and etcd's own functional tester injects peer latency through a proxy it controls too.
 *
 *   node latency-proxy-main.js --listen PORT --target HOST:PORT --latency MS [--jitter MS] [--exit-with PID]
 */
import { createServer, connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { exitWith } from './helper-process.js';

export interface DelayOptions {
  latencyMs: number;
  jitterMs: number;
  random?: () => number;
}

/**
 * Delivery times for a stream: each chunk waits latency ± jitter, but never overtakes the one
 * before it, since TCP must stay in order.
 */
export function deliveryScheduler({ latencyMs, jitterMs, random = Math.random }: DelayOptions): (now: number) => number {
  let last = 0;
  return (now) => {
    const delay = Math.max(0, latencyMs + (random() * 2 - 1) * jitterMs);
    last = Math.max(last, now + delay);
    return last;
  };
}

function pipeDelayed(from: Socket, to: Socket, options: DelayOptions): void {
  const deliverAt = deliveryScheduler(options);
  from.on('data', (chunk) => {
    const wait = deliverAt(Date.now()) - Date.now();
    setTimeout(() => to.writable && to.write(chunk), wait);
  });
  from.on('end', () => setTimeout(() => to.end(), Math.max(0, deliverAt(Date.now()) - Date.now())));
}

export function startProxy(listenPort: number, target: { host: string; port: number }, options: DelayOptions): ReturnType<typeof createServer> {
  const server = createServer((inbound) => {
    const outbound = connect(target);
    for (const socket of [inbound, outbound]) {
      socket.setNoDelay(true);
      socket.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
      socket.on('close', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    pipeDelayed(inbound, outbound, options);
    pipeDelayed(outbound, inbound, options);
  });
  server.listen(listenPort, '0.0.0.0');
  return server;
}

export function runFromArgs(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: {
      listen: { type: 'string' },
      target: { type: 'string' },
      latency: { type: 'string' },
      jitter: { type: 'string', default: '0' },
      'exit-with': { type: 'string' },
    },
  });
  // Outlive neither the member nor its namespace: when etcd's process is gone (down, destroy,
  // kill), so is the reason to run, even if the process that injected the fault died first.
  exitWith(Number(values['exit-with']));
  const [host, port] = (values.target ?? '').split(':');
  startProxy(Number(values.listen), { host: host ?? '127.0.0.1', port: Number(port) }, { latencyMs: Number(values.latency), jitterMs: Number(values.jitter) });
}
