import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { webcrypto } from 'node:crypto';
import 'reflect-metadata'; // @peculiar/x509's tsyringe needs the Reflect metadata API before it loads
import * as x509 from '@peculiar/x509';
import { DrillError, InvalidInputError } from '../errors.js';

/**
 * Per-cluster PKI for etcd's "x509 everywhere" set-up (Kubernetes, "Operating etcd clusters"):
 * one CA, a server and a peer certificate per member, one client certificate for the harness.
 * Everything is made by @peculiar/x509 on Node's WebCrypto; nothing is cached between clusters,
 * so a certificate from one cluster is a foreign certificate to every other.
 */

export interface PemPair {
  cert: string;
  key: string;
}
export interface MemberTls {
  server: PemPair;
  peer: PemPair;
}
export interface TlsMaterial {
  ca: PemPair;
  members: Record<string, MemberTls>;
  client: PemPair;
}
export interface TlsRequest {
  clusterName: string;
  /** hostname = the container's DNS name on the docker network. */
  members: { name: string; hostname: string; address?: string | undefined }[];
  /** Default 365. */
  validDays?: number;
  /** Injected clock, default `new Date()`. */
  now?: Date;
}

export const CLIENT_COMMON_NAME = 'k8sclient';

/** File names, relative to a tls dir, used everywhere (inside containers under /etc/etcd/pki too). */
export const tlsFiles = {
  caCert: 'ca.crt',
  serverCert: (member: string) => `${member}/server.crt`,
  serverKey: (member: string) => `${member}/server.key`,
  peerCert: (member: string) => `${member}/peer.crt`,
  peerKey: (member: string) => `${member}/peer.key`,
  clientCert: 'k8sclient.crt',
  clientKey: 'k8sclient.key',
} as const;

// Kept on the host only, so more client certs (expired ones, other identities) can be issued for a
// cluster that outlives the process that created it. Not in tlsFiles: nothing in a container needs it.
const CA_KEY_FILE = 'ca.key';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(globalThis.crypto);

// P-256 keys are generated in milliseconds (RSA-2048 takes ~100 ms each) and both Go and grpc-js accept them.
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
// Containers and the host share a clock, but a cert minted "now" must not be rejected by a peer a few seconds behind.
const CLOCK_SKEW_MS = 60 * 1000;
// Member names become folder names under the tls dir, so they must not be able to climb out of it.
const SAFE_MEMBER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

const { serverAuth, clientAuth } = x509.ExtendedKeyUsage;

export async function generateTls(req: TlsRequest): Promise<TlsMaterial> {
  const now = req.now ?? new Date();
  const validDays = req.validDays ?? 365;
  checkRequest(req, now, validDays);
  const validity = { notBefore: new Date(now.getTime() - CLOCK_SKEW_MS), notAfter: new Date(now.getTime() + validDays * DAY_MS) };

  const ca = await generateCa(`etcd-drill CA ${req.clusterName}`, { validDays, now });
  const issuer = await loadIssuer(ca);
  const [client, ...memberTls] = await Promise.all([
    issueLeaf(issuer, { commonName: CLIENT_COMMON_NAME, dnsNames: [], ipAddresses: [], usages: [clientAuth], ...validity }),
    ...req.members.map((m) => issueMemberPair(issuer, m, validity)),
  ]);
  const members: Record<string, MemberTls> = {};
  req.members.forEach((m, i) => {
    members[m.name] = memberTls[i] as MemberTls;
  });
  return { ca, members, client: client as PemPair };
}

/** Certificates for a member that joins later (replace-member), signed by the cluster's CA. */
export async function issueMemberTls(ca: PemPair, member: { name: string; hostname: string; address?: string | undefined }, validDays = 365): Promise<MemberTls> {
  checkMemberName(member.name);
  const now = new Date();
  return issueMemberPair(await loadIssuer(ca), member, { notBefore: new Date(now.getTime() - CLOCK_SKEW_MS), notAfter: new Date(now.getTime() + validDays * DAY_MS) });
}

