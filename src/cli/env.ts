import type { Cluster } from '../topology/cluster.js';
import { operatorEnvironment, type EtcdctlExports } from '../topology/operator-env.js';

/** `eval "$(etcd-drill env)"`: the seed's variables and etcdctl's own, as the `exec` runbook gives a script. */
export async function envLines(cluster: Cluster, exports: EtcdctlExports = 'certs'): Promise<string[]> {
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const env = await operatorEnvironment(cluster, exports);
  const lines = Object.entries(env).map(([name, value]) => (value === undefined ? `unset ${name}` : `export ${name}=${quote(value)}`));
  const tls = env.CACERT ? ` --etcd-cafile=${env.CACERT} --etcd-certfile=${env.CERT} --etcd-keyfile=${env.KEY}` : '';
  lines.push(`# kube-apiserver --etcd-servers=${env.ENDPOINTS}${tls}`);
  if (exports !== 'all') lines.push('# etcdctl --endpoints "$ENDPOINT" … (or: etcd-drill env --etcdctl all, for a bare etcdctl)');
  return lines;
}
