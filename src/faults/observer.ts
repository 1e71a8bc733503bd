import type { Etcd3, Watcher } from 'etcd3';
import { percentiles } from '../checks/latency.js';
import { describeError } from '../errors.js';
import type { Timestamped, WorkloadSample } from '../events.js';
import type { Cluster } from '../topology/cluster.js';
import { createClient } from '../topology/client.js';
import { delay } from '../wait.js';
import { MemberClients } from './member-clients.js';
import { classifyError, type FaultWindow, type History, type LeaderSample, type OpKind, type Operation } from './history.js';

/**
 * A workload that behaves like a Kubernetes API server — puts and reads under /registry/, leases,
 * a watch — recording every operation, and polling every member for who leads. From outside,
 * as an API server would see it, it tells what a fault did.
 */
export interface ObserverOptions {
  /** Operations started per second. */
  ratePerSecond?: number;
  /** Distinct keys written; each has at most one operation in flight, so its values only grow. */
  keys?: number;
  /** Operations of one kind allowed in flight at once; ticks beyond it are skipped, not queued. */
  maxInFlight?: number;
  /** Where puts and linearizable reads go: the cluster's client endpoints by default (the load balancer in `lb`). */
  endpoints?: string[];
}

export const OBSERVED_PREFIX = '/registry/drill/';

interface MemberSeen {
  at: number;
  isLeader: boolean;
  term: number;
}

export class Observer {
  private readonly operations: Operation[] = [];
  private readonly leaders: LeaderSample[] = [];
  private readonly faults = new Map<string, FaultWindow>();
  private readonly busyKeys = new Set<string>();
  /** The mod revision each key had when this workload last wrote or saw it. */
  private readonly modRevisions = new Map<string, string>();
  private readonly inFlight = new Map<OpKind, Set<Promise<void>>>();
  private readonly seen = new Map<string, MemberSeen>();
  private readonly memberClients: MemberClients;
  private readonly polled = new Set<string>();
  private client: Etcd3 | undefined;
  private watcher: Watcher | undefined;
  private isRunning = false;
  private loops: Promise<void>[] = [];
  private unsubscribe: (() => void) | undefined;
  private nextId = 1;
  private sequence = 0;
  private failingSince: Operation | undefined;
  private failedInRow = 0;
  private lastAckedPutEnd = 0;
  private watchEvents = 0;
  /** Start times of the puts waiting for an answer, by operation id. */
  private readonly putsInFlight = new Map<number, number>();
  private serializableReads = 0;
  private readonly options: Required<Omit<ObserverOptions, 'endpoints'>> & { endpoints: string[] };

  constructor(
    private readonly cluster: Cluster,
    options: ObserverOptions = {},
  ) {
    this.memberClients = new MemberClients(cluster);
    this.options = {
      ratePerSecond: options.ratePerSecond ?? 20,
      keys: options.keys ?? 64,
      maxInFlight: options.maxInFlight ?? 32,
      endpoints: options.endpoints ?? cluster.endpoints,
    };
  }

  get history(): History {
    return { operations: [...this.operations], leaders: [...this.leaders], faults: [...this.faults.values()] };
  }

  get keys(): string[] {
    return Array.from({ length: this.options.keys }, (_, i) => `${OBSERVED_PREFIX}${i}`);
  }

  /** Watch events received under /registry/: the API server's informers would have seen these. */
  get watchEventCount(): number {
    return this.watchEvents;
  }

  async start(): Promise<void> {
    if (this.isRunning) return;
    this.isRunning = true;
    // Like an API server: a call that cannot reach one member tries the next, but only once more,
    // so a write that cannot commit is recorded as failed instead of hiding behind retries.
    this.client = this.cluster.client({ hosts: this.options.endpoints, faultHandling: 'resilient', maxAttempts: 2 });
    this.unsubscribe = this.cluster.eventBus.subscribe((event) => this.recordFault(event));
    this.watcher = await this.client.watch().prefix('/registry/').create();
    this.watcher.on('put', () => (this.watchEvents += 1));
    this.watcher.on('error', () => undefined); // etcd3 re-establishes the watch itself
    this.loops = [this.workloadLoop(), this.leaderLoop(), this.samplingLoop()];
    this.followMembership();
    this.cluster.eventBus.emit({ type: 'observer.started', cluster: this.cluster.name, ratePerSecond: this.options.ratePerSecond, endpoints: this.options.endpoints });
  }

