import { describe, expect, it } from 'vitest';
import { CONDITIONS, type ConditionContext } from '../../src/scenarios/conditions.js';
import type { Operation } from '../../src/workload/history.js';
import type { Workload } from '../../src/workload/workload.js';
import type { Cluster } from '../../src/topology/cluster.js';

const SINCE = 1_000;

function contextWith(operations: Partial<Operation>[]): ConditionContext {
  const workload = { history: { operations: operations.map((o, i) => ({ id: i, key: '/registry/drill/objects/1', start: SINCE + i, end: SINCE + i + 5, ...o })) } } as unknown as Workload;
  return { cluster: {} as Cluster, workload, since: SINCE, leaderBeforeLastFault: undefined };
}

const writesFail = CONDITIONS.get('writes-fail')!;

describe('writes-fail', () => {
  it('holds while every write that stores data fails, though etcd took a delete (as it does under NOSPACE)', async () => {
    const ctx = contextWith([
      { kind: 'update', ok: false, errorKind: 'nospace' },
      { kind: 'delete', ok: true },
      { kind: 'create', ok: false, errorKind: 'nospace' },
    ]);
    await expect(writesFail(ctx, {})).resolves.toBe(true);
  });

  it('does not hold when a put was acknowledged, and says how many', async () => {
    const ctx = contextWith([
      { kind: 'update', ok: false, errorKind: 'timeout' },
      { kind: 'create', ok: true },
    ]);
    await expect(writesFail(ctx, {})).resolves.toBe('1 writes were acknowledged since the step began');
  });

  it('does not hold before any write that stores data has failed: nothing was tried', async () => {
    await expect(writesFail(contextWith([{ kind: 'delete', ok: true }]), {})).resolves.toBe('no write has failed yet');
    await expect(writesFail(contextWith([]), {})).resolves.toBe('no write has failed yet');
  });
});
