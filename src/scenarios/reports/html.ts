import { percentiles } from '../../percentiles.js';
import { formatCount } from '../../checks/verdict.js';
import { showsAvailability } from '../../workload/history.js';
import type { Report } from '../types.js';
import { describeMetrics, formatDuration } from './metrics.js';

/** HTML text, escaped. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const WIDTH = 1200;
const LABEL = 150;
const PLOT = WIDTH - LABEL - 20;
const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#db2777', '#0891b2', '#65a30d', '#dc2626', '#4b5563'];

/** A write acknowledged `ms` after it started `at`. */
export interface LatencyPoint {
  at: number;
  ms: number;
}

/**
 * The acknowledged writes' latencies as runs of points (by start time), broken wherever no write
 * that started was acknowledged for longer than `gapMs`: an outage is a gap, not a line across it.
 * By default a gap is five times the usual spacing between acknowledged writes, and at least a second.
 */
export function latencyRuns(acked: readonly { start: number; end: number }[], gapMs?: number): { runs: LatencyPoint[][]; gaps: { from: number; to: number }[] } {
  const points = acked.map((w) => ({ at: w.start, ms: w.end - w.start })).sort((a, b) => a.at - b.at);
  const spacing = points
    .slice(1)
    .map((p, i) => p.at - (points[i] as LatencyPoint).at)
    .sort((a, b) => a - b);
  const gap = gapMs ?? Math.max(1000, 5 * (spacing[Math.floor(spacing.length / 2)] ?? 0));
  const runs: LatencyPoint[][] = [];
  const gaps: { from: number; to: number }[] = [];
  for (const point of points) {
    const run = runs.at(-1);
    const last = run?.at(-1);
    if (run && last && point.at - last.at <= gap) run.push(point);
    else {
      if (last) gaps.push({ from: last.at, to: point.at });
      runs.push([point]);
    }
  }
  return { runs, gaps };
}

/**
 * One self-contained file (inline CSS and SVG, nothing fetched) a trainer can project: the verdict,
 * recovery figures, and the run drawn on one time axis — steps, faults, who led, whether writes
 * got through, how long they took — then every step with its commands, and every check.
 */
