import 'reflect-metadata';
import { describe, it, expect, beforeAll } from 'vitest';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { InvalidInputError } from '../../src/errors.js';
import {
  CLIENT_COMMON_NAME,
  generateCa,
  generateTls,
  issueClientCert,
  readTls,
  tlsFiles,
  writeTls,
  type PemPair,
  type TlsMaterial,
  type TlsRequest,
} from '../../src/topology/tls.js';


// Checked with node:crypto's own X509Certificate (OpenSSL), independent of the generator; @peculiar/x509
// is used only to read the EKU, which node:crypto does not expose as a parsed field.

const request: TlsRequest = {
  clusterName: 'drill',
  members: [
    { name: 'member1', hostname: 'member1' },
    { name: 'member2', hostname: 'etcd-drill-drill-member2' },
    { name: 'member3', hostname: 'member3' },
  ],
};

let material: TlsMaterial;
let ca: X509Certificate;

beforeAll(async () => {
  material = await generateTls(request);
  ca = new X509Certificate(material.ca.cert);
});

function leaves(m: TlsMaterial): [string, PemPair][] {
  return [
    ['client', m.client],
    ...Object.entries(m.members).flatMap(([name, t]): [string, PemPair][] => [
      [`${name} server`, t.server],
      [`${name} peer`, t.peer],
    ]),
  ];
}

function ekus(pem: string): string[] {
  const ext = new x509.X509Certificate(pem).getExtension(x509.ExtendedKeyUsageExtension);
  return (ext?.usages ?? []).map(String).sort();
}

