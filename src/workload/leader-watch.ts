import type { Cluster } from '../topology/cluster.js';
import { createClient, memberIdHex } from '../topology/client.js';
import { leaderOf, type LeadershipClaim } from '../topology/leadership.js';
import { delay } from '../wait.js';
import type { LeaderSample } from './history.js';

/** A member's last answer to the status poll, as a claim about who leads. */
interface MemberSeen {
  at: number;
  claim: LeadershipClaim;
}

/**
 * Who leads, as the API servers see it: every member asked for its status on its own (a frozen one
 * does not stall the view of the others), the answers judged by `leaderOf`, each change sampled
 * and told as `leader.changed` with how long the election took. Samples add up across runs.
 */
export class LeaderWatch {
  readonly samples: LeaderSample[] = [];
  private readonly seen = new Map<string, MemberSeen>();
  private readonly polled = new Set<string>();
  private loops: Promise<void>[] = [];
  private signal: AbortSignal | undefined;

  constructor(private readonly cluster: Cluster) {}

  /** Watches until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    this.loops = [this.leaderLoop()];
    this.followMembership();
  }

  /** Once the signal has aborted: waits for the polls to end. */
  async stopped(): Promise<void> {
    await Promise.all(this.loops);
    this.seen.clear();
  }

  private get watching(): boolean {
    return this.signal !== undefined && !this.signal.aborted;
  }

  /** Waits `ms` (none if negative), or until the watch stops. */
  private pause(ms: number): Promise<void> {
    return delay(Math.max(0, ms), this.signal).catch(() => undefined);
  }

  /** One status loop per current member: replace-member adds some and removes others while we watch. */
  private followMembership(): void {
    for (const member of this.cluster.members) {
      if (this.polled.has(member.name)) continue;
      this.polled.add(member.name);
      this.loops.push(this.memberLoop(member.name).finally(() => this.polled.delete(member.name)));
    }
  }

  private async memberLoop(name: string): Promise<void> {
    const { pollMs, requestMs } = this.cluster.timeouts;
    const tls = this.cluster.clientTls;
    const stopped = new Promise<undefined>((resolve) => this.signal?.addEventListener('abort', () => resolve(undefined), { once: true }));
    while (this.watching) {
      const member = this.cluster.members.find((m) => m.name === name);
      if (!member) {
        this.seen.delete(name);
        return;
      }
      const client = createClient({ hosts: [member.endpoint], tls: tls ? { ca: tls.ca, client: { cert: tls.cert, key: tls.key } } : undefined, requestTimeoutMs: requestMs, faultHandling: 'none' });
      try {
        while (this.watching) {
          const status = await Promise.race([client.maintenance.status(), stopped]).catch(() => undefined);
          if (status) {
            const leaderId = status.leader === '0' ? undefined : memberIdHex(status.leader);
            this.seen.set(name, { at: Date.now(), claim: { name, answered: true, claimsLead: status.leader === status.header.member_id, leaderId, term: Number(status.raftTerm) } });
          } else this.seen.delete(name);
          await this.pause(pollMs);
          if (status === undefined) break; // a new connection after a failure: the member may have come back on a fresh socket
        }
      } finally {
        client.close();
      }
    }
  }

  /** Samples who leads: `leaderOf` the members' fresh answers. */
  private async leaderLoop(): Promise<void> {
    const { pollMs, requestMs } = this.cluster.timeouts;
    /** The last leader seen, and when it last answered as leader: an election lasts from then to the first sight of the next. */
    let lastLeader: { name: string; seenAt: number } | undefined;
    while (this.watching) {
      this.followMembership();
      const now = Date.now();
      const fresh = [...this.seen.values()].filter((view) => now - view.at <= requestMs);
      const leader = leaderOf(fresh.map((view) => view.claim));
      const best = leader && { name: leader.name, term: leader.term, at: this.seen.get(leader.name)?.at ?? now };
      const previous = this.samples[this.samples.length - 1];
      if (!previous || previous.leader !== best?.name || previous.term !== best?.term) {
        this.samples.push({ at: now, leader: best?.name, term: best?.term });
        if (previous?.leader !== best?.name) {
          // The same member can win again after a leaderless spell (quorum back): that was an election too.
          const electionMs = best && lastLeader ? best.at - lastLeader.seenAt : undefined;
          this.cluster.eventBus.emit({ type: 'leader.changed', cluster: this.cluster.name, from: previous?.leader, to: best?.name, term: best?.term, electionMs });
        }
      }
      if (best) lastLeader = { name: best.name, seenAt: best.at };
      await this.pause(pollMs);
    }
  }
}
