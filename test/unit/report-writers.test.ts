import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { htmlReport, jsonReport, junitXml, writeReports } from '../../src/scenarios/reports/index.js';
import { REPORT_FORMAT_VERSION } from '../../src/scenarios/reports/json.js';
import type { Report } from '../../src/scenarios/types.js';
import { emptyHistory } from '../../src/workload/history.js';

const t0 = 1_700_000_000_000;
const report: Report = {
  scenario: 'leader-loss',
  description: 'The leader <crashes> & comes back',
  file: 'scenarios/leader-loss.yaml',
  seed: 7,
  cluster: 's-leader-loss-ab12',
  startedAt: t0,
  endedAt: t0 + 20_000,
  passed: false,
  steps: [
    { index: 0, name: 'fault kill on leader', kind: 'fault', state: 'passed', startedAt: t0 + 1000, endedAt: t0 + 1500, message: 'kill on member1', commands: [] },
    {
      index: 1,
      name: 'runbook snapshot',
      kind: 'runbook',
      state: 'failed',
      startedAt: t0 + 2000,
      endedAt: t0 + 3000,
      message: `bad <&"'> thing`,
      commands: [{ command: 'ETCDCTL_API=3 etcdctl snapshot save /x', exitCode: 1, output: 'Error: boom', durationMs: 120 }],
    },
    { index: 2, name: 'heal all', kind: 'heal', state: 'skipped', startedAt: t0 + 3000, endedAt: t0 + 3000, message: 'skipped', commands: [] },
  ],
  checks: [
    {
      check: 'converged',
      status: 'ok',
      ok: true,
      message: '5 members compared at revision 40 (floor lowered to 0): all agree',
      details: [],
      evidence: [{ floor: 'members', what: 'members compared at revision 40', count: 5, min: 0, defaultMin: 1 }],
    },
    {
      check: 'acked-writes-durable',
      status: 'failed',
      ok: false,
      message: '/registry/drill/3: acknowledged update = 9 (op 4, revision 7) is lost: key absent after heal',
      details: ['one', 'two'],
      evidence: [{ floor: 'writes', what: 'acknowledged writes compared with the store after heal', count: 30, min: 20, defaultMin: 20 }],
    },
  ],
  metrics: { rtoMs: 1234 },
  floors: { converged: { members: 0 } },
  history: {
    ...emptyHistory(2000),
    operations: [
      { id: 1, kind: 'create', key: '/registry/drill/1', value: '1', start: t0 + 100, end: t0 + 110, ok: true, error: undefined, errorKind: undefined, revision: 2, member: undefined },
      { id: 2, kind: 'update', key: '/registry/drill/2', value: '2', start: t0 + 1200, end: t0 + 3200, ok: false, error: 'timeout', errorKind: 'timeout', revision: undefined, member: undefined },
    ],
    leaders: [
      { at: t0, leader: 'member1', term: 2 },
      { at: t0 + 1100, leader: undefined, term: undefined },
      { at: t0 + 2100, leader: 'member3', term: 3 },
    ],
    faults: [{ id: 'kill-1', kind: 'kill', members: ['member1'], clusterSize: 5, takesMembersDown: true, injectedAt: t0 + 1000, healStartedAt: t0 + 9000 }],
  },
  timeline: [],
};

/** Tags open and close in order: a cheap stand-in for an XML parser. */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const [, close, name, selfClosing] of xml.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name as string);
  }
  return stack.length === 0;
}

describe('JUnit', () => {
  const xml = junitXml([report]);
  it('has one test case per step and per check, with the counts CI reads', () => {
    expect(xml).toMatch(/<testsuite name="leader-loss" tests="5" failures="2" skipped="1"/);
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    expect(xml).toContain('<skipped/>');
  });
  it('gives a failed check its status and every check its evidence', () => {
    expect(xml).toContain('failure message="failed: /registry/drill/3: acknowledged update = 9');
    expect(xml).toContain('5 members compared at revision 40 (floor 0)');
  });
  it('escapes what it quotes and stays well-formed', () => {
    expect(xml).toContain('bad &lt;&amp;&quot;&apos;&gt; thing');
    expect(xml).toContain('Error: boom');
    expect(balanced(xml.replace(/<\?xml[^>]*\?>/, ''))).toBe(true);
  });
});

describe('JSON', () => {
  it('round-trips the whole report, its format version first', () => {
    const written = JSON.parse(jsonReport(report)) as Record<string, unknown>;
    expect(Object.keys(written)[0]).toBe('formatVersion');
    expect(written).toEqual({ formatVersion: REPORT_FORMAT_VERSION, ...JSON.parse(JSON.stringify(report)) });
  });
});

describe('HTML', () => {
  const html = htmlReport(report);
  it('is one self-contained page with the timeline drawn', () => {
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const text of ['leader-loss', 'fault kill on leader', 'runbook snapshot', 'converged', 'acked-writes-durable', 'rtoMs', 'member3']) expect(html).toContain(text);
  });
  it('shows each check’s evidence and a floor the scenario lowered', () => {
    expect(html).toContain('5 members compared at revision 40 (floor 0, lowered by the scenario from 1)');
    expect(html).toContain('30 acknowledged writes compared with the store after heal (floor 20)');
  });
  it('escapes the text it shows', () => {
    expect(html).toContain('The leader &lt;crashes&gt; &amp; comes back');
    expect(html).not.toContain('<crashes>');
  });
  it('renders a run that saw nothing', () => {
    const empty = htmlReport({ ...report, history: emptyHistory(), steps: [], checks: [] });
    expect(empty).toContain('<svg');
    expect(empty).toContain('none seen');
  });
});

describe('writeReports', () => {
  it('writes junit.xml and a JSON and an HTML file per scenario', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'etcd-drill-reports-'));
    try {
      const { junit, files } = await writeReports([report], dir);
      expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['junit.xml', 'leader-loss.json', 'leader-loss.html']);
      expect(await readFile(junit, 'utf8')).toContain('<testsuites>');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
