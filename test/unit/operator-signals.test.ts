import { describe, expect, it } from 'vitest';
import { countersFrom, p99Ms, signalsBetween, syncsOver } from '../../src/workload/operator-signals.js';
import { signalArgs } from '../../src/scenarios/signal-conditions.js';
import { redrawPeriodMs } from '../../src/faults/syscall-tracer.js';

/** etcd 3.4's /metrics, the lines that matter (bounds in seconds, cumulative counts). */
function metrics(fsync: number[], commit: number[], leaderChanges: number, slowApplies = 0): string {
  const bounds = ['0.001', '0.002', '0.004', '0.008', '0.016', '0.032', '0.064', '0.128', '0.256', '0.512', '1.024', '2.048', '4.096', '8.192', '+Inf'];
  const histogram = (name: string, counts: number[]) => bounds.map((le, i) => `${name}_bucket{le="${le}"} ${counts[Math.min(i, counts.length - 1)]}`).join('\n');
  return [
    '# HELP etcd_disk_wal_fsync_duration_seconds The latency distributions of fsync called by WAL.',
    '# TYPE etcd_disk_wal_fsync_duration_seconds histogram',
    histogram('etcd_disk_wal_fsync_duration_seconds', fsync),
    `etcd_disk_wal_fsync_duration_seconds_count ${fsync.at(-1)}`,
    histogram('etcd_disk_backend_commit_duration_seconds', commit),
    `etcd_server_leader_changes_seen_total ${leaderChanges}`,
    `etcd_server_slow_apply_total ${slowApplies}`,
    'etcd_server_heartbeat_send_failures_total 0',
  ].join('\n');
}

// 100 syncs under 1 ms, then (cumulatively) none slower until 4 over 1.024 s.
const healthy = countersFrom(metrics([100], [50], 1));
const stalled = countersFrom(metrics([100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 102, 104], [50, 50, 50, 50, 50, 50, 50, 60], 3, 2));

describe('operator signals from /metrics', () => {
  it('reads the histograms and counters etcd exposes', () => {
    expect(healthy.walFsync).toHaveLength(15);
    expect(healthy.walFsync.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, count: 100 });
    expect(stalled).toMatchObject({ leaderChanges: 3, slowApplies: 2, heartbeatFailures: 0 });
  });

  it('estimates p99 as histogram_quantile does, within the bucket it falls in', () => {
    expect(p99Ms(healthy.walFsync)).toBeCloseTo(0.99, 5);
    expect(p99Ms([])).toBeUndefined();
    // The window's own syncs: 4 slow ones of 4 → the p99 sits inside 1.024–2.048 s or 2.048–4.096 s.
    const window = signalsBetween('member1', healthy, stalled);
    expect(window).toMatchObject({ member: 'member1', walFsyncs: 4, leaderChanges: 2, slowApplies: 2 });
    expect(window.walFsyncP99Ms).toBeGreaterThan(2048);
    expect(window.walFsyncP99Ms).toBeLessThanOrEqual(4096);
  });

  it('counts syncs past a delay by the largest bucket bound under it', () => {
    expect(syncsOver(stalled.walFsync, 2_000)).toEqual({ count: 4, boundMs: 1024 });
    expect(syncsOver(stalled.walFsync, 200)).toEqual({ count: 4, boundMs: 128 });
    expect(syncsOver(healthy.walFsync, 200)).toEqual({ count: 0, boundMs: 128 });
  });

  it('counts what a restarted member counted since its restart, and a new member since it started', () => {
    const restarted = countersFrom(metrics([7], [3], 1));
    expect(signalsBetween('member2', stalled, restarted)).toMatchObject({ walFsyncs: 7, leaderChanges: 1 });
    expect(signalsBetween('member4', undefined, healthy)).toMatchObject({ walFsyncs: 100, leaderChanges: 1 });
  });

  it('a scenario bound names its signal and a limit', () => {
    expect(signalArgs.safeParse({ signal: 'leader-changes' }).success).toBe(false);
    expect(signalArgs.safeParse({ signal: 'disk-speed', atMost: 1 }).success).toBe(false);
    expect(signalArgs.safeParse({ signal: 'wal-fsync-p99-ms', atLeast: 200 }).success).toBe(true);
  });
});

describe('slow-disk jitter', () => {
  it('holds each drawn delay long enough that redrawing seldom cuts a stall short', () => {
    expect(redrawPeriodMs(300, 50)).toBe(1_400);
    expect(redrawPeriodMs(100, 0)).toBe(1_000);
    expect(redrawPeriodMs(2_500, 500)).toBe(12_000);
  });
});