export function htmlReport(report: Report): string {
  const start = report.startedAt;
  const span = Math.max(1, report.endedAt - start);
  const x = (t: number) => LABEL + (Math.min(Math.max(t, start), report.endedAt) - start) / span * PLOT;
  const secs = (t: number) => ((t - start) / 1000).toFixed(1);
  const lanes: string[] = [];
  let y = 30;
  const lane = (label: string, height: number, body: string) => {
    lanes.push(`<text x="8" y="${y + height / 2 + 4}" class="lane">${esc(label)}</text><rect x="${LABEL}" y="${y}" width="${PLOT}" height="${height}" class="bg"/>${body}`);
    y += height + 14;
  };

  // Faults: one bar each, from injection to heal.
  const faults = report.history.faults;
  lane(
    'faults',
    Math.max(22, faults.length * 22),
    faults
      .map((f, i) => {
        const x0 = x(f.injectedAt);
        const x1 = x(f.healStartedAt ?? report.endedAt);
        // The label inside a box of the bar's size, which cuts it at the bar's end rather than spilling white text past it.
        return `<rect x="${x0}" y="${y + i * 22 + 3}" width="${Math.max(2, x1 - x0)}" height="16" class="fault"><title>${esc(`${f.kind} on ${f.members.join(', ')}: +${secs(f.injectedAt)} s → ${f.healStartedAt ? `+${secs(f.healStartedAt)} s` : 'end'}`)}</title></rect><svg x="${x0}" y="${y + i * 22 + 3}" width="${Math.max(2, x1 - x0)}" height="16"><text x="4" y="12" class="small light">${esc(`${f.kind} ${f.members.join(',')}`)}</text></svg>`;
      })
      .join(''),
  );

  // Leader: a coloured segment per leader, a gap while there is none.
  const leaders = report.history.leaders;
  const names = [...new Set(leaders.map((l) => l.leader).filter((l): l is string => Boolean(l)))].sort();
  const colour = (name: string) => PALETTE[names.indexOf(name) % PALETTE.length] as string;
  lane(
    'leader',
    22,
    leaders
      .map((sample, i) => {
        if (!sample.leader) return '';
        const end = leaders[i + 1]?.at ?? report.endedAt;
        return `<rect x="${x(sample.at)}" y="${y + 3}" width="${Math.max(1, x(end) - x(sample.at))}" height="16" fill="${colour(sample.leader)}"><title>${esc(`${sample.leader} leads (term ${sample.term ?? '?'}) from +${secs(sample.at)} s`)}</title></rect>`;
      })
      .join(''),
  );

  // Availability: the share of writes that got through, per second.
  const puts = report.history.operations.filter(showsAvailability);
  const buckets = new Map<number, { ok: number; all: number }>();
  for (const put of puts) {
    const second = Math.floor((put.start - start) / 1000);
    const bucket = buckets.get(second) ?? { ok: 0, all: 0 };
    bucket.all += 1;
    if (put.ok) bucket.ok += 1;
    buckets.set(second, bucket);
  }
  lane(
    'writes ok',
    22,
    [...buckets.entries()]
      .map(([second, b]) => {
        const share = b.ok / b.all;
        const fill = `hsl(${Math.round(share * 120)}, 70%, 45%)`;
        const t = start + second * 1000;
        return `<rect x="${x(t)}" y="${y + 3}" width="${Math.max(1, x(t + 1000) - x(t))}" height="16" fill="${fill}"><title>${esc(`+${second} s: ${b.ok}/${b.all} writes acknowledged`)}</title></rect>`;
      })
      .join(''),
  );

  // Latency of acknowledged writes, on a linear axis up to a little over the p99.
  const acked = puts.filter((p) => p.ok);
  const p99 = acked.length ? (percentiles(acked.map((p) => p.end - p.start)).p99 as number) : 1;
  const top = Math.max(10, p99 * 1.2);
  const height = 90;
  const py = (ms: number) => (y + height - Math.min(1, ms / top) * height).toFixed(1);
  const { runs, gaps } = latencyRuns(acked);
  const outages = gaps
    .map((g) => `<rect x="${x(g.from)}" y="${y}" width="${Math.max(1, x(g.to) - x(g.from))}" height="${height}" class="gap"><title>${esc(`+${secs(g.from)} s to +${secs(g.to)} s: no write acknowledged for ${formatDuration(g.to - g.from)}`)}</title></rect>`)
    .join('');
  // Each run its own line; a lone point (one write between two outages) a dot, so it is not lost.
  const lines = runs
    .map((run) =>
      run.length === 1
        ? `<circle cx="${x((run[0] as LatencyPoint).at).toFixed(1)}" cy="${py((run[0] as LatencyPoint).ms)}" r="1.5" class="dot"/>`
        : `<polyline points="${run.map((p) => `${x(p.at).toFixed(1)},${py(p.ms)}`).join(' ')}" class="latency"/>`,
    )
    .join('');
  lane(
    'put latency',
    height,
    `${outages}${lines}<text x="${LABEL + 4}" y="${y + 11}" class="small">${esc(formatDuration(top))}</text><text x="${LABEL + 4}" y="${y + height - 3}" class="small">0 ms</text>`,
  );

  // Steps: a marker where each began.
  const markers = report.steps
    .filter((s) => s.state !== 'skipped')
    .map((s) => `<line x1="${x(s.startedAt)}" y1="22" x2="${x(s.startedAt)}" y2="${y}" class="step ${s.state}"/><text x="${x(s.startedAt) + 2}" y="18" class="small" transform="rotate(-20 ${x(s.startedAt) + 2} 18)">${esc(`${s.index + 1}`)}</text>`)
    .join('');
  const ticks = Array.from({ length: 11 }, (_, i) => start + (span * i) / 10)
    .map((t) => `<text x="${x(t)}" y="${y + 4}" class="small" text-anchor="middle">${secs(t)} s</text>`)
    .join('');
  const legend = names.map((n) => `<span class="key" style="background:${colour(n)}"></span>${esc(n)}`).join(' ');
  // Drawn in WIDTH units and scaled to the page, so a narrower window shows it whole rather than cut.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${y + 20}" width="${WIDTH}" height="${y + 20}" style="width:100%;height:auto" role="img" aria-label="timeline">${lanes.join('')}${markers}${ticks}</svg>`;

  // Each figure in words and units; the raw name and value stay in the tooltip, for grepping the JSON.
  const metrics = describeMetrics(report.metrics)
    .map((m) => {
      const tooltip = `${m.hint ? `${m.hint}\n` : ''}${m.key} = ${report.metrics[m.key]}`;
      const recovery = m.key === 'rtoMs' || m.key === 'rpoWrites' ? ' recovery' : '';
      return `<div class="metric${recovery}" title="${esc(tooltip)}" data-key="${esc(m.key)}"><span class="label">${esc(m.label)}:</span> <span class="value">${esc(m.value)}</span></div>`;
    })
    .join('');
  // etcd's guidance: WAL fsync p99 under 10 ms, backend commit p99 under 25 ms.
  const ms = (value: number | undefined, slow: number) => (value === undefined ? '—' : `<span class="${value > slow ? 'slow' : ''}">${formatDuration(value)}</span>`);
  const signals = (report.signals ?? [])
    .map((s) => `<tr><td>${esc(s.member)}</td><td>${ms(s.walFsyncP99Ms, 10)} <span class="small">of ${formatCount(s.walFsyncs)}</span></td><td>${ms(s.backendCommitP99Ms, 25)}</td><td>${s.leaderChanges}</td><td>${s.slowApplies}</td><td>${s.heartbeatFailures}</td></tr>`)
    .join('');
  const steps = report.steps
    .map(
      (s) =>
        `<tr class="${s.state}"><td>${s.index + 1}</td><td>${esc(s.name)}</td><td>${s.state}</td><td>${((s.endedAt - s.startedAt) / 1000).toFixed(1)} s</td><td>${esc(s.message)}${
          s.commands.length ? `<pre>${esc(s.commands.map((c) => `$ ${c.command}  (${c.durationMs} ms${c.exitCode ? `, exit ${c.exitCode}` : ''})\n${c.output}`).join('\n'))}</pre>` : ''
        }</td></tr>`,
    )
    .join('');
  const checks = report.checks
    .map(
      (c) =>
        `<tr class="${c.ok ? 'passed' : 'failed'}"><td>${esc(c.check)}</td><td>${c.ok ? 'ok' : c.status.toUpperCase()}</td><td>${esc(c.message)}${c.details.length ? `<ul>${c.details.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>` : ''}${
          c.evidence.length ? `<div class="evidence">${c.evidence.map((e) => esc(`${formatCount(e.count)} ${e.what} (floor ${e.min}${e.min !== e.defaultMin ? `, lowered by the scenario from ${e.defaultMin}` : ''})`)).join('<br>')}</div>` : ''
        }</td></tr>`,
    )
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(report.scenario)} — etcd-drill</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:24px;color:#111;max-width:${WIDTH + 40}px}
h1{margin:0 0 4px}.verdict{display:inline-block;padding:4px 12px;border-radius:4px;color:#fff;font-weight:bold}
.evidence{color:#555;font-size:13px;margin-top:2px}.verdict.passed{background:#16a34a}.verdict.failed{background:#dc2626}
.metrics{display:flex;flex-wrap:wrap;gap:8px 10px;margin:12px 0}.metric{border:1px solid #e5e7eb;border-radius:6px;padding:6px 10px;background:#f9fafb}
.metric .label{color:#4b5563}.metric .value{font-weight:600}.metric.recovery{font-size:18px;background:#eff6ff;border-color:#bfdbfe}.lane{font-size:13px;fill:#333}.small{font-size:11px;fill:#444}.light{fill:#fff}
.bg{fill:#f3f4f6}.fault{fill:#dc2626}.latency{fill:none;stroke:#2563eb;stroke-width:1.2}.dot{fill:#2563eb}.gap{fill:#fee2e2}
.step{stroke:#6b7280;stroke-dasharray:3 3}.step.failed{stroke:#dc2626}
table{border-collapse:collapse;width:100%;margin-top:8px}td,th{border-bottom:1px solid #e5e7eb;padding:6px;text-align:left;vertical-align:top}
tr.failed td{background:#fef2f2}tr.skipped td{color:#9ca3af}pre{background:#f9fafb;padding:6px;white-space:pre-wrap;font-size:12px;margin:4px 0 0}
.slow{color:#dc2626;font-weight:600}.key{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:middle}
</style></head><body>
<h1>${esc(report.scenario)}</h1>
<p>${esc(report.description)}</p>
<p><span class="verdict ${report.passed ? 'passed' : 'failed'}">${report.passed ? 'PASSED' : 'FAILED'}</span>
 cluster ${esc(report.cluster)} · seed ${report.seed} · ${new Date(report.startedAt).toISOString()} · ${((report.endedAt - report.startedAt) / 1000).toFixed(1)} s</p>
${metrics ? `<div class="metrics">${metrics}</div>` : ''}
<h2>Timeline</h2>
<p class="small">seconds since the start · faults in red · leader by colour:${legend || ' none seen'} · writes acknowledged per second, green to red · latency of acknowledged writes, broken (pink) where none was acknowledged · dashed lines: steps</p>
${svg}
${signals ? `<h2>What etcd reported</h2>
<p class="small">each member's own /metrics over the run, as an operator watches them (etcd's guidance: WAL fsync p99 under 10 ms, backend commit p99 under 25 ms; slower in red)</p>
<table><tr><th>member</th><th>WAL fsync p99</th><th>backend commit p99</th><th>leader changes seen</th><th>slow applies</th><th>heartbeat send failures</th></tr>${signals}</table>` : ''}
<h2>Steps</h2>
<table><tr><th>#</th><th>step</th><th>state</th><th>took</th><th>what happened</th></tr>${steps}</table>
<h2>Checks</h2>
<table><tr><th>check</th><th>verdict</th><th>message</th></tr>${checks}</table>
</body></html>
`;
}
