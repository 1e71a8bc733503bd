import { setMaxListeners } from 'node:events';
import type { Etcd3, IKeyValue } from 'etcd3';
import { describeError } from '../errors.js';
import type { Timestamped } from '../events.js';
import { Random } from '../random.js';
import type { Cluster } from '../topology/cluster.js';
import { delay } from '../wait.js';
import { DEFAULT_KEYS, DEFAULT_RATE_PER_SECOND } from './defaults.js';
import { EVENTS_PREFIX, EVENT_TTL_SECONDS, LIST_EVERY_TICKS, LIST_PAGE, OBJECTS_PREFIX, WORKLOAD_PREFIX, prefixEnd, workFor, type Work } from './mix.js';
import { LeaderWatch } from './leader-watch.js';
import { MemberClients } from './member-clients.js';
import { sampleWrites } from './samples.js';
import { Informer, type Listing } from './informer.js';
import { classifyError, isWrite, showsAvailability, type FaultWindow, type History, type KeyValue, type OpKind, type Operation } from './history.js';

/**
 * The workload: what Kubernetes API servers do to etcd, recorded in full. On a shared set of keys it
 * creates, updates and deletes objects with guarded transactions (as the API server's
 * GuaranteedUpdate does), reads them linearizably and member by member, lists them, attaches
 * events to leases, and keeps an informer on its prefix (and on each preloaded prefix it lists)
 * that resumes after a broken stream and re-lists after a compaction. Every read of a key is of a
 * key the workload also writes, so the checks can compare it. Its LeaderWatch follows who leads, and once a second it tells a face
 * how writes fare.
 */
export interface WorkloadOptions {
  /** Operations started per second. */
  ratePerSecond?: number;
  /** Distinct objects written and read; at most one write of each is in flight at a time. */
  keys?: number;
  /** Operations of one kind allowed in flight at once; ticks beyond it are skipped, not queued. */
  maxInFlight?: number;
  /** Where writes, linearizable reads and the watch go: the cluster's client endpoints by default (the load balancer in `lb`). */
  endpoints?: string[];
  /** Picks the keys, so a run can be replayed. */
  seed?: number;
  /** Preloaded prefixes (`/registry/pods/`…), each watched by an informer and listed in pages now and then: a restore's effect on such readers shows. */
  listPrefixes?: readonly string[];
}

/** How an abandoned call is recorded (errorKind `abandoned`: outcome unknown, and no sign of unavailability). */
const ABANDONED = 'the API servers stopped while this call was outstanding: it gave no answer';

/** What the workload last knew of a key, and the revision that knowledge is from. */
interface KeyKnowledge {
  modRevision: number;
  asOf: number;
}

type Answer = Pick<Operation, 'ok' | 'value' | 'revision' | 'term' | 'modRevision' | 'kvs' | 'listed'> & { conflict?: string };

export class Workload {
  private readonly operations: Operation[] = [];
  private readonly leaderWatch: LeaderWatch;
  private readonly faults = new Map<string, FaultWindow>();
  private readonly informer: Informer;
  private readonly preloadedInformers: Informer[];
  /** The preloaded informers' first lists, under way while the API servers already serve. */
  private informerStarts: Promise<void>[] = [];
  private readonly busyKeys = new Set<string>();
  private readonly knowledge = new Map<string, KeyKnowledge>();
  private readonly inFlight = new Map<string, Set<Promise<void>>>();
  private readonly memberClients: MemberClients;
  private readonly random: Random;
  private client: Etcd3 | undefined;
  private isRunning = false;
  /** Aborted when the API servers stop: every call still outstanding is abandoned, every loop ends at once. */
  private halt = new AbortController();
  /** Rejects once the API servers stop (`halt`), abandoning every call still outstanding. */
  private stopped: Promise<never> = new Promise(() => undefined);
  private loops: Promise<void>[] = [];
  private unsubscribe: (() => void) | undefined;
  private nextId = 1;
  private sequence = 0;
  private failingSince: Operation | undefined;
  private failedInRow = 0;
  private lastAckedWriteEnd = 0;
  /** Start times of the writes waiting for an answer, by operation id. */
  private readonly writesInFlight = new Map<number, number>();
  private serializableReads = 0;
  private readonly options: Required<Omit<WorkloadOptions, 'endpoints' | 'seed'>> & { endpoints: string[] };

