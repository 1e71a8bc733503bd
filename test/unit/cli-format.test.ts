import { describe, expect, it } from 'vitest';
import { statusTable, table } from '../../src/cli/format.js';
import { formatBytes, progressLine } from '../../src/event-lines.js';
import type { DrillEvent, Timestamped } from '../../src/events.js';
import { unansweredStatus, type MemberStatus } from '../../src/topology/cluster.js';

describe('table', () => {
  const out = table(['NAME', 'VALUE'], [['member1', '1'], ['m2', 'a much longer value']]);
  const lines = out.split('\n');

  it('draws rules above and below the header and below the last row', () => {
    expect(lines).toHaveLength(6);
    for (const i of [0, 2, 5]) expect(lines[i]).toMatch(/^\+-+\+-+\+$/);
  });

  it('makes every line the same width, sized to the widest cell of each column', () => {
    const widths = new Set(lines.map((l) => l.length));
    expect(widths.size).toBe(1);
    // '| ' + widest + ' |' per column, sharing the separators.
    expect(lines[0]).toBe(`+${'-'.repeat('member1'.length + 2)}+${'-'.repeat('a much longer value'.length + 2)}+`);
  });

  it('puts each header and cell in its own column', () => {
    const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());
    expect(cells(lines[1]!)).toEqual(['NAME', 'VALUE']);
    expect(cells(lines[3]!)).toEqual(['member1', '1']);
    expect(cells(lines[4]!)).toEqual(['m2', 'a much longer value']);
  });

  it('prints only the header when there are no rows', () => {
    const empty = table(['A', 'BB'], []).split('\n');
    expect(empty).toHaveLength(4);
    expect(empty[1]).toContain('BB');
  });
});

describe('formatBytes', () => {
  it('prints a dash for an unknown size', () => {
    expect(formatBytes(undefined)).toBe('-');
  });

  it('prints sizes below 1 kB in bytes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
  });

  it('prints one decimal below 10 units and none from 10 on', () => {
    expect(formatBytes(1024)).toBe('1.0 kB');
    expect(formatBytes(1536)).toBe('1.5 kB');
    expect(formatBytes(20 * 1024)).toBe('20 kB');
    expect(formatBytes(2 * 1024 * 1024)).toBe('2.0 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
  });

  it('stops at GB for very large sizes', () => {
    expect(formatBytes(2048 * 1024 ** 3)).toBe('2048 GB');
  });

  it('never prints 1024 of a unit that has a bigger one', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MB');
  });
});

describe('statusTable', () => {
  const healthy: MemberStatus = {
    name: 'member1',
    endpoint: 'https://127.0.0.1:32379',
    healthy: true,
    isLeader: true,
    leaderId: 'abc',
    raftTerm: 7,
    raftIndex: 1234,
    revision: 99,
    dbSizeBytes: 20 * 1024,
    version: '3.5.17',
    clusterId: 'c0ffee',
    error: undefined,
  };
  const down = unansweredStatus('member2', 'https://127.0.0.1:32380', 'context deadline exceeded');
  const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());
  const lines = statusTable([healthy, down], { member1: '8e9e05c52164694d' }).split('\n');

  it('has the etcdctl endpoint status columns plus errors', () => {
    expect(cells(lines[1]!)).toEqual(['NAME', 'ENDPOINT', 'ID', 'VERSION', 'DB SIZE', 'IS LEADER', 'RAFT TERM', 'RAFT INDEX', 'ERRORS']);
  });

  it('shows a healthy member with its id, version, size, leadership and raft position', () => {
    expect(cells(lines[3]!)).toEqual(['member1', 'https://127.0.0.1:32379', '8e9e05c52164694d', '3.5.17', '20 kB', 'true', '7', '1234', '']);
  });

  it('shows dashes for what an unreachable member could not tell, and its error', () => {
    expect(cells(lines[4]!)).toEqual(['member2', 'https://127.0.0.1:32380', '-', '-', '-', '-', '-', '-', 'context deadline exceeded']);
  });
});

