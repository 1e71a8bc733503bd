import { join } from 'node:path';
import type { Cluster } from './cluster.js';
import { tlsFiles } from './tls.js';

/**
 * Which of etcdctl's own variables to export. etcdctl exits when a variable and its flag are both
 * given, so the choice decides which of the seed's lines run unchanged:
 * - `certs` (the default): ETCDCTL_API and the certificates, not the endpoints, so
 *   `etcdctl --endpoints $ENDPOINT snapshot save snapshotdb` works as the seed writes it;
 * - `all`: the endpoints too (ETCDCTL_ENDPOINTS), so a bare `etcdctl member list` works;
 * - `none`: ETCDCTL_API only, for lines that pass `--cacert=$CACERT --cert=$CERT --key=$KEY`.
 */
export const ETCDCTL_EXPORTS = ['certs', 'all', 'none'] as const;
export type EtcdctlExports = (typeof ETCDCTL_EXPORTS)[number];

/**
 * The variables a team's script (the `exec` runbook) and a shell (`etcd-drill env`) get: the
 * seed's `$ENDPOINT` (one healthy member, the leader when there is one) and `$ENDPOINTS`, the
 * certificate paths as `$CACERT`, `$CERT`, `$KEY`, the cluster's name and members, and etcdctl's own
 * variables as `exports` says. A value of undefined means: unset it.
 */
export async function operatorEnvironment(cluster: Cluster, exports: EtcdctlExports = 'certs'): Promise<Record<string, string | undefined>> {
  const endpoints = cluster.endpoints.join(',');
  const statuses = await cluster.status();
  const chosen = statuses.find((s) => s.isLeader && s.healthy) ?? statuses.find((s) => s.healthy) ?? statuses[0];
  const dir = cluster.tlsDir;
  const certs = dir ? { CACERT: join(dir, tlsFiles.caCert), CERT: join(dir, tlsFiles.clientCert), KEY: join(dir, tlsFiles.clientKey) } : { CACERT: undefined, CERT: undefined, KEY: undefined };
  const withCerts = exports !== 'none';
  return {
    ENDPOINT: chosen?.endpoint ?? cluster.endpoints[0],
    ENDPOINTS: endpoints,
    ...certs,
    ETCD_DRILL_CLUSTER: cluster.name,
    ETCD_DRILL_MEMBERS: cluster.members.map((m) => `${m.name}=${m.endpoint}`).join(','),
    ETCDCTL_API: '3',
    ETCDCTL_ENDPOINTS: exports === 'all' ? endpoints : undefined,
    ETCDCTL_CACERT: withCerts ? certs.CACERT : undefined,
    ETCDCTL_CERT: withCerts ? certs.CERT : undefined,
    ETCDCTL_KEY: withCerts ? certs.KEY : undefined,
  };
}

/**
 * The environment for an etcdctl this project starts on the host: the caller's, less every
 * `ETCDCTL_*` (etcd 3.4 exits when a variable and its flag are both given, and a shell that ran
 * `eval "$(etcd-drill env --etcdctl all)"` has them), plus what this call sets itself.
 */
export function hostEtcdctlEnv(own: Record<string, string>, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(from).filter(([key]) => !key.startsWith('ETCDCTL_')));
  return { ...clean, ETCDCTL_API: '3', ...own };
}
