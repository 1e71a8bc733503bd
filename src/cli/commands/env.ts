import { Command, Option } from 'commander';
import { ETCDCTL_EXPORTS, type EtcdctlExports } from '../../topology/operator-env.js';
import { DEFAULT_CLUSTER } from './shared.js';

export function envCommand(): Command {
  return new Command('env')
    .argument('[name]')
    .description('print export lines (eval "$(etcd-drill env)"): $ENDPOINT, $ENDPOINTS, $CACERT/$CERT/$KEY for the seed\'s command lines, ETCDCTL_* for etcdctl, and the kube-apiserver flags')
    .addOption(new Option('--etcdctl <exports>', 'which ETCDCTL_* to export: certs (not the endpoints: `etcdctl --endpoints $ENDPOINT …` works), all (a bare `etcdctl …` works), none').choices(ETCDCTL_EXPORTS).default('certs'))
    .action(async (name: string | undefined, flags: { etcdctl: EtcdctlExports }) => {
      const [{ attachCluster }, { envLines }] = await Promise.all([import('../../topology/cluster.js'), import('../env.js')]);
      process.stdout.write(`${(await envLines(await attachCluster(name ?? DEFAULT_CLUSTER), flags.etcdctl)).join('\n')}\n`);
    });
}
