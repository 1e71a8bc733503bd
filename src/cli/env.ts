import { join } from 'node:path';
import type { Cluster } from '../topology/cluster.js';
import { tlsFiles } from '../topology/tls.js';

/** `eval "$(etcd-drill env)"` points the user's own etcdctl at the cluster. */
export function envLines(cluster: Cluster): string[] {
  const endpoints = cluster.endpoints.join(',');
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const lines = [`export ETCDCTL_API=3`, `export ETCDCTL_ENDPOINTS=${quote(endpoints)}`];
  const dir = cluster.tlsDir;
  if (!dir) {
    lines.push('unset ETCDCTL_CACERT ETCDCTL_CERT ETCDCTL_KEY');
    lines.push(`# kube-apiserver --etcd-servers=${endpoints}`);
    return lines;
  }
  const ca = join(dir, tlsFiles.caCert);
  const cert = join(dir, tlsFiles.clientCert);
  const key = join(dir, tlsFiles.clientKey);
  lines.push(`export ETCDCTL_CACERT=${quote(ca)}`, `export ETCDCTL_CERT=${quote(cert)}`, `export ETCDCTL_KEY=${quote(key)}`);
  lines.push(`# kube-apiserver --etcd-servers=${endpoints} --etcd-cafile=${ca} --etcd-certfile=${cert} --etcd-keyfile=${key}`);
  return lines;
}