  get running(): boolean {
    return this.isRunning;
  }

  /** Stops issuing, waits for operations in flight, and returns the whole history. */
  async stop(): Promise<History> {
    if (!this.isRunning) return this.history;
    this.isRunning = false;
    await Promise.all(this.loops);
    await Promise.all([...this.inFlight.values()].flatMap((set) => [...set]));
    await this.watcher?.cancel().catch(() => undefined);
    this.unsubscribe?.();
    this.client?.close();
    this.memberClients.closeAll();
    // Stopped API servers can be started again (after a restore): the history and the write sequence go on.
    this.seen.clear();
    const failed = this.operations.filter((o) => !o.ok).length;
    this.cluster.eventBus.emit({ type: 'observer.stopped', cluster: this.cluster.name, operations: this.operations.length, failed });
    return this.history;
  }

  /** Reads every observed key linearizably: what survived, for the acked-writes-durable check. */
  async finalValues(): Promise<Map<string, string | undefined>> {
    const client = this.cluster.client();
    try {
      const values = new Map<string, string | undefined>();
      for (const key of this.keys) values.set(key, (await client.get(key).string()) ?? undefined);
      return values;
    } finally {
      client.close();
    }
  }

  private recordFault(event: Timestamped): void {
    if (event.type === 'fault.injected') {
      this.faults.set(event.id, {
        id: event.id,
        kind: event.kind,
        members: event.members,
        clusterSize: this.cluster.members.length,
        takesMembersDown: event.takesMembersDown,
        injectedAt: event.at,
        healStartedAt: undefined,
      });
    } else if (event.type === 'fault.healed') {
      const window = this.faults.get(event.id);
      // A check must not count a write acknowledged by members coming back while the heal ran.
      if (window) window.healStartedAt = event.healStartedAt ?? event.at;
    }
  }

  private async workloadLoop(): Promise<void> {
    const interval = 1000 / this.options.ratePerSecond;
    let tick = 0;
    const started = Date.now();
    while (this.isRunning) {
      tick += 1;
      // Each kind has its own budget: writes hanging during quorum loss must not starve the serializable reads that still answer.
      const kind = opKindFor(tick);
      const busy = this.inFlight.get(kind) ?? new Set<Promise<void>>();
      this.inFlight.set(kind, busy);
      if (busy.size < this.options.maxInFlight) {
        const work = this.issue(kind, tick).finally(() => busy.delete(work));
        busy.add(work);
      }
      // Keep to the rate over the whole run rather than drift by each tick's own overhead.
      await delay(Math.max(0, started + tick * interval - Date.now()));
    }
  }

  private async issue(kind: OpKind, tick: number): Promise<void> {
    const key = this.freeKey(tick);
    if (key === undefined) return;
    this.busyKeys.add(key);
    try {
      if (kind === 'put') await this.record('put', key, undefined, (c) => this.guardedUpdate(c, key));
      else if (kind === 'get') await this.record('get', key, undefined, async (c) => {
        const response = await c.get(key).exec();
        return { value: response.kvs[0]?.value.toString(), revision: Number(response.header.revision) };
      });
      else if (kind === 'get-serializable') {
        const members = this.cluster.members;
        const member = members[(this.serializableReads += 1) % members.length]!;
        await this.record('get-serializable', key, member.name, async () => {
          const response = await this.memberClients.of(member).get(key).serializable(true).exec();
          return { value: response.kvs[0]?.value.toString(), revision: Number(response.header.revision) };
        });
      } else await this.record('lease-grant', `/registry/leases/drill-${tick}`, undefined, async (c) => {
        const response = await c.leaseClient.leaseGrant({ TTL: 30 });
        return { value: response.ID, revision: Number(response.header.revision) };
      });
    } finally {
      this.busyKeys.delete(key);
    }
  }