describe('progressLine', () => {
  // One of each event type; `satisfies` makes the compiler demand a fixture for every new type.
  const events = {
    'image.resolving': { type: 'image.resolving', image: 'gcr.io/etcd-development/etcd:v3.5.17' },
    'image.building': { type: 'image.building', image: 'etcd-drill/etcd:host', from: '/usr/bin/etcd (etcd 3.5.16)' },
    'image.ready': { type: 'image.ready', image: 'etcd-drill/etcd:host', etcdVersion: '3.5.16', built: true },
    'cluster.starting': { type: 'cluster.starting', cluster: 'drill', members: 3, topology: 'cluster' },
    'member.started': { type: 'member.started', cluster: 'drill', member: 'member2' },
    'member.ready': { type: 'member.ready', cluster: 'drill', member: 'member2' },
    'cluster.ready': { type: 'cluster.ready', cluster: 'drill', elapsedMs: 4321 },
    'cluster.stopping': { type: 'cluster.stopping', cluster: 'drill' },
    'cluster.removed': { type: 'cluster.removed', cluster: 'drill', containers: 3, networks: 1 },
    'sweep.removed': { type: 'sweep.removed', containers: 2, networks: 1, volumes: 0 },
    'fault.injected': { type: 'fault.injected', cluster: 'drill', id: 'f1', kind: 'member-loss', target: 'leader', members: ['member1'], takesMembersDown: true, effect: 'killed' },
    'fault.healed': { type: 'fault.healed', cluster: 'drill', id: 'f1', kind: 'member-loss', members: ['member1'], note: 'restarted', healStartedAt: undefined },
    'leader.changed': { type: 'leader.changed', cluster: 'drill', from: 'member1', to: 'member3', term: 4, electionMs: 1240 },
    'write.failed': { type: 'write.failed', cluster: 'drill', key: '/k', error: 'no leader', errorKind: 'unavailable' },
    'write.recovered': { type: 'write.recovered', cluster: 'drill', unavailableMs: 1250, failedOps: 6 },
    'workload.started': { type: 'workload.started', cluster: 'drill', ratePerSecond: 20, endpoints: ['member1', 'member2'] },
    'workload.stopped': { type: 'workload.stopped', cluster: 'drill', operations: 400, failed: 6 },
    'state.loading': { type: 'state.loading', cluster: 'drill', preset: 'medium', keys: 1013, totalKeys: 20_260, bytes: 1_800_000 },
    'state.loaded': { type: 'state.loaded', cluster: 'drill', preset: 'medium', keys: 20_260, valueBytes: 35_696_000, durationMs: 21_400, revision: 20_262 },
    'command.ran': { type: 'command.ran', cluster: 'drill', member: 'member1', command: 'ETCDCTL_API=3 etcdctl member list', exitCode: 0, output: '', durationMs: 31 },
    'runbook.started': { type: 'runbook.started', cluster: 'drill', runbook: 'snapshot' },
    'runbook.phase': { type: 'runbook.phase', cluster: 'drill', runbook: 'restore', phase: 'data dirs restored', durationMs: 3_210 },
    'runbook.finished': { type: 'runbook.finished', cluster: 'drill', runbook: 'snapshot', ok: true, summary: 'revision 42', durationMs: 900 },
    'step.started': { type: 'step.started', scenario: 'leader-loss', index: 0, name: 'kill the leader' },
    'step.finished': { type: 'step.finished', scenario: 'leader-loss', index: 0, name: 'kill the leader', state: 'passed', message: 'killed member1' },
    'check.verdict': { type: 'check.verdict', scenario: 'leader-loss', check: 'converged', ok: true, message: 'all agree' },
    'scenario.finished': { type: 'scenario.finished', scenario: 'leader-loss', passed: true, durationMs: 30_000, rtoMs: 20_100, rpoWrites: 9 },
    'log.line': { type: 'log.line', level: 'warn', line: 'member3 is slow' },
    'action.started': { type: 'action.started', action: 'kill-leader', label: 'kill leader' },
    'action.finished': { type: 'action.finished', action: 'kill-leader', label: 'kill leader', ok: true, message: 'killed member1', durationMs: 400 },
  } satisfies Omit<{ [K in DrillEvent['type']]: Extract<DrillEvent, { type: K }> }, 'members.sampled' | 'workload.sampled'>;

  const at = (event: DrillEvent): Timestamped => ({ ...event, at: 1_700_000_000_000 });

  it.each(Object.values(events).map((e) => [e.type, e] as const))('returns a non-empty line for %s', (_type, event) => {
    const line = progressLine(at(event));
    expect(typeof line).toBe('string');
    expect(line!.trim().length).toBeGreaterThan(0);
  });

  it('leaves the per-second samples to the faces that draw them', () => {
    expect(progressLine(at({ type: 'members.sampled', cluster: 'drill', members: [] }))).toBeUndefined();
    expect(progressLine(at({ type: 'workload.sampled', cluster: 'drill', sample: { windowMs: 1000, puts: 0, okPuts: 0, stalledPuts: 0, availability: undefined, p50Ms: undefined, p99Ms: undefined } }))).toBeUndefined();
  });

  it('names the cluster, topology and member count when a cluster starts', () => {
    const line = progressLine(at(events['cluster.starting']))!;
    expect(line).toContain('drill');
    expect(line).toContain('cluster');
    expect(line).toContain('3 members');
    expect(progressLine(at({ ...events['cluster.starting'], topology: 'single', members: 1 }))).toContain('1 member');
    expect(progressLine(at({ ...events['cluster.starting'], topology: 'single', members: 1 }))).not.toContain('1 members');
  });

  it('reports readiness time in seconds', () => {
    expect(progressLine(at(events['cluster.ready']))).toContain('4.3 s');
  });

  it('names the fault, its id and its members', () => {
    const line = progressLine(at(events['fault.injected']))!;
    for (const part of ['member-loss', 'f1', 'member1', 'leader', 'killed']) expect(line).toContain(part);
    expect(progressLine(at({ ...events['fault.injected'], members: [] }))).toContain('nobody');
  });

  it('describes a leader change, and the loss of the leader', () => {
    const line = progressLine(at(events['leader.changed']))!;
    expect(line).toContain('member3');
    expect(line).toContain('member1');
    expect(line).toContain('4');
    expect(line).toContain('election took 1.24 s');
    const lost = progressLine(at({ type: 'leader.changed', cluster: 'drill', from: 'member3', to: undefined, term: undefined, electionMs: undefined }))!;
    expect(lost).toMatch(/no leader/);
    expect(lost).toContain('member3');
    expect(progressLine(at({ type: 'leader.changed', cluster: 'drill', from: undefined, to: 'member2', term: undefined, electionMs: undefined }))).toContain('member2');
  });

  it('reports how long writes were unavailable and how many failed', () => {
    const line = progressLine(at(events['write.recovered']))!;
    expect(line).toContain('1.25 s');
    expect(line).toContain('6');
  });

  it('returns a line for events whose optional parts are missing', () => {
    expect(progressLine(at({ ...events['fault.injected'], effect: undefined }))).toBeTypeOf('string');
    expect(progressLine(at({ ...events['fault.healed'], note: undefined }))).toBeTypeOf('string');
    expect(progressLine(at({ ...events['image.ready'], built: false }))).toBeTypeOf('string');
  });
});
