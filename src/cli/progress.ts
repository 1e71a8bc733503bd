import type { Timestamped } from '../events.js';
import { log } from '../log.js';

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
      return event.to ? `leader is now ${event.to} (term ${event.term ?? '?'})${event.from ? `, was ${event.from}` : ''}` : `no leader${event.from ? ` (was ${event.from})` : ''}`;
    case 'write.failed':
      return `writes failing: ${event.errorKind} (${event.error})`;
    case 'write.recovered':
      return `writes recovered after ${(event.unavailableMs / 1000).toFixed(2)} s (${event.failedOps} failed)`;
    case 'command.ran':
      return `  $ ${event.command}  (${event.durationMs} ms${event.exitCode ? `, exit ${event.exitCode}` : ''})`;
    case 'runbook.started':
      return `runbook ${event.runbook}…`;
    case 'runbook.finished':
      return `runbook ${event.runbook} ${event.ok ? 'done' : 'FAILED'} in ${(event.durationMs / 1000).toFixed(1)} s: ${event.summary}`;
    case 'step.started':
      return `step ${event.index + 1}: ${event.name}`;
    case 'step.finished':
      return `step ${event.index + 1} ${event.state}: ${event.message}`;
    case 'check.verdict':
      return `check ${event.check}: ${event.ok ? 'ok' : 'FAILED'} — ${event.message}`;
    case 'observer.started':
      return `observer: ${event.ratePerSecond} ops/s through ${event.endpoints.join(', ')}`;
    case 'observer.stopped':
      return `observer: ${event.operations} operations, ${event.failed} failed`;
  }
}

export function printProgress(event: Timestamped): void {
  const line = progressLine(event);
  if (line) log.info(line);
}
