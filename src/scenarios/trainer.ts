import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError } from '../errors.js';
import { clockTime } from '../event-lines.js';
import type { EventBus, MemberSample } from '../events.js';
import type { FaultContext, FaultRecord } from '../faults/fault.js';
import { faultContext, HealFailedError, healAll, healFault, injectFault } from '../faults/inject.js';
import { readLedger } from '../faults/ledger.js';
import { ClusterMonitor } from '../workload/monitor.js';
import { Workload } from '../workload/workload.js';
import { LISTED_PREFIXES, preloadState, type StatePresetName } from '../workload/preload.js';
import { quorumState, quorumWarning } from '../faults/quorum-view.js';
import type { Cluster } from '../topology/cluster.js';
import { carryOut, latestArtifact, type RunbookContext } from './runbooks/runbook.js';
import { lookupRunbook } from './runbooks/registry.js';
import type { TrainerAction, TrainerControl } from './trainer-actions.js';

export interface TrainerOptions {
  /** Removed on shutdown when the session started it; an attached cluster is only healed. */
  ownsCluster: boolean;
  seed?: number;
  /** The simulated API servers' operations per second. */
  ratePerSecond?: number;
  /** A control plane's keyspace loaded before the API servers start, so the room sees a restore at size. */
  state?: StatePresetName | undefined;
}

interface SessionAction extends TrainerAction {
  run(selected: string | undefined): Promise<string>;
}

/** Votes lost by taking the selected member down: one if it is counted as up. */
function costsAVote(members: readonly MemberSample[], selected: string | undefined): number {
  if (selected === undefined) return 1; // no selection: a healthy follower is taken
  const member = members.find((m) => m.name === selected);
  return member?.healthy ? 1 : 0;
}

/**
 * A live session for the trainer's keys: a cluster with API servers writing to it and a monitor
 * sampling it, and the faults and runbooks a room wants to see, each one action. Faces call
 * `perform` and render the event stream; they never touch Docker or etcd themselves.
 */
export class TrainerSession implements TrainerControl {
  readonly actions: readonly SessionAction[];
  private readonly faults: FaultContext;
  private readonly runbookContext: RunbookContext;
  private readonly monitor: ClusterMonitor;
  private readonly injected: string[] = [];
  private current: string | undefined;
  private inProgress: Promise<void> = Promise.resolve();
  private shuttingDown: Promise<void> | undefined;

  private constructor(
    private readonly cluster: Cluster,
    private readonly workload: Workload,
    workdir: string,
    private readonly options: TrainerOptions,
  ) {
    this.faults = faultContext(cluster, { seed: options.seed });
    this.runbookContext = { cluster, events: cluster.eventBus, faults: this.faults, workdir, workload, artifacts: [], restores: [] };
    this.monitor = new ClusterMonitor(cluster);
    this.actions = this.defineActions();
  }

  static async start(cluster: Cluster, options: TrainerOptions): Promise<TrainerSession> {
    const workdir = await mkdtemp(join(tmpdir(), 'etcd-drill-trainer-'));
    if (options.state) await preloadState(cluster, options.state, options.seed);
    const workload = new Workload(cluster, { ratePerSecond: options.ratePerSecond, ...(options.state ? { listPrefixes: LISTED_PREFIXES } : {}) });
    const session = new TrainerSession(cluster, workload, workdir, options);
    await workload.start();
    session.monitor.start();
    return session;
  }

