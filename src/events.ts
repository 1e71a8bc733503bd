import { EventEmitter } from 'node:events';

/**
 * The typed event stream every layer emits into and every face (CLI lines, TUI, reports)
 * subscribes to. Layers never render; faces never drive Docker.
 */
export type DrillEvent =
  | { type: 'image.resolving'; image: string }
  | { type: 'image.building'; image: string; from: string }
  | { type: 'image.ready'; image: string; etcdVersion: string; built: boolean }
  | { type: 'cluster.starting'; cluster: string; members: number; topology: string }
  | { type: 'member.started'; cluster: string; member: string }
  | { type: 'member.ready'; cluster: string; member: string }
  | { type: 'cluster.ready'; cluster: string; elapsedMs: number }
  | { type: 'cluster.stopping'; cluster: string }
  | { type: 'cluster.removed'; cluster: string; containers: number; networks: number }
  | { type: 'sweep.removed'; containers: number; networks: number; volumes: number }
  | { type: 'fault.injected'; cluster: string; id: string; kind: string; target: string; members: string[]; takesMembersDown: boolean; effect: string | undefined }
  | { type: 'fault.healed'; cluster: string; id: string; kind: string; members: string[]; note: string | undefined }
  | { type: 'leader.changed'; cluster: string; from: string | undefined; to: string | undefined; term: number | undefined }
  | { type: 'write.failed'; cluster: string; key: string; error: string; errorKind: string }
  | { type: 'write.recovered'; cluster: string; unavailableMs: number; failedOps: number }
  | { type: 'command.ran'; cluster: string; member: string; command: string; exitCode: number; output: string; durationMs: number }
  | { type: 'runbook.started'; cluster: string; runbook: string }
  | { type: 'runbook.finished'; cluster: string; runbook: string; ok: boolean; summary: string; durationMs: number }
  | { type: 'step.started'; scenario: string; index: number; name: string }
  | { type: 'step.finished'; scenario: string; index: number; name: string; state: 'passed' | 'failed' | 'skipped'; message: string }
  | { type: 'check.verdict'; scenario: string; check: string; ok: boolean; message: string }
  | { type: 'observer.started'; cluster: string; ratePerSecond: number; endpoints: string[] }
  | { type: 'observer.stopped'; cluster: string; operations: number; failed: number };

export type Timestamped<E extends DrillEvent = DrillEvent> = E & { at: number };

export class EventBus {
  private readonly emitter = new EventEmitter();

  emit(event: DrillEvent): void {
    this.emitter.emit('event', { ...event, at: Date.now() });
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (event: Timestamped) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}

/** A bus nobody listens to, for callers that do not care. */
export const quietBus = (): EventBus => new EventBus();
