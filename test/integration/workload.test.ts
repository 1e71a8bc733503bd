import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from '../../src/checks/registry.js';
import { gatherHistory } from '../../src/workload/gather-history.js';
import { faultContext, healAll, injectFault } from '../../src/faults/inject.js';
import { startCluster, type Cluster } from '../../src/index.js';
import { waitFor } from '../../src/wait.js';
import { isWrite, linearizableReads, type History } from '../../src/workload/history.js';
import { Workload } from '../../src/workload/workload.js';
import { expectClusterGone } from './helpers.js';

/**
 * The workload on real etcd: reads, writes and the watch cover the same keys, and its informer-like
 * watch resumes after its member dies and re-lists after the revision it wanted was compacted.
 */
describe('the workload on three members with TLS', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ name: 'it-workload', topology: 'cluster', members: 3 });
  });
  afterAll(async () => {
    await cluster?.stop();
    await expectClusterGone('it-workload');
  });

  /** A workload that talks to member1 alone, so that member1's death breaks its watch for sure. */
  async function onMember1(): Promise<Workload> {
    const workload = new Workload(cluster, { seed: 3, endpoints: [cluster.member('member1').endpoint] });
    await workload.start();
    return workload;
  }

  const acknowledgedWrites = (workload: Workload) => workload.history.operations.filter((o) => isWrite(o) && o.ok).length;

  async function untilWrites(workload: Workload, count: number): Promise<void> {
    await waitFor(async () => (acknowledgedWrites(workload) >= count ? true : undefined), {
      timeoutMs: cluster.timeouts.bootMs,
      intervalMs: cluster.timeouts.pollMs,
      description: `${count} acknowledged writes`,
    });
  }

  async function untilSession(workload: Workload, reason: 'resume' | 'relist'): Promise<void> {
    await waitFor(async () => (workload.history.watch?.sessions.some((s) => s.reason === reason) ? true : undefined), {
      timeoutMs: cluster.timeouts.bootMs,
      intervalMs: cluster.timeouts.pollMs,
      description: `the watch to ${reason}`,
    });
  }

  async function judged(workload: Workload): Promise<History> {
    await workload.stop();
    const history = await gatherHistory(cluster, workload);
    for (const check of ['linearizability', 'no-stale-reads', 'serializable-reads', 'watch', 'acked-writes-durable']) {
      const verdict = judge(check, history);
      console.log(`workload: ${check} ${verdict.status}: ${verdict.message}`);
      expect(verdict.status, `${check}: ${verdict.message}`).toBe('ok');
    }
    return history;
  }

  it('reads compare with writes of the same keys, and the watch sees every acknowledged write', async () => {
    const workload = await onMember1();
    await untilWrites(workload, 60);
    const history = await judged(workload);
    const written = new Set(history.operations.filter(isWrite).map((o) => o.key));
    const read = linearizableReads(history.operations).map((r) => r.key);
    expect(read.filter((key) => written.has(key)).length).toBeGreaterThan(40);
    expect(new Set(history.operations.map((o) => o.kind))).toEqual(new Set(['create', 'update', 'delete', 'txn', 'get', 'get-serializable', 'range', 'lease-grant']));
  });

  // The second workload finds the first one's keys in the store: its history is judged from its first list.
  it('the watch resumes from its last revision after its member dies, and re-lists after a compaction', async () => {
    const workload = await onMember1();
    await untilWrites(workload, 20);
    const ctx = faultContext(cluster, { seed: 3 });
    // Resume: member1 dies and comes back; the watch goes on from the last revision it saw.
    await injectFault(ctx, { kind: 'kill', target: 'member:member1' });
    await healAll(ctx);
    await untilSession(workload, 'resume');
    const before = acknowledgedWrites(workload);
    await untilWrites(workload, before + 10);

    // Relist: while member1 is down the others write on and compact past what the watch saw.
    await injectFault(ctx, { kind: 'kill', target: 'member:member1' });
    // member1 may have led: the other two elect a leader before they take writes.
    await cluster.waitForLeader();
    const others = cluster.client({ hosts: [cluster.member('member2').endpoint, cluster.member('member3').endpoint] });
    try {
      for (let i = 0; i < 5; i += 1) await others.put(`/registry/elsewhere/compacted-${i}`).value(`c${i}`);
      const revision = Number((await others.get('/registry/elsewhere/compacted-0').exec()).header.revision);
      await others.kv.compact({ revision: String(revision), physical: true });
    } finally {
      others.close();
    }
    await healAll(ctx);
    await untilSession(workload, 'relist');
    const relisted = acknowledgedWrites(workload);
    await untilWrites(workload, relisted + 10);
    const history = await judged(workload);
    const reasons = history.watch!.sessions.map((s) => s.reason);
    console.log(`workload: watch sessions ${reasons.join(' → ')}`);
    expect(reasons).toEqual(expect.arrayContaining(['start', 'resume', 'relist', 'stop']));
  });
});
