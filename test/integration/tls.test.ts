import { Etcd3, type IOptions } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCa, issueClientCert, startCluster, type Cluster, type PemPair } from '../../src/index.js';
import { readTls } from '../../src/topology/tls.js';
import { expectClusterGone, runtime } from './helpers.js';

const HOUR = 3_600_000;

/**
 * §2 of the seed: only clients holding a certificate from the cluster's CA get in. Each refusal is
 * asserted twice: the client's error, and etcd's own account of why it rejected the connection.
 */
describe('TLS on by default', () => {
  let cluster: Cluster;
  let ca: PemPair;
  beforeAll(async () => {
    cluster = await startCluster({ name: 'it-tls', topology: 'single' });
    ca = (await readTls(cluster.tlsDir!, [])).ca;
  });
  afterAll(async () => {
    await cluster?.stop();
    await expectClusterGone('it-tls');
  });

  /** Tries one put with the given credentials; returns the client's error and what etcd logged meanwhile. */
  async function attempt(hosts: string[], credentials: IOptions['credentials']) {
    const since = Date.now();
    const client = new Etcd3({
      hosts,
      credentials,
      dialTimeout: 2000,
      grpcOptions: { 'grpc.ssl_target_name_override': 'localhost' },
      faultHandling: { host: () => ({ execute: (fn: () => unknown) => fn() }) as never, global: { execute: (fn: () => unknown) => fn() } as never },
      defaultCallOptions: () => ({ deadline: Date.now() + 3000 }),
    });
    let error: Error | undefined;
    try {
      await client.put('/registry/secrets/kube-system/token').value('stolen');
    } catch (err) {
      error = err as Error;
    } finally {
      client.close();
    }
    const log = await runtime.logs(cluster.members[0]!.containerId, { sinceMs: since });
    return { error, rejection: rejectionsSince(log, since) };
  }

  /** etcd's "rejected connection" lines logged at or after `since` (docker's own `since` has 1 s granularity). */
  function rejectionsSince(log: string, since: number): string {
    return log
      .split('\n')
      .filter((line) => line.includes('rejected connection'))
      .filter((line) => Date.parse((JSON.parse(line) as { ts: string }).ts) >= since - 5)
      .join('\n');
  }

  const endpoint = () => cluster.members[0]!.endpoint;
  const caOnly = () => ({ rootCertificate: Buffer.from(ca.cert) });

  it('lets the k8sclient certificate in', async () => {
    const tls = cluster.clientTls!;
    const { error, rejection } = await attempt([endpoint()], { ...caOnly(), certChain: Buffer.from(tls.cert), privateKey: Buffer.from(tls.key) });
    expect(error).toBeUndefined();
    expect(rejection).toBe('');
    expect(await cluster.client().get('/registry/secrets/kube-system/token').string()).toBe('stolen');
  });

  it('refuses a client with no certificate', async () => {
    const { error, rejection } = await attempt([endpoint()], caOnly());
    expect(error?.message).toMatch(/UNAVAILABLE.*alert bad certificate/);
    expect(rejection).toMatch(/client didn't provide a certificate/);
  });

  it('refuses a certificate from a foreign CA', async () => {
    const foreign = await issueClientCert(await generateCa('someone else'), { commonName: 'k8sclient', notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + HOUR) });
    const { error, rejection } = await attempt([endpoint()], { ...caOnly(), certChain: Buffer.from(foreign.cert), privateKey: Buffer.from(foreign.key) });
    expect(error?.message).toMatch(/UNAVAILABLE.*alert bad certificate/);
    expect(rejection).toMatch(/certificate signed by unknown authority/);
  });

  it('refuses an expired certificate from the right CA', async () => {
    const expired = await issueClientCert(ca, { commonName: 'k8sclient', notBefore: new Date(Date.now() - 48 * HOUR), notAfter: new Date(Date.now() - 24 * HOUR) });
    const { error, rejection } = await attempt([endpoint()], { ...caOnly(), certChain: Buffer.from(expired.cert), privateKey: Buffer.from(expired.key) });
    expect(error?.message).toMatch(/UNAVAILABLE.*alert bad certificate/);
    expect(rejection).toMatch(/certificate has expired/);
  });

  it('refuses plain HTTP', async () => {
    const { error, rejection } = await attempt([endpoint().replace('https://', 'http://')], undefined);
    expect(error?.message).toMatch(/UNAVAILABLE/);
    expect(rejection).toMatch(/first record does not look like a TLS handshake/);
  });
});
