import type { MemberSignals } from './workload/operator-signals.js';
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
  /** `healStartedAt`: when undoing began (members may be back from then on); undefined when another process healed it. */
  | { type: 'fault.healed'; cluster: string; id: string; kind: string; members: string[]; note: string | undefined; healStartedAt: number | undefined }
  /** `electionMs`: from the last moment the old leader was seen leading to the first sight of the new one; undefined when there was no old leader or no new one. */
  | { type: 'leader.changed'; cluster: string; from: string | undefined; to: string | undefined; term: number | undefined; electionMs: number | undefined }
  | { type: 'write.failed'; cluster: string; key: string; error: string; errorKind: string }
  | { type: 'write.recovered'; cluster: string; unavailableMs: number; failedOps: number }
  | { type: 'command.ran'; cluster: string; member: string; command: string; exitCode: number; output: string; durationMs: number }
  | { type: 'runbook.started'; cluster: string; runbook: string }
  | { type: 'runbook.phase'; cluster: string; runbook: string; phase: string; durationMs: number }
  | { type: 'runbook.finished'; cluster: string; runbook: string; ok: boolean; summary: string; durationMs: number }
  | { type: 'step.started'; scenario: string; index: number; name: string }
  | { type: 'step.finished'; scenario: string; index: number; name: string; state: 'passed' | 'failed' | 'skipped'; message: string }
  | { type: 'scenario.finished'; scenario: string; passed: boolean; durationMs: number; rtoMs: number | undefined; rpoWrites: number | undefined }
  | { type: 'check.verdict'; scenario: string; check: string; ok: boolean; message: string }
  | { type: 'members.sampled'; cluster: string; members: MemberSample[] }
  | { type: 'workload.sampled'; cluster: string; sample: WorkloadSample }
  | { type: 'action.started'; action: string; label: string }
  | { type: 'action.finished'; action: string; label: string; ok: boolean; message: string; durationMs: number }
  /** A logger line while a face owns the terminal (the UI), so it is shown instead of tearing the frame. */
  | { type: 'log.line'; level: 'debug' | 'info' | 'warn' | 'error'; line: string }
  | { type: 'workload.started'; cluster: string; ratePerSecond: number; endpoints: string[] }
  | { type: 'workload.stopped'; cluster: string; operations: number; failed: number }
  | { type: 'state.loading'; cluster: string; preset: string; keys: number; totalKeys: number; bytes: number }
  | { type: 'state.loaded'; cluster: string; preset: string; keys: number; valueBytes: number; durationMs: number; revision: number };

/** One member as the monitor last saw it: etcd's own status, and its container's state and use. */
export interface MemberSample {
  name: string;
  /** 'unknown' while the member does not answer or knows no leader. */
  role: 'leader' | 'follower' | 'unknown';
  /** Answered the status request within the request timeout. */
  answered: boolean;
  /** Answered and names a leader. */
  healthy: boolean;
  /** Hex ID of the leader it follows. */
  leaderId: string | undefined;
  container: 'running' | 'paused' | 'stopped' | 'missing';
  raftTerm: number | undefined;
  raftIndex: number | undefined;
  dbSizeBytes: number | undefined;
  /** Percent of one core since the previous sample; undefined on the first sample or when stopped. */
  cpuPercent: number | undefined;
  memoryBytes: number | undefined;
  /** Kinds of the faults in force on this member (from the cluster's fault ledger). */
  faults: string[];
  error: string | undefined;
  /** What etcd itself reported (its /metrics) over the last few samples; absent until two were read. */
  signals?: Omit<MemberSignals, 'member'> | undefined;
}

/** The API servers' writes over the last sampling window. */
export interface WorkloadSample {
  windowMs: number;
  /** Puts that finished in the window. */
  puts: number;
  okPuts: number;
  /** Puts still waiting for an answer longer than the request timeout: a stalled write counts as unavailable. */
  stalledPuts: number;
  /** Share of writes etcd answered (applied, or refused by their compare), 0..1; undefined when no write finished or stalled. */
  availability: number | undefined;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

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