// Both server and peer certs are used in both directions: peer TLS is mutual, and etcd's
// grpc-gateway dials its own client port with the server cert.
async function issueMemberPair(issuer: Issuer, m: { name: string; hostname: string; address?: string | undefined }, validity: { notBefore: Date; notAfter: Date }): Promise<MemberTls> {
  const leaf: LeafSpec = {
    commonName: m.name,
    dnsNames: [...new Set([m.hostname, m.name, 'localhost'])],
    // Its address on the cluster network is what it advertises to clients (etcdctl --cluster).
    ipAddresses: ['127.0.0.1', ...(m.address ? [m.address] : [])],
    usages: [serverAuth, clientAuth],
    ...validity,
  };
  const [server, peer] = await Promise.all([issueLeaf(issuer, leaf), issueLeaf(issuer, leaf)]);
  return { server, peer };
}

/** Issue a client cert signed by `ca` (for tests: expired certs; for other client identities). */
export async function issueClientCert(ca: PemPair, opts: { commonName: string; notBefore: Date; notAfter: Date }): Promise<PemPair> {
  if (!(opts.notBefore.getTime() < opts.notAfter.getTime())) {
    throw new InvalidInputError(`client certificate "${opts.commonName}": notBefore must be earlier than notAfter`);
  }
  return issueLeaf(await loadIssuer(ca), { ...opts, dnsNames: [], ipAddresses: [], usages: [clientAuth] });
}

/** A CA unrelated to any cluster (tests use it for the "foreign CA" refusal). */
export async function generateCa(commonName: string, opts: { validDays?: number; now?: Date } = {}): Promise<PemPair> {
  const now = opts.now ?? new Date();
  const validDays = opts.validDays ?? 365;
  checkValidity(now, validDays);
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [commonName] }],
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + validDays * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: pem(cert.toString('pem')), key: await exportKey(keys.privateKey) };
}

/** Writes the material under dir (creating subfolders); private keys mode 0600, certs 0644, folders 0700. */
export async function writeTls(dir: string, material: TlsMaterial): Promise<void> {
  const files: [string, string, number][] = [
    [tlsFiles.caCert, material.ca.cert, 0o644],
    [CA_KEY_FILE, material.ca.key, 0o600],
    [tlsFiles.clientCert, material.client.cert, 0o644],
    [tlsFiles.clientKey, material.client.key, 0o600],
  ];
  for (const [name, member] of Object.entries(material.members)) {
    checkMemberName(name);
    files.push(
      [tlsFiles.serverCert(name), member.server.cert, 0o644],
      [tlsFiles.serverKey(name), member.server.key, 0o600],
      [tlsFiles.peerCert(name), member.peer.cert, 0o644],
      [tlsFiles.peerKey(name), member.peer.key, 0o600],
    );
  }
  // Explicit chmod after every write: `mode` is only honoured on creation and is filtered by the umask.
  const folders = new Set([dir, ...files.map(([file]) => dirname(join(dir, file)))]);
  for (const folder of folders) {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await chmod(folder, 0o700);
  }
  await Promise.all(
    files.map(async ([file, content, mode]) => {
      const path = join(dir, file);
      await writeFile(path, content, { mode });
      await chmod(path, mode);
    }),
  );
}

