import { describe, expect, it } from 'vitest';
import { htmlReport, latencyRuns } from '../../src/scenarios/reports/html.js';
import { describeMetric, describeMetrics, formatDuration } from '../../src/scenarios/reports/metrics.js';
import { outageReport, t0 } from '../support/outage-report.js';

describe('the latency line', () => {
  it('breaks across an outage instead of drawing a straight line over it', () => {
    const writes = [0, 50, 100, 150, 9000, 9050, 9100].map((at) => ({ start: t0 + at, end: t0 + at + 5 }));
    const { runs, gaps } = latencyRuns(writes);
    expect(runs.map((run) => run.map((p) => p.at - t0))).toEqual([
      [0, 50, 100, 150],
      [9000, 9050, 9100],
    ]);
    expect(gaps).toEqual([{ from: t0 + 150, to: t0 + 9000 }]);
  });

  it('keeps a steady trickle of writes one line, however slow the rate', () => {
    const writes = Array.from({ length: 20 }, (_, i) => ({ start: t0 + i * 800, end: t0 + i * 800 + 3 }));
    expect(latencyRuns(writes).runs).toHaveLength(1);
    expect(latencyRuns([]).runs).toEqual([]);
  });

  it('draws the report’s outage as a gap, named in its tooltip, and each run as its own line', () => {
    const html = htmlReport(outageReport());
    expect(html.match(/<polyline /g)).toHaveLength(2);
    expect(html).toMatch(/class="gap"><title>\+11\.9 s to \+21\.0 s: no write acknowledged for 9\.1 s<\/title>/);
  });
});

describe('metrics in words and units', () => {
  const text = (key: string, value: number | string) => {
    const m = describeMetric(key, value);
    return `${m.label}: ${m.value}`;
  };

  const reported: [string, number | string, string][] = [
    ['rpoWrites', 4, 'RPO: 4 acknowledged writes lost'],
    ['rpoWrites', 1, 'RPO: 1 acknowledged write lost'],
    ['rpoWrites', 0, 'RPO: no acknowledged write lost'],
    ['rtoMs', 8628, 'RTO: 8.6 s'],
    ['restoreMs', 6600, 'Restore took: 6.6 s'],
    ['restoredFromRevision', 4821, 'Restored from: revision 4,821'],
    ['restoredKeys', 12000, 'Keys restored: 12,000 keys'],
    ['restoredKeys', 1, 'Keys restored: 1 key'],
    ['verifiedKeys', 40, 'Keys verified: 40 keys'],
    ['dbSizeBytes', 25_165_824, 'Database size: 24 MB'],
    ['snapshotRevision', 4821, 'Snapshot at: revision 4,821'],
    ['snapshotKeys', 1, 'Keys in the snapshot: 1 key'],
    ['snapshotBytes', 3_481_600, 'Snapshot size: 3.3 MB'],
    ['snapshotBytes', 20_480, 'Snapshot size: 20 kB'],
    ['backupBytes', 900, 'Encrypted backup size: 900 B'],
    ['workloadP99MsDuringSnapshot', 41.7, 'Write p99 during the snapshot: 42 ms'],
    ['statePreset', 'small', 'State preset: small'],
    ['stateKeys', 12000, 'Objects preloaded: 12,000 objects'],
    ['stateValueBytes', 2_202_009, 'Preloaded data: 2.1 MB'],
    ['stateLoadMs', 3140, 'Preload took: 3.1 s'],
  ];
  const unheardOf: [string, number | string, string][] = [
    ['preloadMs', 95_000, 'Preload: 1 min 35 s'],
    ['keysRestored', 120, 'Keys restored: 120'],
    ['compactedKeys', 12_000, 'Compacted: 12,000 keys'],
    ['walSizeBytes', 64 * 1024 * 1024, 'WAL size: 64 MB'],
    ['compactedRevision', 4821, 'Compacted revision: 4,821'],
    ['defragMsPerMember', 1500, 'Defrag per member: 1.5 s'],
    ['lostWrites', 3, 'Lost: 3 writes'],
    ['keys', 3, 'Keys: 3 keys'],
    ['leaderChanges', 1234, 'Leader changes: 1,234'],
    ['note', 'cold start', 'Note: cold start'],
  ];

  it('reads every metric the engine and the runbooks report', () => {
    for (const [key, value, expected] of reported) expect(text(key, value)).toBe(expected);
  });

  it('reads a metric it has never heard of by its name’s words and unit', () => {
    for (const [key, value, expected] of unheardOf) expect(text(key, value)).toBe(expected);
  });

  it('puts RTO and RPO first', () => {
    expect(describeMetrics({ snapshotKeys: 3, rpoWrites: 0, rtoMs: 900 }).map((m) => m.key)).toEqual(['rtoMs', 'rpoWrites', 'snapshotKeys']);
  });

  it('formats durations to the precision a trainer reads', () => {
    expect([0.4, 850, 1000, 8628, 59_400, 61_000, 3_725_000].map(formatDuration)).toEqual(['0 ms', '850 ms', '1.0 s', '8.6 s', '59 s', '1 min 1 s', '1 h 2 min']);
  });

  it('shows the figures in words in the report, with the raw name and value in the tooltip', () => {
    const html = htmlReport(outageReport());
    expect(html).toContain('<span class="label">RPO:</span> <span class="value">4 acknowledged writes lost</span>');
    expect(html).toContain('<span class="label">RTO:</span> <span class="value">8.6 s</span>');
    expect(html).toContain('<span class="label">Snapshot size:</span> <span class="value">3.3 MB</span>');
    expect(html).toContain('rtoMs = 8628');
    expect(html).not.toMatch(/<b>rtoMs<\/b>/);
  });

  it('shows what etcd itself reported per member, a stalled disk in red; a report without signals leaves the table out', () => {
    const signals = [
      { member: 'member1', walFsyncP99Ms: 2_900, walFsyncs: 12, backendCommitP99Ms: 3_100, leaderChanges: 2, slowApplies: 5, heartbeatFailures: 3 },
      { member: 'member2', walFsyncP99Ms: 3.2, walFsyncs: 1_204, backendCommitP99Ms: 9, leaderChanges: 2, slowApplies: 0, heartbeatFailures: 0 },
    ];
    const html = htmlReport({ ...outageReport(), signals });
    expect(html).toContain('<h2>What etcd reported</h2>');
    expect(html).toContain('<tr><td>member1</td><td><span class="slow">2.9 s</span> <span class="small">of 12</span></td><td><span class="slow">3.1 s</span></td><td>2</td><td>5</td><td>3</td></tr>');
    expect(html).toContain('<tr><td>member2</td><td><span class="">3 ms</span> <span class="small">of 1,204</span></td>');
    expect(htmlReport(outageReport())).not.toContain('What etcd reported');
  });
});