describe('generateTls', () => {
  it('issues a CA, a server and peer pair per member, and a client pair', () => {
    expect(Object.keys(material.members).sort()).toEqual(['member1', 'member2', 'member3']);
    expect(material.ca.cert).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    for (const [, pair] of [['ca', material.ca] as const, ...leaves(material)]) {
      expect(pair.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    }
  });

  it('signs every leaf with the cluster CA', () => {
    for (const [what, pair] of leaves(material)) {
      const leaf = new X509Certificate(pair.cert);
      expect(leaf.verify(ca.publicKey), what).toBe(true);
      expect(leaf.checkIssued(ca), what).toBe(true);
    }
  });

  it('a foreign CA does not verify against the cluster CA, nor certs it issues', async () => {
    const other = await generateCa('other');
    const otherCert = new X509Certificate(other.cert);
    expect(otherCert.verify(ca.publicKey)).toBe(false);
    expect(otherCert.checkIssued(ca)).toBe(false);

    const stranger = new X509Certificate((await issueClientCert(other, { commonName: CLIENT_COMMON_NAME, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3_600_000) })).cert);
    expect(stranger.verify(otherCert.publicKey)).toBe(true);
    expect(stranger.verify(ca.publicKey)).toBe(false);
    expect(stranger.checkIssued(ca)).toBe(false);
  });

  it('makes a real CA', () => {
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=etcd-drill CA drill');
    expect(ca.checkIssued(ca)).toBe(true);
    const parsed = new x509.X509Certificate(material.ca.cert);
    const bc = parsed.getExtension(x509.BasicConstraintsExtension);
    expect(bc?.ca).toBe(true);
    expect(bc?.critical).toBe(true);
    const ku = parsed.getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(ku?.critical).toBe(true);
    expect(parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]+$/);
  });

  it('puts the hostname, the member name, localhost and 127.0.0.1 in server and peer SANs', () => {
    for (const m of request.members) {
      for (const pair of [material.members[m.name]!.server, material.members[m.name]!.peer]) {
        const cert = new X509Certificate(pair.cert);
        const san = cert.subjectAltName ?? '';
        expect(san).toContain(`DNS:${m.hostname}`);
        expect(san).toContain(`DNS:${m.name}`);
        expect(san).toContain('DNS:localhost');
        expect(san).toContain('IP Address:127.0.0.1');
        expect(cert.subject).toBe(`CN=${m.name}`);
        expect(cert.checkHost(m.hostname)).toBe(m.hostname);
        expect(cert.checkHost('localhost')).toBe('localhost');
        expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
        expect(cert.checkIP('10.0.0.1')).toBeUndefined();
        expect(cert.checkHost('member9')).toBeUndefined();
      }
    }
    // No duplicate SAN when hostname and member name coincide.
    const san = new X509Certificate(material.members.member1!.server.cert).subjectAltName ?? '';
    expect(san.split('DNS:member1').length - 1).toBe(1);
  });

  it('gives servers and peers serverAuth+clientAuth and the client only clientAuth', () => {
    const both = [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth].map(String).sort();
    for (const t of Object.values(material.members)) {
      expect(ekus(t.server.cert)).toEqual(both);
      expect(ekus(t.peer.cert)).toEqual(both);
    }
    expect(ekus(material.client.cert)).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    for (const [what, pair] of leaves(material)) {
      expect(new X509Certificate(pair.cert).ca, what).toBe(false);
      const parsed = new x509.X509Certificate(pair.cert);
      expect(parsed.getExtension(x509.KeyUsagesExtension)?.usages, what).toBe(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      );
      expect(parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, what).toBe(
        new x509.X509Certificate(material.ca.cert).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
      );
    }
  });

  it('names the client k8sclient and gives it no SANs', () => {
    const client = new X509Certificate(material.client.cert);
    expect(CLIENT_COMMON_NAME).toBe('k8sclient');
    expect(client.subject).toBe('CN=k8sclient');
    expect(client.subjectAltName).toBeUndefined();
  });

  it('pairs every key with its own certificate', () => {
    const all = [['ca', material.ca] as const, ...leaves(material)];
    for (const [what, pair] of all) {
      const key = createPrivateKey(pair.key);
      expect(key.asymmetricKeyType, what).toBe('ec');
      expect(key.asymmetricKeyDetails?.namedCurve, what).toBe('prime256v1');
      expect(new X509Certificate(pair.cert).checkPrivateKey(key), what).toBe(true);
    }
    // Each cert has its own key pair: another cert's key does not match.
    const server = new X509Certificate(material.members.member1!.server.cert);
    expect(server.checkPrivateKey(createPrivateKey(material.members.member1!.peer.key))).toBe(false);
    expect(new Set(all.map(([, p]) => p.key)).size).toBe(all.length);
  });

  it('uses random positive 16-byte serials', () => {
    const serials = [material.ca, ...leaves(material).map(([, p]) => p)].map((p) => new X509Certificate(p.cert).serialNumber);
    for (const s of serials) {
      expect(s).toMatch(/^[0-7][0-9A-F]{31}$/i);
      expect(s.slice(0, 2)).not.toBe('00');
    }
    expect(new Set(serials).size).toBe(serials.length);
  });

  it('backdates notBefore by a minute and honours validDays and the injected clock', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const m = await generateTls({ ...request, members: [request.members[0]!], validDays: 10, now });
    for (const pair of [m.ca, ...leaves(m).map(([, p]) => p)]) {
      const cert = new X509Certificate(pair.cert);
      expect(new Date(cert.validFrom).toISOString()).toBe('2029-12-31T23:59:00.000Z');
      expect(new Date(cert.validTo).toISOString()).toBe('2030-01-11T00:00:00.000Z');
    }
  });

  it('defaults to 365 days from now', () => {
    const validTo = new Date(new X509Certificate(material.client.cert).validTo).getTime();
    expect(Math.abs(validTo - (Date.now() + 365 * 86_400_000))).toBeLessThan(10 * 60_000);
  });

  it('generates a 5-member set in well under 2 s', async () => {
    const started = performance.now();
    const m = await generateTls({
      clusterName: 'five',
      members: [1, 2, 3, 4, 5].map((i) => ({ name: `member${i}`, hostname: `member${i}` })),
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(Object.keys(m.members)).toHaveLength(5);
  });

  it('refuses member names that cannot be folder names, duplicates and bad validity', async () => {
    for (const name of ['../escape', 'a/b', '', '.hidden']) {
      await expect(generateTls({ clusterName: 'x', members: [{ name, hostname: 'h' }] })).rejects.toBeInstanceOf(InvalidInputError);
    }
    await expect(
      generateTls({ clusterName: 'x', members: [{ name: 'm1', hostname: 'a' }, { name: 'm1', hostname: 'b' }] }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(generateTls({ ...request, validDays: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(generateTls({ ...request, now: new Date('nope') })).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('issueClientCert', () => {
  it('issues a really expired certificate, still signed by the cluster CA', async () => {
    const now = Date.now();
    const expired = await issueClientCert(material.ca, {
      commonName: 'expired-client',
      notBefore: new Date(now - 2 * 86_400_000),
      notAfter: new Date(now - 86_400_000),
    });
    const cert = new X509Certificate(expired.cert);
    expect(new Date(cert.validTo).getTime()).toBeLessThan(now);
    expect(cert.subject).toBe('CN=expired-client');
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(expired.key))).toBe(true);
    expect(ekus(expired.cert)).toEqual([x509.ExtendedKeyUsage.clientAuth]);
  });

  it('refuses notAfter before notBefore', async () => {
    const now = Date.now();
    await expect(
      issueClientCert(material.ca, { commonName: 'x', notBefore: new Date(now), notAfter: new Date(now - 1) }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('writeTls / readTls', () => {
  it('round-trips with keys 0600, certs 0644 and folders 0700', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'etcd-drill-tls-'));
    try {
      const tlsDir = join(dir, 'tls');
      await writeTls(tlsDir, material);
      const names = Object.keys(material.members);
      expect(await readTls(tlsDir, names)).toEqual(material);

      const mode = async (file: string) => (await stat(join(tlsDir, file))).mode & 0o777;
      expect(await mode('.')).toBe(0o700);
      expect(await mode(tlsFiles.caCert)).toBe(0o644);
      expect(await mode(tlsFiles.clientCert)).toBe(0o644);
      expect(await mode(tlsFiles.clientKey)).toBe(0o600);
      for (const name of names) {
        expect(await mode(name)).toBe(0o700);
        expect(await mode(tlsFiles.serverCert(name))).toBe(0o644);
        expect(await mode(tlsFiles.peerCert(name))).toBe(0o644);
        expect(await mode(tlsFiles.serverKey(name))).toBe(0o600);
        expect(await mode(tlsFiles.peerKey(name))).toBe(0o600);
      }
      expect(tlsFiles.serverCert('member1')).toBe('member1/server.crt');
      expect(tlsFiles.peerKey('member1')).toBe('member1/peer.key');

      // Rewriting over existing files keeps the modes right.
      await writeTls(tlsDir, material);
      expect(await mode(tlsFiles.clientKey)).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing file as a DrillError naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'etcd-drill-tls-'));
    try {
      await writeTls(dir, material);
      await expect(readTls(dir, ['member1', 'member9'])).rejects.toThrow(/member9\/server\.crt is missing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
