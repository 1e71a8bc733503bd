import { describe, expect, it } from 'vitest';
import { hostEtcdctlEnv } from '../../src/topology/operator-env.js';

describe('the environment of an etcdctl started on the host', () => {
  it('drops every ETCDCTL_* the shell had (etcd 3.4 exits on a variable and its flag both given), keeps the rest, sets its own', () => {
    const shell = { PATH: '/usr/bin', ETCDCTL_ENDPOINTS: 'https://10.0.0.1:2379', ETCDCTL_CACERT: '/old/ca.crt', ETCDCTL_API: '2', HOME: '/root' };
    expect(hostEtcdctlEnv({ ETCDCTL_CACERT: '/new/ca.crt' }, shell)).toEqual({ PATH: '/usr/bin', HOME: '/root', ETCDCTL_API: '3', ETCDCTL_CACERT: '/new/ca.crt' });
  });
});