  /**
   * Writes the way the API server does (GuaranteedUpdate): only if the key is still at the revision
   * we last saw. A write that timed out can still be applied much later — after a newer one — and
   * a plain put would then bring the old value back; a guarded one fails its compare instead.
   */
  private async guardedUpdate(c: Etcd3, key: string): Promise<{ value: string; revision: number }> {
    const expected = this.modRevisions.get(key) ?? '0';
    const value = String((this.sequence += 1));
    const response = await c.if(key, 'Mod', '==', expected).then(c.put(key).value(value)).else(c.get(key)).commit();
    if (!response.succeeded) {
      const current = response.responses[0]?.response_range.kvs[0]?.mod_revision ?? '0';
      this.modRevisions.set(key, current);
      throw new Error(`conflict: ${key} is at revision ${current}, not ${expected} (an earlier write landed late)`);
    }
    this.modRevisions.set(key, response.header.revision);
    return { value, revision: Number(response.header.revision) };
  }

  private freeKey(tick: number): string | undefined {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[(tick + i) % keys.length] as string;
      if (!this.busyKeys.has(key)) return key;
    }
    return undefined;
  }

  private async record(kind: OpKind, key: string, member: string | undefined, call: (client: Etcd3) => Promise<{ value: string | undefined; revision: number }>): Promise<void> {
    const op: Operation = { id: this.nextId++, kind, key, value: undefined, start: Date.now(), end: 0, ok: false, error: undefined, errorKind: undefined, revision: undefined, member };
    if (kind === 'put') this.putsInFlight.set(op.id, op.start);
    try {
      const { value, revision } = await call(this.client as Etcd3);
      Object.assign(op, { end: Date.now(), ok: true, value, revision });
    } catch (err) {
      const error = describeError(err).split('\n')[0] as string;
      Object.assign(op, { end: Date.now(), error, errorKind: classifyError(error) });
    } finally {
      this.putsInFlight.delete(op.id);
    }
    this.operations.push(op);
    if (kind === 'put') this.trackAvailability(op);
  }

  private trackAvailability(op: Operation): void {
    // A compare that failed was answered by a working cluster: stale knowledge of ours, not unavailability.
    if (op.errorKind === 'conflict') return;
    if (!op.ok) {
      // One put stuck on a dead member while others got through since it started is a lost request, not an outage.
      if (!this.failingSince && this.lastAckedPutEnd > op.start) return;
      if (!this.failingSince) {
        this.failingSince = op;
        this.cluster.eventBus.emit({ type: 'write.failed', cluster: this.cluster.name, key: op.key, error: op.error ?? '', errorKind: op.errorKind ?? 'other' });
      }
      this.failedInRow += 1;
      return;
    }
    this.lastAckedPutEnd = op.end;
    if (this.failingSince) {
      this.cluster.eventBus.emit({ type: 'write.recovered', cluster: this.cluster.name, unavailableMs: op.end - this.failingSince.start, failedOps: this.failedInRow });
      this.failingSince = undefined;
      this.failedInRow = 0;
    }
  }

  /** One status loop per current member: replace-member adds some and removes others while we watch. */
  private followMembership(): void {
    for (const member of this.cluster.members) {
      if (this.polled.has(member.name)) continue;
      this.polled.add(member.name);
      this.loops.push(this.memberLoop(member.name).finally(() => this.polled.delete(member.name)));
    }
  }

  /** Each member is asked on its own, so a frozen one does not stall the view of the others. */
  private async memberLoop(name: string): Promise<void> {
    const { pollMs, requestMs } = this.cluster.timeouts;
    while (this.isRunning) {
      const member = this.cluster.members.find((m) => m.name === name);
      if (!member) {
        this.seen.delete(name);
        return;
      }
      const client = createClient({ hosts: [member.endpoint], tls: this.clientTls(), requestTimeoutMs: requestMs, faultHandling: 'none' });
      try {
        while (this.isRunning) {
          const status = await client.maintenance.status().catch(() => undefined);
          if (status) this.seen.set(name, { at: Date.now(), isLeader: status.leader === status.header.member_id, term: Number(status.raftTerm) });
          else this.seen.delete(name);
          await delay(pollMs);
          if (status === undefined) break; // a new connection after a failure: the member may have come back on a fresh socket
        }
      } finally {
        client.close();
      }
    }
  }

  private clientTls() {
    const tls = this.cluster.clientTls;
    return tls ? { ca: tls.ca, client: { cert: tls.cert, key: tls.key } } : undefined;
  }

  /** Samples who leads: the member claiming it at the highest term among fresh answers. */
  private async leaderLoop(): Promise<void> {
    const { pollMs, requestMs } = this.cluster.timeouts;
    /** The last leader seen, and when it last answered as leader: an election lasts from then to the first sight of the next. */
    let lastLeader: { name: string; seenAt: number } | undefined;
    while (this.isRunning) {
      this.followMembership();
      const now = Date.now();
      let best: { name: string; term: number; at: number } | undefined;
      for (const [name, view] of this.seen) {
        if (now - view.at > requestMs) continue;
        if (view.isLeader && (!best || view.term > best.term)) best = { name, term: view.term, at: view.at };
      }
      const previous = this.leaders[this.leaders.length - 1];
      if (!previous || previous.leader !== best?.name || previous.term !== best?.term) {
        this.leaders.push({ at: now, leader: best?.name, term: best?.term });
        if (previous?.leader !== best?.name) {
          // The same member can win again after a leaderless spell (quorum back): that was an election too.
          const electionMs = best && lastLeader ? best.at - lastLeader.seenAt : undefined;
          this.cluster.eventBus.emit({ type: 'leader.changed', cluster: this.cluster.name, from: previous?.leader, to: best?.name, term: best?.term, electionMs });
        }
      }
      if (best) lastLeader = { name: best.name, seenAt: best.at };
      await delay(pollMs);
    }
  }

  /** Once a second, the writes of the last second, for a face's availability and latency sparklines. */
  private async samplingLoop(): Promise<void> {
    const windowMs = 1000;
    let from = Date.now();
    while (this.isRunning) {
      await delay(Math.max(0, from + windowMs - Date.now()));
      const to = Date.now();
      this.cluster.eventBus.emit({ type: 'workload.sampled', cluster: this.cluster.name, sample: this.sampleWrites(from, to) });
      from = to;
    }
  }

  private sampleWrites(from: number, to: number): WorkloadSample {
    const finished: Operation[] = [];
    for (let i = this.operations.length - 1; i >= 0; i -= 1) {
      const op = this.operations[i] as Operation;
      if (op.end < from) break;
      if (op.kind === 'put' && op.end < to) finished.push(op);
    }
    const latencies = finished.filter((o) => o.ok).map((o) => o.end - o.start);
    const p = latencies.length ? percentiles(latencies, [50, 99]) : undefined;
    const answered = latencies.length + finished.filter((o) => o.errorKind === 'conflict').length;
    const stalledPuts = [...this.putsInFlight.values()].filter((start) => to - start > this.cluster.timeouts.requestMs).length;
    const counted = finished.length + stalledPuts;
    return {
      windowMs: to - from,
      puts: finished.length,
      okPuts: latencies.length,
      stalledPuts,
      availability: counted ? answered / counted : undefined,
      p50Ms: p?.p50,
      p99Ms: p?.p99,
    };
  }
}

/** The API server's mix: mostly writes and quorum reads, some member-local reads, some leases. */
function opKindFor(tick: number): OpKind {
  if (tick % 20 === 0) return 'lease-grant';
  if (tick % 5 === 0) return 'get-serializable';
  return tick % 2 === 0 ? 'get' : 'put';
}

/** Milliseconds from `since` until a leader other than `previous` (or any, if `previous` is undefined) was seen. */
export function timeToNewLeader(leaders: LeaderSample[], since: number, previous: string | undefined): number | undefined {
  const sample = leaders.find((s) => s.at >= since && s.leader !== undefined && s.leader !== previous);
  return sample ? sample.at - since : undefined;
}