  constructor(
    private readonly cluster: Cluster,
    options: WorkloadOptions = {},
  ) {
    this.memberClients = new MemberClients(cluster);
    this.leaderWatch = new LeaderWatch(cluster);
    this.random = new Random(options.seed ?? 1);
    this.options = {
      ratePerSecond: options.ratePerSecond ?? DEFAULT_RATE_PER_SECOND,
      keys: options.keys ?? DEFAULT_KEYS,
      maxInFlight: options.maxInFlight ?? 32,
      endpoints: options.endpoints ?? cluster.endpoints,
      listPrefixes: options.listPrefixes ?? [],
    };
    const informer = (prefix: string, list: () => Promise<Listing | undefined>) => new Informer(prefix, list, () => this.isRunning, cluster.timeouts.pollMs);
    this.informer = informer(WORKLOAD_PREFIX, () => this.listWorkload());
    this.preloadedInformers = this.options.listPrefixes.map((prefix) => informer(prefix, () => this.listPreloaded(prefix)));
  }

  /** Everything recorded so far; the run adds the final read, the members' accounts and the restores. */
  get history(): Pick<History, 'operations' | 'leaders' | 'faults' | 'watch' | 'informers'> {
    return {
      operations: [...this.operations],
      leaders: [...this.leaderWatch.samples],
      faults: [...this.faults.values()],
      watch: this.informer.recorded(),
      informers: this.preloadedInformers.map((i) => i.recorded()),
    };
  }

  get keys(): string[] {
    return Array.from({ length: this.options.keys }, (_, i) => `${OBJECTS_PREFIX}${i}`);
  }

  /** Watch events received: the API server's informers would have seen these. */
  get watchEventCount(): number {
    return this.informer.eventCount;
  }

  get running(): boolean {
    return this.isRunning;
  }

