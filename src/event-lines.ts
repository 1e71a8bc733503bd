import type { Timestamped } from './events.js';
import { log } from './log.js';

/**
 * Events and figures in words, the same for every face: the plain lines of the CLI and CI logs, the
 * terminal UI's event log and scenario view.
 */

/** Plain progress lines for a terminal or a CI log, from the engine's event stream. */
export function progressLine(event: Timestamped): string | undefined {
  switch (event.type) {
    case 'image.resolving':
      return `looking for image ${event.image}…`;
    case 'image.building':
      return `building image ${event.image} from ${event.from}…`;
    case 'image.ready':
      return `image ${event.image} (etcd ${event.etcdVersion})${event.built ? ' built' : ''}`;
    case 'cluster.starting':
      return `starting ${event.topology} cluster '${event.cluster}' with ${event.members} member${event.members === 1 ? '' : 's'}…`;
    case 'member.started':
      return `  ${event.member}: container started`;
    case 'member.ready':
      return `  ${event.member}: serving, leader known`;
    case 'cluster.ready':
      return `cluster '${event.cluster}' ready in ${(event.elapsedMs / 1000).toFixed(1)} s`;
    case 'cluster.stopping':
      return `removing cluster '${event.cluster}'…`;
    case 'cluster.removed':
      return `removed cluster '${event.cluster}' (${event.containers} containers, ${event.networks} network${event.networks === 1 ? '' : 's'})`;
    case 'sweep.removed':
      return `removed ${event.containers} containers and ${event.networks} networks left by processes that are gone`;
    case 'fault.injected':
      return `fault ${event.kind} (${event.id}) on ${event.members.join(', ') || 'nobody'} [target ${event.target}]${event.effect ? `: ${event.effect}` : ''}`;
    case 'fault.healed':
      return `healed ${event.kind} (${event.id}) on ${event.members.join(', ')}${event.note ? `: ${event.note}` : ''}`;
    case 'leader.changed':
      if (!event.to) return `no leader${event.from ? ` (was ${event.from})` : ''}`;
      return `leader is now ${event.to} (term ${event.term ?? '?'})${event.from ? `, was ${event.from}` : ''}${event.electionMs === undefined ? '' : `; election took ${(event.electionMs / 1000).toFixed(2)} s`}`;
    case 'write.failed':
      return `writes failing: ${event.errorKind} (${event.error})`;
    case 'write.recovered':
      return `writes recovered after ${(event.unavailableMs / 1000).toFixed(2)} s (${event.failedOps} failed)`;
    case 'command.ran':
      return `  $ ${event.command}  (${event.durationMs} ms${event.exitCode ? `, exit ${event.exitCode}` : ''})`;
    case 'runbook.started':
      return `runbook ${event.runbook}…`;
    case 'runbook.phase':
      return `  ${event.runbook}: ${event.phase} in ${(event.durationMs / 1000).toFixed(2)} s`;
    case 'runbook.finished':
      return `runbook ${event.runbook} ${event.ok ? 'done' : 'FAILED'} in ${(event.durationMs / 1000).toFixed(1)} s: ${event.summary}`;
    case 'step.started':
      return `step ${event.index + 1}: ${event.name}`;
    case 'step.finished':
      return `step ${event.index + 1} ${event.state}: ${event.message}`;
    case 'scenario.finished':
      return `${event.passed ? '✔ PASSED' : '✘ FAILED'} ${event.scenario} in ${(event.durationMs / 1000).toFixed(1)} s${recoveryFigures(event.rtoMs, event.rpoWrites)}`;
    case 'check.verdict':
      return `check ${event.check}: ${event.ok ? 'ok' : 'FAILED'} — ${event.message}`;
    case 'action.started':
      return `${event.label}…`;
    case 'action.finished':
      return `${event.label}: ${event.ok ? '' : 'FAILED: '}${event.message} (${(event.durationMs / 1000).toFixed(1)} s)`;
    case 'log.line':
      return event.level === 'info' ? event.line : `${event.level}: ${event.line}`;
    case 'members.sampled':
    case 'workload.sampled':
      return undefined; // every second: faces draw these, lines would drown the log
    case 'workload.started':
      return `workload: ${event.ratePerSecond} ops/s through ${event.endpoints.join(', ')}`;
    case 'workload.stopped':
      return `workload: ${event.operations} operations, ${event.failed} failed`;
    case 'state.loading':
      return `loading ${event.preset} state: ${event.keys.toLocaleString('en-US')} of ${event.totalKeys.toLocaleString('en-US')} objects (${formatBytes(event.bytes)})`;
    case 'state.loaded':
      return `loaded ${event.preset} state: ${event.keys.toLocaleString('en-US')} objects, ${formatBytes(event.valueBytes)} in ${(event.durationMs / 1000).toFixed(1)} s (revision ${event.revision})`;
  }
}

/** " (RTO 20.1 s, RPO 9 writes)", or nothing when no restore ran. */
export function recoveryFigures(rtoMs: number | undefined, rpoWrites: number | undefined): string {
  const parts = [];
  if (rtoMs !== undefined) parts.push(`RTO ${(rtoMs / 1000).toFixed(1)} s`);
  if (rpoWrites !== undefined) parts.push(`RPO ${rpoWrites} writes`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function printProgress(event: Timestamped): void {
  const line = progressLine(event);
  if (line) log.info(line);
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  const shown = (v: number) => v.toFixed(v < 10 ? 1 : 0);
  let value = bytes / 1024;
  let unit = 0;
  // Compare what will be printed, so 1048575 B reads "1.0 MB", not "1024 kB".
  while (Number(shown(value)) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${shown(value)} ${units[unit]}`;
}

/** HH:MM:SS (with milliseconds: HH:MM:SS.mmm) on the local wall clock, the same in every face. */
export function clockTime(at: number, options: { milliseconds?: boolean } = {}): string {
  const time = new Date(at);
  const hms = [time.getHours(), time.getMinutes(), time.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return options.milliseconds ? `${hms}.${String(time.getMilliseconds()).padStart(3, '0')}` : hms;
}
