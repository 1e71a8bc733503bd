import { describe, expect, it } from 'vitest';
import { addressPlan, haproxyConfig, memberAddress, planCluster, planMember, type ClusterPlan } from '../../src/topology/plan.js';
import { validateSpec, type ClusterSpecInput } from '../../src/topology/spec.js';

const plan = (input: ClusterSpecInput = {}): ClusterPlan => planCluster(validateSpec(input));

/** The value of `--flag=value` in args, or undefined when the flag is absent. */
function flag(args: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  const found = args.filter((a) => a.startsWith(prefix));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.slice(prefix.length);
}

const TLS_FLAGS = ['client-cert-auth', 'trusted-ca-file', 'cert-file', 'key-file', 'peer-client-cert-auth', 'peer-trusted-ca-file', 'peer-cert-file', 'peer-key-file'];

describe('planCluster names', () => {
  it('names members member1..N, containers etcd-drill-<cluster>-<member> and the network etcd-drill-<cluster>', () => {
    const p = plan({ name: 'alpha', members: 3 });
    expect(p.cluster).toBe('alpha');
    expect(p.members.map((m) => m.name)).toEqual(['member1', 'member2', 'member3']);
    expect(p.members.map((m) => m.hostname)).toEqual(['member1', 'member2', 'member3']);
    expect(p.members.map((m) => m.containerName)).toEqual(['etcd-drill-alpha-member1', 'etcd-drill-alpha-member2', 'etcd-drill-alpha-member3']);
    expect(p.network).toBe('etcd-drill-alpha');
  });

  it('plans one member for the single topology', () => {
    const p = plan({ topology: 'single' });
    expect(p.members.map((m) => m.name)).toEqual(['member1']);
    expect(flag(p.members[0]!.args, 'initial-cluster')).toBe('member1=https://member1:2380');
  });

  it('labels every object with the cluster name', () => {
    expect(Object.values(plan({ name: 'beta' }).labels)).toContain('beta');
  });
});

describe('planCluster etcd flags', () => {
  it('gives every member the same initial cluster listing all members with https peer URLs', () => {
    const p = plan({ name: 'gamma', members: 5 });
    const expected = [1, 2, 3, 4, 5].map((i) => `member${i}=https://member${i}:2380`).join(',');
    for (const m of p.members) expect(flag(m.args, 'initial-cluster')).toBe(expected);
  });

  it('bootstraps every member as a new cluster with the shared token', () => {
    const p = plan({ name: 'gamma', members: 3 });
    expect(p.token).toBeTruthy();
    for (const m of p.members) {
      expect(flag(m.args, 'initial-cluster-state')).toBe('new');
      expect(flag(m.args, 'initial-cluster-token')).toBe(p.token);
    }
    expect(new Set(p.members.map((m) => flag(m.args, 'initial-cluster-token'))).size).toBe(1);
  });

  it('uses a different token for a differently named cluster', () => {
    expect(plan({ name: 'one' }).token).not.toBe(plan({ name: 'two' }).token);
  });

  it('names each member and advertises its own client and peer URLs', () => {
    for (const m of plan({ members: 3 }).members) {
      expect(flag(m.args, 'name')).toBe(m.name);
      expect(m.clientUrl).toBe(`https://${m.name}:2379`);
      expect(m.peerUrl).toBe(`https://${m.name}:2380`);
      expect(flag(m.args, 'advertise-client-urls')).toBe(m.clientUrl);
      expect(flag(m.args, 'initial-advertise-peer-urls')).toBe(m.peerUrl);
      expect(flag(m.args, 'listen-client-urls')).toBe('https://0.0.0.0:2379');
      expect(flag(m.args, 'listen-peer-urls')).toBe('https://0.0.0.0:2380');
    }
  });

  it('passes the heartbeat interval and election timeout to every member', () => {
    const p = plan({ members: 3, etcd: { heartbeatIntervalMs: 250, electionTimeoutMs: 2500 } });
    for (const m of p.members) {
      expect(flag(m.args, 'heartbeat-interval')).toBe('250');
      expect(flag(m.args, 'election-timeout')).toBe('2500');
    }
  });

  it('passes the default timing when none was given', () => {
    for (const m of plan().members) {
      expect(flag(m.args, 'heartbeat-interval')).toBe('100');
      expect(flag(m.args, 'election-timeout')).toBe('1000');
    }
  });

  it('adds quota and snapshot-count flags only when they are set', () => {
    for (const m of plan().members) {
      expect(flag(m.args, 'quota-backend-bytes')).toBeUndefined();
      expect(flag(m.args, 'snapshot-count')).toBeUndefined();
    }
    for (const m of plan({ etcd: { quotaBackendBytes: 16_777_216, snapshotCount: 1000 } }).members) {
      expect(flag(m.args, 'quota-backend-bytes')).toBe('16777216');
      expect(flag(m.args, 'snapshot-count')).toBe('1000');
    }
    const onlyQuota = plan({ etcd: { quotaBackendBytes: 4096 } }).members[0]!.args;
    expect(flag(onlyQuota, 'quota-backend-bytes')).toBe('4096');
    expect(flag(onlyQuota, 'snapshot-count')).toBeUndefined();
  });
});