  async start(): Promise<void> {
    if (this.isRunning) return;
    this.isRunning = true;
    this.halt = new AbortController();
    const { signal } = this.halt;
    // Every loop, informer and wait of the API servers listens on it: more than Node's default ten.
    setMaxListeners(0, signal);
    this.stopped = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(ABANDONED)), { once: true }));
    this.stopped.catch(() => undefined);
    // Like an API server: a call that cannot reach one member tries the next, but only once more,
    // so a write that cannot commit is recorded as failed instead of hiding behind retries.
    this.client = this.cluster.client({ hosts: this.options.endpoints, faultHandling: 'resilient', maxAttempts: 2 });
    this.unsubscribe = this.cluster.eventBus.subscribe((event) => this.recordFault(event));
    // After a restore the store is another one: what we knew of its keys is void.
    this.knowledge.clear();
    await this.informer.start(this.client);
    // Lists of preloaded prefixes are large: the API servers serve while they run.
    this.informerStarts = this.preloadedInformers.map((i) => i.start(this.client as Etcd3));
    this.loops = [this.workloadLoop(), this.samplingLoop()];
    this.leaderWatch.start(signal);
    this.cluster.eventBus.emit({ type: 'workload.started', cluster: this.cluster.name, ratePerSecond: this.options.ratePerSecond, endpoints: this.options.endpoints });
  }

  /** Stops issuing, abandons the calls still outstanding (recorded as of unknown outcome), and returns everything recorded. */
  async stop(): Promise<Workload['history']> {
    if (!this.isRunning) return this.history;
    this.isRunning = false;
    // A stopped API server does not wait out its calls' timeouts (quorum may be gone for good):
    // what is still outstanding is abandoned, its outcome unknown, as a timeout's is.
    this.halt.abort();
    await Promise.all(this.loops);
    await this.leaderWatch.stopped();
    await Promise.all([...this.inFlight.values()].flatMap((set) => [...set]));
    await Promise.all(this.informerStarts);
    await Promise.all([this.informer, ...this.preloadedInformers].map((i) => i.stop()));
    this.unsubscribe?.();
    this.client?.close();
    this.memberClients.closeAll();
    // Stopped API servers can be started again (after a restore): the history and the write sequence go on.
    const failed = this.operations.filter((o) => !o.ok).length;
    this.cluster.eventBus.emit({ type: 'workload.stopped', cluster: this.cluster.name, operations: this.operations.length, failed });
    return this.history;
  }

  /** Lists every object linearizably, outside the workload's record: what a restore or the run's end left. */
  async readObjects(): Promise<{ at: number; revision: number; prefix: string; values: Record<string, string> }> {
    const client = this.cluster.client();
    try {
      const at = Date.now();
      const response = await client.getAll().prefix(OBJECTS_PREFIX).exec();
      const values: Record<string, string> = {};
      for (const kv of response.kvs) values[kv.key.toString()] = kv.value.toString();
      return { at, revision: Number(response.header.revision), prefix: OBJECTS_PREFIX, values };
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
      const kind = this.options.listPrefixes.length > 0 && tick % LIST_EVERY_TICKS === 4 ? 'list' : workFor(tick);
      const busy = this.inFlight.get(kind) ?? new Set<Promise<void>>();
      this.inFlight.set(kind, busy);
      if (busy.size < this.options.maxInFlight) {
        const work = this.issue(kind).finally(() => busy.delete(work));
        busy.add(work);
      }
      // Keep to the rate over the whole run rather than drift by each tick's own overhead.
      await this.pause(started + tick * interval - Date.now());
    }
  }

  private async issue(kind: Work): Promise<void> {
    switch (kind) {
      case 'write':
        return this.write();
      case 'get':
        return this.read('get', this.random.pick(this.keys));
      case 'get-serializable':
        return this.read('get-serializable', this.random.pick(this.keys));
      case 'range':
        await this.record({ kind: 'range', key: OBJECTS_PREFIX }, async (c) => {
          const response = await c.getAll().prefix(OBJECTS_PREFIX).exec();
          const revision = Number(response.header.revision);
          for (const kv of response.kvs) this.learn(kv.key.toString(), Number(kv.mod_revision), revision);
          return { ok: true, value: undefined, revision, term: termOf(response), kvs: response.kvs.map(keyValue) };
        });
        return;
      case 'events':
        return this.writeEvents();
      case 'list':
        await this.listPreloaded(this.random.pick(this.options.listPrefixes));
        return;
    }
  }

  /** A list of a preloaded prefix in pages of 500 at one revision, as the API server serves an informer's relist. */
  private async listPreloaded(prefix: string): Promise<Listing | undefined> {
    return this.listing({ kind: 'list', key: prefix }, async (c) => {
      const end = prefixEnd(prefix);
      let from = Buffer.from(prefix);
      let listed = 0;
      let revision: string | undefined;
      let term = 0;
      for (;;) {
        const page = await c.kv.range({ key: from, range_end: end, limit: LIST_PAGE, ...(revision ? { revision } : {}) });
        revision ??= page.header.revision;
        term = termOf(page);
        listed += page.kvs.length;
        const last = page.kvs.at(-1);
        if (!page.more || !last) break;
        from = Buffer.concat([last.key, Buffer.from([0])]);
      }
      return { ok: true, value: undefined, revision: Number(revision), term, listed };
    });
  }

  /** One guarded write of a free key: create it if absent, else mostly update it, sometimes delete it. */
  private async write(): Promise<void> {
    const free = this.keys.filter((k) => !this.busyKeys.has(k));
    if (free.length === 0) return;
    const key = this.random.pick(free);
    this.busyKeys.add(key);
    try {
      const expected = this.knowledge.get(key)?.modRevision ?? 0;
      const kind: OpKind = expected === 0 ? 'create' : this.random.next() < 0.1 ? 'delete' : 'update';
      const value = kind === 'delete' ? undefined : String((this.sequence += 1));
      await this.record({ kind, key, value, expectedModRevision: kind === 'create' ? 0 : expected }, async (c) => {
        const then = value === undefined ? c.delete().key(key) : c.put(key).value(value);
        const response = await c.if(key, 'Mod', '==', expected).then(then).else(c.get(key)).commit();
        const revision = Number(response.header.revision);
        if (!response.succeeded) {
          // The compare failed: etcd answered with the key as it is — a read, and what to guard on next.
          const current = response.responses[0]?.response_range.kvs[0];
          const modRevision = current ? Number(current.mod_revision) : 0;
          this.learn(key, modRevision, revision);
          return { ok: false, value: current?.value.toString(), revision, term: termOf(response), modRevision, conflict: `conflict: ${key} is at revision ${modRevision}, not ${expected}` };
        }
        this.learn(key, value === undefined ? 0 : revision, revision);
        return { ok: true, value, revision, term: termOf(response) };
      });
    } finally {
      this.busyKeys.delete(key);
    }
  }

  private async read(kind: 'get' | 'get-serializable', key: string): Promise<void> {
    const members = this.cluster.members;
    const member = kind === 'get-serializable' ? members[(this.serializableReads += 1) % members.length] : undefined;
    await this.record({ kind, key, member: member?.name }, async (c) => {
      const request = member ? this.memberClients.of(member).get(key).serializable(true) : c.get(key);
      const response = await request.exec();
      const kv = response.kvs[0];
      const revision = Number(response.header.revision);
      const modRevision = kv ? Number(kv.mod_revision) : 0;
      if (!member) this.learn(key, modRevision, revision);
      return { ok: true, value: kv?.value.toString(), revision, term: termOf(response), modRevision };
    });
  }

  /** Two events in one transaction on a fresh lease, as the API server records events: they share one revision. */
  private async writeEvents(): Promise<void> {
    let lease: string | undefined;
    await this.record({ kind: 'lease-grant', key: EVENTS_PREFIX }, async (c) => {
      const response = await c.leaseClient.leaseGrant({ TTL: EVENT_TTL_SECONDS });
      lease = response.ID;
      return { ok: true, value: response.ID, revision: Number(response.header.revision), term: termOf(response) };
    });
    if (lease === undefined) return;
    const name = `${EVENTS_PREFIX}${(this.sequence += 1)}`;
    const puts = [
      { key: `${name}-scheduled`, value: String(this.sequence) },
      { key: `${name}-started`, value: String(this.sequence) },
    ];
    await this.record({ kind: 'txn', key: puts[0]!.key, puts, lease: BigInt(lease).toString(16) }, async (c) => {
      const response = await c.kv.txn({
        compare: [],
        success: puts.map((p) => ({ request_put: { key: Buffer.from(p.key), value: Buffer.from(p.value), lease } })),
        failure: [],
      });
      return { ok: true, value: undefined, revision: Number(response.header.revision), term: termOf(response) };
    });
  }

  /** Remembers a key's mod revision unless what we knew is from a later revision. */
  private learn(key: string, modRevision: number, asOf: number): void {
    const known = this.knowledge.get(key);
    if (!known || known.asOf <= asOf) this.knowledge.set(key, { modRevision, asOf });
  }

  private async record(request: Partial<Operation> & Pick<Operation, 'kind' | 'key'>, call: (client: Etcd3) => Promise<Answer>): Promise<void> {
    const op: Operation = { id: this.nextId++, value: undefined, start: Date.now(), end: 0, ok: false, error: undefined, errorKind: undefined, revision: undefined, member: undefined, ...request };
    const write = isWrite(op);
    if (write) this.writesInFlight.set(op.id, op.start);
    try {
      const answered = call(this.client as Etcd3);
      answered.catch(() => undefined); // an abandoned call's late failure is nobody's business
      const { conflict, ...answer } = await Promise.race([answered, this.stopped]);
      Object.assign(op, answer, { end: Date.now() }, conflict ? { error: conflict, errorKind: 'conflict' } : {});
    } catch (err) {
      const error = describeError(err).split('\n')[0] as string;
      // The value we meant to write is kept: it may still be applied, and a later read may show it.
      Object.assign(op, { end: Date.now(), ok: false, error, errorKind: classifyError(error) });
      if (op.member) this.memberClients.drop(op.member);
    } finally {
      this.writesInFlight.delete(op.id);
    }
    this.operations.push(op);
    if (write) this.trackAvailability(op);
  }

  /** The list the workload's informer starts from: every key under its prefix, whose values the watch check needs. */
  private listWorkload(): Promise<Listing | undefined> {
    return this.listing({ kind: 'range', key: WORKLOAD_PREFIX }, async (c) => {
      const response = await c.getAll().prefix(WORKLOAD_PREFIX).exec();
      return { ok: true, value: undefined, revision: Number(response.header.revision), term: termOf(response), kvs: response.kvs.map(keyValue) };
    });
  }

  /** Records a list; its revision and id when it was answered. */
  private async listing(request: Pick<Operation, 'kind' | 'key'>, call: (client: Etcd3) => Promise<Answer>): Promise<Listing | undefined> {
    const listOp = this.nextId;
    let revision: number | undefined;
    await this.record(request, async (c) => {
      const answer = await call(c);
      revision = answer.revision;
      return answer;
    });
    return revision === undefined ? undefined : { revision, listOp };
  }

  private trackAvailability(op: Operation): void {
    // A failed compare is stale knowledge of ours, an abandoned call nobody's answer: neither is unavailability.
    if (!showsAvailability(op)) return;
    if (!op.ok) {
      // One write stuck on a dead member while others got through since it started is a lost request, not an outage.
      if (!this.failingSince && this.lastAckedWriteEnd > op.start) return;
      if (!this.failingSince) {
        this.failingSince = op;
        this.cluster.eventBus.emit({ type: 'write.failed', cluster: this.cluster.name, key: op.key, error: op.error ?? '', errorKind: op.errorKind ?? 'other' });
      }
      this.failedInRow += 1;
      return;
    }
    this.lastAckedWriteEnd = op.end;
    if (this.failingSince) {
      this.cluster.eventBus.emit({ type: 'write.recovered', cluster: this.cluster.name, unavailableMs: op.end - this.failingSince.start, failedOps: this.failedInRow });
      this.failingSince = undefined;
      this.failedInRow = 0;
    }
  }

  /** Waits `ms` (none if negative), or until the API servers stop. */
  private pause(ms: number): Promise<void> {
    return delay(Math.max(0, ms), this.halt.signal).catch(() => undefined);
  }

  /** Once a second, the writes of the last second, for a face's availability and latency sparklines. */
  private async samplingLoop(): Promise<void> {
    const windowMs = 1000;
    let from = Date.now();
    while (this.isRunning) {
      await this.pause(from + windowMs - Date.now());
      const to = Date.now();
      this.cluster.eventBus.emit({ type: 'workload.sampled', cluster: this.cluster.name, sample: sampleWrites(this.operations, this.writesInFlight.values(), this.cluster.timeouts.requestMs, from, to) });
      from = to;
    }
  }
}

function termOf(response: { header: { raft_term: string } }): number {
  return Number(response.header.raft_term);
}

function keyValue(kv: IKeyValue): KeyValue {
  return { key: kv.key.toString(), value: kv.value.toString(), modRevision: Number(kv.mod_revision) };
}
