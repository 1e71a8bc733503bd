import { describeError } from '../errors.js';
import type { MemberSample } from '../events.js';
import { log } from '../log.js';
import type { Cluster, MemberInfo } from '../topology/cluster.js';
import { memberIdHex } from '../topology/client.js';
import { delay, withTimeout } from '../wait.js';
import { readLedger } from '../faults/ledger.js';
import { MemberClients } from './member-clients.js';
import { scrapeMember, signalsBetween, type MemberCounters } from './operator-signals.js';

/** How many samples back the members table's signals reach (about ten seconds): one second holds too few syncs for a p99. */
const SIGNALS_WINDOW = 10;

export interface MonitorOptions {
  /** Time between samples; the dashboard's refresh of the members table. */
  intervalMs?: number;
}

interface CpuReading {
  at: number;
  cpuTotalNs: number;
}

/**
 * Samples every member for a dashboard — etcd's own status, the container's state, CPU and
 * memory, the faults in force — and emits `members.sampled`. Every call has the cluster's request
 * timeout, so a frozen member or a slow engine delays nothing but its own row.
 */
export class ClusterMonitor {
  private readonly clients: MemberClients;
  private readonly cpu = new Map<string, CpuReading>();
  private readonly counters = new Map<string, MemberCounters[]>();
  private loop: Promise<void> | undefined;
  private running = false;
  private readonly stopping = new AbortController();
  private readonly intervalMs: number;

  constructor(
    private readonly cluster: Cluster,
    options: MonitorOptions = {},
  ) {
    this.clients = new MemberClients(cluster);
    this.intervalMs = options.intervalMs ?? 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await this.loop;
    this.clients.closeAll();
  }

  /** One sample of every member, also emitted on the cluster's event stream. */
  async sample(): Promise<MemberSample[]> {
    const ledger = await readLedger(this.cluster).catch(() => []);
    const members = await Promise.all(
      this.cluster.members.map((member) =>
        this.sampleMember(member, ledger.filter((r) => r.members.includes(member.name)).map((r) => r.kind)),
      ),
    );
    this.cluster.eventBus.emit({ type: 'members.sampled', cluster: this.cluster.name, members });
    return members;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      // One bad sample (a listener that threw, an engine hiccup) must not end the watching.
      await this.sample().catch((err: unknown) => log.debug(`monitor: sample failed: ${describeError(err)}`));
      await delay(Math.max(0, started + this.intervalMs - Date.now()), this.stopping.signal).catch(() => undefined);
    }
  }

  private async sampleMember(member: MemberInfo, faults: string[]): Promise<MemberSample> {
    const { requestMs } = this.cluster.timeouts;
    const runtime = this.cluster.containers;
    const [status, state, counters] = await Promise.all([
      withTimeout(this.clients.of(member).maintenance.status(), requestMs, `status of ${member.name}`).catch((err: unknown) => {
        this.clients.drop(member.name); // a fresh connection next time: the member may come back on a new socket
        return describeError(err);
      }),
      withTimeout(runtime.inspect(member.containerId), requestMs, `inspect ${member.name}`).catch(() => undefined),
      withTimeout(scrapeMember(this.cluster, member.endpoint), requestMs, `metrics of ${member.name}`).catch(() => undefined),
    ]);
    const container = state === undefined ? 'missing' : state.paused ? 'paused' : state.running ? 'running' : 'stopped';
    const usage = container === 'running' || container === 'paused' ? await withTimeout(runtime.usage(member.containerId), requestMs, `usage of ${member.name}`).catch(() => undefined) : undefined;
    const answered = typeof status !== 'string';
    const leaderId = answered && status.leader !== '0' ? memberIdHex(status.leader) : undefined;
    return {
      name: member.name,
      role: !answered || !leaderId ? 'unknown' : status.leader === status.header.member_id ? 'leader' : 'follower',
      answered,
      healthy: leaderId !== undefined,
      leaderId,
      container,
      raftTerm: answered ? Number(status.raftTerm) : undefined,
      raftIndex: answered ? Number(status.raftIndex) : undefined,
      dbSizeBytes: answered ? Number(status.dbSize) : undefined,
      cpuPercent: usage ? this.cpuPercent(member.name, usage.cpuTotalNs) : undefined,
      memoryBytes: usage?.memoryBytes,
      faults,
      error: !answered ? status.split('\n')[0] : leaderId ? undefined : 'no leader',
      signals: this.recentSignals(member.name, counters),
    };
  }

  /** The member's signals over its last SIGNALS_WINDOW scrapes, once it has two. */
  private recentSignals(name: string, latest: MemberCounters | undefined): MemberSample['signals'] {
    if (!latest) return undefined;
    const window = [...(this.counters.get(name) ?? []), latest].slice(-SIGNALS_WINDOW);
    this.counters.set(name, window);
    if (window.length < 2) return undefined;
    const { member: _member, ...signals } = signalsBetween(name, window[0], latest);
    return signals;
  }

  /** Percent of one core between this reading and the previous one. */
  private cpuPercent(name: string, cpuTotalNs: number): number | undefined {
    const now = { at: Date.now(), cpuTotalNs };
    const before = this.cpu.get(name);
    this.cpu.set(name, now);
    if (!before || now.at <= before.at || cpuTotalNs < before.cpuTotalNs) return undefined;
    return ((cpuTotalNs - before.cpuTotalNs) / 1e6 / (now.at - before.at)) * 100;
  }
}