describe('planCluster TLS', () => {
  it('requires client and peer certificates signed by the cluster CA, with per-member cert paths', () => {
    const p = plan({ members: 3 });
    expect(p.tls).toBe(true);
    expect(p.scheme).toBe('https');
    for (const m of p.members) {
      expect(m.args).toContain('--client-cert-auth=true');
      expect(m.args).toContain('--peer-client-cert-auth=true');
      expect(flag(m.args, 'trusted-ca-file')).toBe('/etc/etcd/pki/ca.crt');
      expect(flag(m.args, 'peer-trusted-ca-file')).toBe('/etc/etcd/pki/ca.crt');
      for (const name of ['cert-file', 'key-file', 'peer-cert-file', 'peer-key-file']) {
        const path = flag(m.args, name);
        expect(path, name).toMatch(new RegExp(`^/etc/etcd/pki/.*${m.name}`));
      }
      expect(flag(m.args, 'cert-file')).not.toBe(flag(m.args, 'peer-cert-file'));
      expect(flag(m.args, 'key-file')).not.toBe(flag(m.args, 'peer-key-file'));
    }
    const certFiles = p.members.map((m) => flag(m.args, 'cert-file'));
    expect(new Set(certFiles).size).toBe(certFiles.length);
  });

  it('requests certificates for every member with its hostname', () => {
    const p = plan({ name: 'certs', members: 3 });
    expect(p.certificates).toBeDefined();
    expect(p.certificates!.clusterName).toBe('certs');
    expect(p.certificates!.members).toEqual(p.members.map((m) => ({ name: m.name, hostname: m.hostname })));
  });

  it('drops every TLS flag, uses http:// URLs and requests no certificates when tls is false', () => {
    const p = plan({ members: 3, tls: false });
    expect(p.tls).toBe(false);
    expect(p.scheme).toBe('http');
    expect(p.certificates).toBeUndefined();
    for (const m of p.members) {
      for (const name of TLS_FLAGS) expect(flag(m.args, name), name).toBeUndefined();
      expect(m.args.join(' ')).not.toContain('https://');
      expect(m.clientUrl).toBe(`http://${m.name}:2379`);
      expect(m.peerUrl).toBe(`http://${m.name}:2380`);
      expect(flag(m.args, 'initial-cluster')).toBe('member1=http://member1:2380,member2=http://member2:2380,member3=http://member3:2380');
    }
  });
});

describe('planCluster ports', () => {
  it('leaves host ports to Docker when no base port is given', () => {
    const p = plan({ topology: 'lb', members: 3 });
    expect(p.members.map((m) => m.hostPort)).toEqual([undefined, undefined, undefined]);
    expect(p.loadBalancer?.hostPort).toBeUndefined();
  });

  it('publishes cluster members on basePort+i', () => {
    const p = plan({ members: 3, basePort: 30_000 });
    expect(p.members.map((m) => m.hostPort)).toEqual([30_000, 30_001, 30_002]);
  });

  it('puts the load balancer on basePort and members on basePort+1+i in the lb topology', () => {
    const p = plan({ topology: 'lb', members: 3, basePort: 30_000 });
    expect(p.loadBalancer?.hostPort).toBe(30_000);
    expect(p.members.map((m) => m.hostPort)).toEqual([30_001, 30_002, 30_003]);
  });
});

describe('planCluster load balancer', () => {
  it('plans an HAProxy in TCP mode with one checked server line per member for the lb topology', () => {
    const p = plan({ name: 'lbc', topology: 'lb', members: 5 });
    const lb = p.loadBalancer;
    expect(lb).toBeDefined();
    expect(lb!.containerName).toBe('etcd-drill-lbc-lb');
    const lines = lb!.config.split('\n').map((l) => l.trim());
    const servers = lines.filter((l) => l.startsWith('server '));
    expect(servers).toEqual([1, 2, 3, 4, 5].map((i) => `server member${i} member${i}:2379 check`));
    expect(lines).toContain('mode tcp');
    expect(lb!.config).toContain('on-marked-down shutdown-sessions');
    expect(lb!.config).toMatch(/bind :2379/);
  });

  it('plans no load balancer for the cluster and single topologies', () => {
    expect(plan({ topology: 'cluster' }).loadBalancer).toBeUndefined();
    expect(plan({ topology: 'single' }).loadBalancer).toBeUndefined();
  });

  it('haproxyConfig lists exactly the members it is given', () => {
    const config = haproxyConfig(['a', 'b']);
    const servers = config.split('\n').filter((l) => l.trim().startsWith('server '));
    expect(servers.map((l) => l.trim())).toEqual(['server a a:2379 check', 'server b b:2379 check']);
  });
});