/** Reads back what writeTls wrote, for the given member names. */
export async function readTls(dir: string, memberNames: string[]): Promise<TlsMaterial> {
  memberNames.forEach(checkMemberName);
  const read = async (file: string): Promise<string> => {
    try {
      return await readFile(join(dir, file), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      throw new DrillError(`TLS material is incomplete: ${join(dir, file)} is missing`, {
        hint: 'the cluster state was damaged; tear the cluster down and create it again',
        cause: err,
      });
    }
  };
  const pair = async (cert: string, key: string): Promise<PemPair> => ({ cert: await read(cert), key: await read(key) });
  const [ca, client, members] = await Promise.all([
    pair(tlsFiles.caCert, CA_KEY_FILE),
    pair(tlsFiles.clientCert, tlsFiles.clientKey),
    Promise.all(
      memberNames.map(async (name): Promise<[string, MemberTls]> => [
        name,
        {
          server: await pair(tlsFiles.serverCert(name), tlsFiles.serverKey(name)),
          peer: await pair(tlsFiles.peerCert(name), tlsFiles.peerKey(name)),
        },
      ]),
    ),
  ]);
  return { ca, members: Object.fromEntries(members), client };
}

interface Issuer {
  cert: x509.X509Certificate;
  key: CryptoKey;
  keyId: string;
}

interface LeafSpec {
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  usages: x509.ExtendedKeyUsage[];
  notBefore: Date;
  notAfter: Date;
}

async function issueLeaf(issuer: Issuer, leaf: LeafSpec): Promise<PemPair> {
  const keys = await newKeyPair();
  const sans = [
    ...leaf.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...leaf.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [leaf.commonName] }],
    // The issuer's own encoded Name, so chain building compares identical bytes.
    issuer: issuer.cert.subjectName,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: issuer.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // keyEncipherment means nothing for ECDSA, but it is what etcd's and Kubernetes' cfssl profiles ask for.
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(leaf.usages),
      new x509.AuthorityKeyIdentifierExtension(issuer.keyId),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
    ],
  });
  return { cert: pem(cert.toString('pem')), key: await exportKey(keys.privateKey) };
}

async function loadIssuer(ca: PemPair): Promise<Issuer> {
  const cert = new x509.X509Certificate(ca.cert);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const keyId = ski?.keyId ?? (await x509.SubjectKeyIdentifierExtension.create(cert.publicKey)).keyId;
  let key: CryptoKey;
  try {
    key = await globalThis.crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.key), KEY_ALGORITHM, false, ['sign']);
  } catch (err) {
    throw new InvalidInputError(`CA "${cert.subject}": its private key is not a PKCS#8 ECDSA P-256 key`, { cause: err });
  }
  return { cert, key, keyId };
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await globalThis.crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportKey(key: CryptoKey): Promise<string> {
  return pem(x509.PemConverter.encode(await globalThis.crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY'));
}

/** 16 random bytes as a positive DER INTEGER: top bit clear (else negative) and first byte non-zero (else not minimal). */
function randomSerial(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) || 0x01;
  return Buffer.from(bytes).toString('hex');
}

// One trailing newline, so files written and read back compare equal and `cat` output stays tidy.
function pem(text: string): string {
  return `${text.replace(/\r\n/g, '\n').trimEnd()}\n`;
}

function checkRequest(req: TlsRequest, now: Date, validDays: number): void {
  checkValidity(now, validDays);
  if (req.members.length === 0) throw new InvalidInputError(`cluster "${req.clusterName}": TLS needs at least one member`);
  const seen = new Set<string>();
  for (const m of req.members) {
    checkMemberName(m.name);
    if (seen.has(m.name)) throw new InvalidInputError(`member name "${m.name}" appears twice`);
    seen.add(m.name);
    if (m.hostname.trim() === '') throw new InvalidInputError(`member "${m.name}" has an empty hostname`);
  }
}

function checkValidity(now: Date, validDays: number): void {
  if (Number.isNaN(now.getTime())) throw new InvalidInputError('certificate clock: "now" is not a valid date');
  if (!(Number.isFinite(validDays) && validDays > 0)) {
    throw new InvalidInputError(`certificate validity must be a positive number of days, got ${validDays}`);
  }
}

function checkMemberName(name: string): void {
  if (!SAFE_MEMBER_NAME.test(name)) {
    throw new InvalidInputError(`member name "${name}" cannot be used as a TLS folder name`, {
      hint: 'use letters, digits, "-" and "_" only, starting with a letter or digit',
    });
  }
}

