import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, noop, retry, type IBackoff } from 'cockatiel';
import type { PemPair } from './tls.js';

export interface ClientTls {
  ca: string;
  client: PemPair;
}

export interface ClientOptions {
  hosts: string[];
  tls: ClientTls | undefined;
  /** Deadline for every unary call. */
  requestTimeoutMs: number;
  /**
   * `resilient` (the default for users): retry recoverable errors on another host and open a
   * per-host breaker, like an API server would. `none`: every call hits one host once, so the
   * workload and probes see each failure exactly as it happened.
   */
  faultHandling?: 'resilient' | 'none';
  /** With `resilient`: attempts per call, each on the next host (default: one per host, at least two). */
  maxAttempts?: number;
}

/** The library defaults (retries, 30 s dial) would hide faults and outlast drills: set each one. */
export function createClient(options: ClientOptions): Etcd3 {
  const { hosts, tls, requestTimeoutMs } = options;
  const resilient = (options.faultHandling ?? 'resilient') === 'resilient';
  // etcd3 calls `.next()` on this itself (a backoff factory), though its typings ask for a started backoff.
  const watchBackoff = new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }) as unknown as IBackoff<unknown>;
  const config: IOptions = {
    hosts,
    dialTimeout: requestTimeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
    faultHandling: resilient
      ? {
          host: () => circuitBreaker(handleWhen(neverReachedServer), { halfOpenAfter: requestTimeoutMs, breaker: new ConsecutiveBreaker(3) }),
          global: retry(handleWhen(neverReachedServer), { maxAttempts: options.maxAttempts ?? Math.max(2, hosts.length), backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }) }),
          watchBackoff,
        }
      : { host: () => noop, global: noop, watchBackoff },
  };
  if (tls) {
    // Endpoints are 127.0.0.1; an IP is no valid TLS server name (RFC 6066), and every member's certificate also names localhost.
    config.grpcOptions = { 'grpc.ssl_target_name_override': 'localhost' };
    config.credentials = {
      rootCertificate: Buffer.from(tls.ca),
      certChain: Buffer.from(tls.client.cert),
      privateKey: Buffer.from(tls.client.key),
    };
  }
  return new Etcd3(config);
}

/**
 * Only a call that surely never reached a server is safe to send again. A put that timed out may
 * still be applied later, after a newer write of the same key: retrying it would bring the old
 * value back (the acked-writes-durable check caught exactly that under a CPU-starved leader).
 * etcd's own Go client retries mutations on the same rule.
 */
export function neverReachedServer(err: Error): boolean {
  // "Waiting for LB pick": the deadline passed before any connection took the call (a blackholed member).
  return isRecoverableError(err) && /No connection established|ECONNREFUSED|circuit breaker is open|Waiting for LB pick/i.test(err.message);
}

/** etcd reports member IDs as decimal uint64 strings; etcdctl and operators use hex. */
export function memberIdHex(decimal: string): string {
  return BigInt(decimal).toString(16);
}

export { classifyError, type ErrorKind } from './error-kinds.js';