  get events(): EventBus {
    return this.cluster.eventBus;
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Settles when the action in progress (if any) has finished. */
  idle(): Promise<void> {
    return this.inProgress;
  }

  perform(actionId: string, selected: string | undefined): void {
    const action = this.actions.find((a) => a.id === actionId);
    const events = this.cluster.eventBus;
    if (!action) {
      events.emit({ type: 'action.finished', action: actionId, label: actionId, ok: false, message: `no such action; known: ${this.actions.map((a) => a.id).join(', ')}`, durationMs: 0 });
      return;
    }
    const refusal = this.refusalOfMember(action, selected);
    if (refusal) {
      events.emit({ type: 'action.finished', action: action.id, label: action.label, ok: false, message: refusal, durationMs: 0 });
      return;
    }
    if (this.current || this.shuttingDown) {
      events.emit({ type: 'action.finished', action: action.id, label: action.label, ok: false, message: `busy with ${this.current ?? 'shutting down'}: wait for it to finish`, durationMs: 0 });
      return;
    }
    this.current = action.label;
    const started = Date.now();
    events.emit({ type: 'action.started', action: action.id, label: action.label });
    this.inProgress = action
      .run(selected)
      .then(
        (message) => events.emit({ type: 'action.finished', action: action.id, label: action.label, ok: true, message, durationMs: Date.now() - started }),
        (err: unknown) => events.emit({ type: 'action.finished', action: action.id, label: action.label, ok: false, message: describeError(err), durationMs: Date.now() - started }),
      )
      .finally(() => {
        this.current = undefined;
      });
  }

  /** Why `selected` cannot be what `action` acts on, if it cannot: plain mode's member names are typed, not picked. */
  private refusalOfMember(action: SessionAction, selected: string | undefined): string | undefined {
    if (selected === undefined) return undefined;
    if (!action.usesSelection) return `${action.id} takes no member: it picks its own`;
    const names = this.cluster.members.map((m) => m.name);
    if (!names.includes(selected)) return `no member '${selected}': the members are ${names.join(', ')}`;
    return undefined;
  }

  /** Waits for the action in progress (there is no safe way to stop a runbook halfway), heals, stops, removes what it started. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      await this.inProgress;
      await this.monitor.stop().catch(() => undefined);
      await healAll(this.faults).catch(() => undefined);
      await this.workload.stop().catch(() => undefined);
      if (this.options.ownsCluster) await this.cluster.stop();
      await rm(this.runbookContext.workdir, { recursive: true, force: true });
    })();
    return this.shuttingDown;
  }

  private async inject(kind: string, target: string): Promise<string> {
    const record = await injectFault(this.faults, { kind, target });
    this.injected.push(record.id);
    return `${kind} on ${record.members.join(', ') || 'nobody'}${record.effect ? `: ${record.effect}` : ''}`;
  }

  private async runbook(name: string, options: Record<string, unknown> = {}): Promise<string> {
    return (await carryOut(this.runbookContext, lookupRunbook(name), options)).summary;
  }


  /** Heals the newest fault this session injected that is still in force. */
  private async undo(): Promise<string> {
    const inForce = new Set((await readLedger(this.cluster)).map((r: FaultRecord) => r.id));
    while (this.injected.length) {
      const id = this.injected.pop() as string;
      if (!inForce.has(id)) continue;
      const record = await healFault(this.faults, id);
      return `healed ${record.kind} on ${record.members.join(', ')}`;
    }
    return 'nothing to undo: no fault of this session is in force';
  }

  private defineActions(): SessionAction[] {
    const oneDown = (members: readonly MemberSample[]) => quorumWarning(quorumState(members), 1);
    const selectedDown = (members: readonly MemberSample[], selected: string | undefined) => quorumWarning(quorumState(members), costsAVote(members, selected));
    const onSelected = (selected: string | undefined) => (selected ? `member:${selected}` : 'follower');
    return [
      { id: 'kill-leader', key: 'k', label: 'kill leader', usesSelection: false, warning: oneDown, run: () => this.inject('kill', 'leader') },
      { id: 'kill-follower', key: 'f', label: 'kill follower', usesSelection: false, warning: oneDown, run: () => this.inject('kill', 'follower') },
      { id: 'pause', key: 'p', label: 'pause member', usesSelection: true, warning: selectedDown, run: (s) => this.inject('pause', onSelected(s)) },
      { id: 'starve-cpu', key: 'c', label: 'starve CPU', usesSelection: true, warning: () => undefined, run: (s) => this.inject('cpu', onSelected(s)) },
      { id: 'isolate', key: 'i', label: 'isolate member', usesSelection: true, warning: selectedDown, run: (s) => this.inject('isolate', onSelected(s)) },
      { id: 'slow-disk', key: 'd', label: 'slow disk', usesSelection: true, warning: () => undefined, run: (s) => this.inject('slow-disk', onSelected(s)) },
      { id: 'fail-disk', key: 'x', label: 'fail disk', usesSelection: true, warning: selectedDown, run: (s) => this.inject('disk-failure', onSelected(s)) },
      { id: 'rot-data', key: 'b', label: 'rot data (bit flip)', usesSelection: true, warning: selectedDown, run: (s) => this.inject('corrupt', onSelected(s)) },
      {
        id: 'lose-quorum',
        key: 'l',
        label: 'lose quorum',
        usesSelection: false,
        warning: (members) => quorumWarning(quorumState(members), members.length) ?? 'quorum is already lost: this takes a majority down again',
        run: () => this.inject('quorum-loss', 'majority'),
      },
      { id: 'heal-all', key: 'h', label: 'heal all', usesSelection: false, warning: () => undefined, run: () => this.healEverything() },
      { id: 'undo', key: 'u', label: 'undo last fault', usesSelection: false, warning: () => undefined, run: () => this.undo() },
      { id: 'replace-member', key: 'r', label: 'replace failed member', usesSelection: false, warning: () => undefined, run: () => this.runbook('replace-member') },
      { id: 'snapshot', key: 's', label: 'take snapshot', usesSelection: false, warning: () => undefined, run: () => this.runbook('snapshot') },
      // The safe way and the way that stalls the cluster, to show side by side on the sparklines.
      { id: 'defrag', key: 'g', label: 'defrag (followers, move-leader)', usesSelection: false, warning: () => undefined, run: () => this.runbook('defrag') },
      { id: 'defrag-all-at-once', key: 'G', label: 'defrag all at once', usesSelection: false, warning: () => undefined, run: () => this.runbook('defrag', { strategy: 'all-at-once' }) },
      {
        id: 'restore',
        key: 'R',
        label: 'restore last snapshot',
        usesSelection: false,
        warning: () => {
          const artifact = latestArtifact(this.runbookContext, 'snapshot');
          if (!artifact) return undefined; // the runbook refuses with what to do
          return `this replaces every member's data with the snapshot at revision ${artifact.revision} (taken ${clockTime(artifact.takenAt)}): writes since then are lost`;
        },
        run: () => this.runbook('restore', { from: 'snapshot' }),
      },
    ];
  }

  private async healEverything(): Promise<string> {
    const { healed, failed } = await healAll(this.faults);
    if (failed.length) throw new HealFailedError(failed, 'press h again, or quit with q');
    return healed.length ? `healed ${healed.map((r) => `${r.kind} on ${r.members.join(', ')}`).join('; ')}` : 'nothing to heal';
  }
}