describe('planCluster purity', () => {
  it('returns deep-equal plans for the same spec and leaves the spec untouched', () => {
    const spec = validateSpec({ name: 'pure', topology: 'lb', members: 3, basePort: 31_000, etcd: { snapshotCount: 10 } });
    const before = structuredClone(spec);
    const first = planCluster(spec);
    const second = planCluster(spec);
    expect(second).toEqual(first);
    expect(spec).toEqual(before);
  });

  it('does not share arrays between plans, so mutating one plan leaves the next alone', () => {
    const spec = validateSpec({ members: 3 });
    const first = planCluster(spec);
    first.members[0]!.args.push('--mutated');
    first.members.pop();
    const second = planCluster(spec);
    expect(second.members).toHaveLength(3);
    expect(second.members[0]!.args).not.toContain('--mutated');
  });
});

describe('planMember', () => {
  it('plans a member joining an existing cluster with the flags it is given', () => {
    const spec = validateSpec({ name: 'grow', members: 3 });
    const existing = planCluster(spec);
    const initialCluster = `${flag(existing.members[0]!.args, 'initial-cluster')},member4=https://member4:2380`;
    const m = planMember(spec, { name: 'member4', scheme: 'https', initialCluster, initialClusterState: 'existing', token: existing.token, hostPort: 32_000 });
    expect(m.name).toBe('member4');
    expect(m.containerName).toBe('etcd-drill-grow-member4');
    expect(m.hostPort).toBe(32_000);
    expect(flag(m.args, 'initial-cluster-state')).toBe('existing');
    expect(flag(m.args, 'initial-cluster')).toBe(initialCluster);
    expect(flag(m.args, 'initial-cluster-token')).toBe(existing.token);
    expect(m.args).toContain('--client-cert-auth=true');
  });
});

describe('addressPlan and memberAddress: members at fixed addresses, advertised to clients', () => {
  it('puts memberN at host 10+N of the subnet, advertises it, and names it in the certificate request', () => {
    const addressed = addressPlan(plan({ name: 'a', members: 3, basePort: 23000 }), '172.29.0.0/16');
    expect(addressed.subnet).toBe('172.29.0.0/16');
    expect(addressed.members.map((m) => m.address)).toEqual(['172.29.0.11', '172.29.0.12', '172.29.0.13']);
    expect(addressed.members.map((m) => flag(m.args, 'advertise-client-urls'))).toEqual(['https://172.29.0.11:2379', 'https://172.29.0.12:2379', 'https://172.29.0.13:2379']);
    // Inside the network (runbooks' etcdctl) a member is still reached by its name, as an operator types it.
    expect(addressed.members.map((m) => m.clientUrl)).toEqual(['https://member1:2379', 'https://member2:2379', 'https://member3:2379']);
    // Peers still find each other by name; ports stay as pinned.
    expect(flag(addressed.members[0]!.args, 'initial-advertise-peer-urls')).toBe('https://member1:2380');
    expect(addressed.members.map((m) => m.hostPort)).toEqual([23000, 23001, 23002]);
    expect(addressed.certificates?.members).toEqual(addressed.members.map((m) => ({ name: m.name, hostname: m.name, address: m.address })));
  });

  it('advertises names until the subnet is known', () => {
    expect(plan({ name: 'a' }).members.map((m) => [m.address, flag(m.args, 'advertise-client-urls')])).toEqual(plan({ name: 'a' }).members.map((m) => [undefined, `https://${m.name}:2379`]));
  });

  it('places other names from host 220 past taken addresses, and refuses a full subnet', () => {
    expect(memberAddress('10.1.0.0/24', 'member7', [])).toBe('10.1.0.17');
    expect(memberAddress('192.168.16.0/20', 'member300', [])).toBe('192.168.16.220');
    expect(memberAddress('10.1.0.0/24', 'etcd-a', ['10.1.0.220', '10.1.0.221'])).toBe('10.1.0.222');
    expect(memberAddress('10.1.0.0/16', 'member250', ['10.1.0.220'])).toBe('10.1.0.221');
    expect(() => memberAddress('10.1.0.0/28', 'member5', [])).toThrow(/no address left for member5/);
    expect(() => memberAddress('fd00::/64', 'member1', [])).toThrow(/not an IPv4 subnet/);
  });
});
