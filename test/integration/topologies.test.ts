import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../src/index.js';
import { memberIdHex } from '../../src/topology/client.js';
import { labelKeys } from '../../src/topology/plan.js';
import { waitFor } from '../../src/wait.js';
import { expectClusterGone, runtime } from './helpers.js';

async function startedMembers(cluster: Cluster): Promise<string[]> {
  const { stdout } = await cluster.etcdctl(['member', 'list', '-w', 'json']);
  const { members } = JSON.parse(stdout) as { members: { name: string; clientURLs?: string[] }[] };
  // etcd lists a member that has not started yet with an empty name and no client URLs.
  return members.filter((m) => m.name && m.clientURLs?.length).map((m) => m.name).sort();
}

/** A put through one endpoint, then a linearizable read of it through every other member. */
async function expectReplicatedEverywhere(cluster: Cluster, key: string): Promise<void> {
  const [writer, ...readers] = cluster.members;
  const value = `written-through-${writer?.name}-${Date.now()}`;
  await cluster.client({ hosts: [writer!.endpoint] }).put(key).value(value);
  for (const reader of readers) {
    expect(await cluster.client({ hosts: [reader.endpoint], faultHandling: 'none' }).get(key).string(), `read through ${reader.name}`).toBe(value);
  }
}

describe('single', () => {
  it('starts one healthy TLS member that serves puts and is removed without a trace', async () => {
    const cluster = await startCluster({ name: 'it-single', topology: 'single' });
    try {
      expect(await startedMembers(cluster)).toEqual(['member1']);
      // Our members opt out of testcontainers' reaper one by one (our labels clean them up); the
      // reaper itself stays on for the rest of a user's suite.
      const [member] = (await runtime.findByLabels({ [labelKeys.cluster]: 'it-single' })).containers;
      expect(Object.keys(member!.labels)).not.toContain('org.testcontainers.session-id');
      expect(process.env.TESTCONTAINERS_RYUK_DISABLED).toBeUndefined();
      const [status] = await cluster.status();
      expect(status).toMatchObject({ name: 'member1', healthy: true, isLeader: true });
      expect(cluster.endpoints).toEqual([expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/)]);
      await cluster.client().put('/registry/pods/default/a').value('1');
      expect(await cluster.client().get('/registry/pods/default/a').string()).toBe('1');
    } finally {
      await cluster.stop();
    }
    await expectClusterGone('it-single');
  });
});

describe('cluster of five', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ name: 'it-five', topology: 'cluster' });
  });
  afterAll(async () => {
    await cluster?.stop();
    await expectClusterGone('it-five');
  });

  it('has five started members and one leader all agree on', async () => {
    expect(await startedMembers(cluster)).toEqual(['member1', 'member2', 'member3', 'member4', 'member5']);
    const statuses = await cluster.status();
    expect(statuses.filter((s) => s.isLeader)).toHaveLength(1);
    expect(new Set(statuses.map((s) => s.leaderId)).size).toBe(1);
    expect((await cluster.leader())?.id).toBe(statuses[0]?.leaderId);
    expect(statuses.every((s) => s.healthy && s.version === cluster.image.version)).toBe(true);
  });

  it('replicates a put through one member to reads through every other', async () => {
    await expectReplicatedEverywhere(cluster, '/registry/configmaps/default/replicated');
  });

  it('publishes every client port on 127.0.0.1 only', async () => {
    const docker = new Dockerode();
    for (const member of cluster.members) {
      expect(member.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const info = await docker.getContainer(member.containerId).inspect();
      const published = Object.values(info.NetworkSettings.Ports ?? {}).flat().filter(Boolean) as { HostIp: string }[];
      expect(published.map((b) => b.HostIp), member.name).toEqual(['127.0.0.1']);
    }
  });

  it('runs the real etcdctl with the cluster TLS flags, as an operator would type it', async () => {
    const result = await cluster.etcdctl(['endpoint', 'health'], { member: 'member3' });
    expect(result.command).toBe(
      'ETCDCTL_API=3 etcdctl --endpoints=https://member3:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/k8sclient.crt --key=/etc/etcd/pki/k8sclient.key endpoint health',
    );
    expect(result.stdout + result.stderr).toMatch(/is healthy/);
    const failed = await cluster.etcdctl(['get', '--endpoints=https://member9:2379', 'x', '--command-timeout=1s'], { allowFailure: true });
    expect(failed.exitCode).not.toBe(0);
  });
});

describe('behind a load balancer', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ name: 'it-lb', topology: 'lb' });
  });
  afterAll(async () => {
    await cluster?.stop();
    await expectClusterGone('it-lb');
  });

  it('gives clients the single load-balancer endpoint, and puts through it reach every member', async () => {
    expect(cluster.endpoints).toEqual([cluster.loadBalancerEndpoint]);
    const client = cluster.client();
    await client.put('/registry/lb/probe').value('via-lb');
    for (const member of cluster.members) {
      expect(await cluster.client({ hosts: [member.endpoint], faultHandling: 'none' }).get('/registry/lb/probe').string()).toBe('via-lb');
    }
  });

  it('keeps puts working after the member it last routed to is killed, and stops routing to it', async () => {
    const client = cluster.client();
    const routedTo = async (c = client) => memberIdHex((await c.maintenance.status()).header.member_id);
    const timeouts = cluster.timeouts;
    // The member this client's connection is established to (a first attempt may meet a connection still being set up).
    const victimId = await waitFor(routedTo, { timeoutMs: timeouts.requestMs, intervalMs: timeouts.pollMs, description: 'a connection through the load balancer' });
    const victim = cluster.members.find((m) => m.id === victimId);
    expect(victim, 'the member the load balancer routed to').toBeDefined();
    const killedAt = Date.now();
    await runtime.kill(victim!.containerId);

    // The client's connection went to the dead member; the next puts must succeed on another one.
    await waitFor(async () => (await client.put('/registry/lb/after-kill').value('ok'), true), {
      timeoutMs: timeouts.leaderElectionMs,
      intervalMs: timeouts.pollMs,
      description: 'a put through the load balancer after its member was killed',
    });
    // Only once its health checks (every 200 ms, two misses) have marked the member down does no new
    // connection go there; a connection caught mid-retry at that moment is shut with it. HAProxy says when.
    const [lb] = (await runtime.findByLabels({ [labelKeys.cluster]: 'it-lb', [labelKeys.role]: 'load-balancer' })).containers;
    await waitFor(async () => ((await runtime.logs(lb!.id, { sinceMs: killedAt })).includes(`Server members/${victim!.name} is DOWN`) ? true : undefined), {
      timeoutMs: timeouts.leaderElectionMs,
      intervalMs: timeouts.pollMs,
      description: `the load balancer to mark ${victim!.name} down`,
    });
    for (let i = 0; i < 10; i += 1) {
      const fresh = cluster.client({ faultHandling: 'none' });
      await fresh.put(`/registry/lb/fresh-${i}`).value(String(i));
      expect(await routedTo(fresh)).not.toBe(victim!.id);
      fresh.close();
    }
  });
});
