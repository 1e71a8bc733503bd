import { quorumSize } from '../../topology/leadership.js';
import { nextMemberName } from '../../topology/plan.js';

/**
 * What the property drills believe of the cluster, much simpler than etcd: which members exist and
 * whether each is up or how it is out, whether quorum holds, every write to the drill's keys (with
 * the revision etcd acknowledged it at, or none when it was refused or timed out) and the last
 * snapshot. Pure: the fuzz commands consult it to decide what must happen, then tell it what did.
 */

/** The faults the drills inject; each takes one member out until healed (destroy: for good), but a slow disk only slows it. */
export type DrillFault = 'kill' | 'pause' | 'isolate' | 'destroy' | 'slow-disk';
export type Role = 'leader' | 'follower';

export type MemberState = 'up' | 'slowed' | 'killed' | 'paused' | 'isolated' | 'destroyed';
const STATE_AFTER: Record<DrillFault, MemberState> = { kill: 'killed', pause: 'paused', isolate: 'isolated', destroy: 'destroyed', 'slow-disk': 'slowed' };

export interface ModelMember {
  name: string;
  state: MemberState;
}

/** A write as the client saw it: `revision` is undefined when it was not acknowledged (it may or may not apply). */
export interface ModelWrite {
  value: string;
  revision: number | undefined;
}

/** The values a key may hold; `undefined` stands for "absent". */
export type Candidates = (string | undefined)[];

interface KeyHistory {
  /** What the key may hold before `writes` (absent, or what a restore brought back). */
  base: Candidates;
  writes: ModelWrite[];
}

export interface ModelSnapshot {
  revision: number;
  /** Per key, what the snapshot may hold. */
  keys: Map<string, Candidates>;
}

/**
 * The values a key may hold given its writes up to `revision`: the last acknowledged write at or
 * before it (else the base), plus every unacknowledged write after that one, which etcd may still
 * have committed. An acknowledged write after `revision` ends the scan: nothing later is in.
 */
function candidatesUpTo(history: KeyHistory, revision: number): Candidates {
  let candidates = [...history.base];
  for (const write of history.writes) {
    if (write.revision === undefined) candidates.push(write.value);
    else if (write.revision <= revision) candidates = [write.value];
    else break;
  }
  return [...new Set(candidates)];
}

export class ClusterModel {
  private constructor(
    private members_: ModelMember[],
    private readonly keys_: Map<string, KeyHistory>,
    private snapshot_: ModelSnapshot | undefined,
    private sequence: number,
    /** Every name the cluster has used, so a replacement's name is predicted as the runbook picks it. */
    private readonly namesUsed: string[],
  ) {}

  /** A healthy cluster of these members in which none of `keys` exists. */
  static fresh(memberNames: readonly string[], keys: readonly string[]): ClusterModel {
    return new ClusterModel(
      memberNames.map((name) => ({ name, state: 'up' })),
      new Map(keys.map((k) => [k, { base: [undefined], writes: [] }])),
      undefined,
      0,
      [...memberNames],
    );
  }

  get members(): readonly ModelMember[] {
    return this.members_;
  }
  get memberNames(): string[] {
    return this.members_.map((m) => m.name);
  }
  get keys(): string[] {
    return [...this.keys_.keys()];
  }
  /** Members that answer and count for quorum: up, slow disk or not. */
  get upCount(): number {
    return this.members_.filter((m) => m.state === 'up' || m.state === 'slowed').length;
  }
  /** Members out, by what took them out. */
  membersIn(state: MemberState): string[] {
    return this.members_.filter((m) => m.state === state).map((m) => m.name);
  }
  /** Out, but back after a heal. */
  get healable(): string[] {
    return this.members_.filter((m) => m.state !== 'up' && m.state !== 'destroyed').map((m) => m.name);
  }

  quorumHolds(): boolean {
    return this.upCount >= quorumSize(this.members_.length);
  }

  /** The values a write drill may use: increasing, so a later write is told from an earlier one. */
  nextValue(): string {
    this.sequence += 1;
    return String(this.sequence);
  }

  candidates(key: string): Candidates {
    return candidatesUpTo(this.history(key), Number.POSITIVE_INFINITY);
  }

  recordWrite(key: string, value: string, revision: number | undefined): void {
    this.history(key).writes.push({ value, revision });
  }

  /** Would a fault on a member in `role` make sense now? The leader needs a leader; someone must stay up. */
  canFault(fault: DrillFault, role: Role): boolean {
    if (this.upCount < 2) return false;
    if (role === 'leader' && !this.quorumHolds()) return false;
    // One tracer can hold a process: one slow disk at a time; and it shows only on writes that commit.
    if (fault === 'slow-disk' && (this.membersIn('slowed').length > 0 || !this.quorumHolds())) return false;
    // Members fail for good only beside otherwise healthy ones, and never so many that quorum is
    // lost: that is what replace-member is for (several at once: it removes them all, then adds).
    return fault !== 'destroy' || (this.healable.length === 0 && this.upCount - 1 >= quorumSize(this.members_.length));
  }

  recordFault(fault: DrillFault, member: string): void {
    this.member(member).state = STATE_AFTER[fault];
  }

  /** `heal all`: everything comes back except a destroyed member. */
  healAll(): void {
    for (const m of this.members_) if (m.state !== 'destroyed') m.state = 'up';
  }

  /** replace-member applies when members failed for good and the rest are up with quorum. */
  canReplace(): boolean {
    return this.membersIn('destroyed').length > 0 && this.healable.length === 0 && this.quorumHolds();
  }

  /** The name replace-member gives the next new member. */
  replacementName(): string {
    return nextMemberName(this.namesUsed);
  }

  recordReplacement(failed: string, added: string): void {
    this.member(failed);
    this.members_ = [...this.members_.filter((m) => m.name !== failed), { name: added, state: 'up' }];
    this.namesUsed.push(added);
  }

  canSnapshot(): boolean {
    return this.quorumHolds();
  }

  recordSnapshot(revision: number): void {
    this.snapshot_ = { revision, keys: new Map([...this.keys_].map(([key, history]) => [key, candidatesUpTo(history, revision)])) };
  }

  /** Restore needs a snapshot; a member cut off by iptables would keep rules that no longer match its container. */
  canRestore(): boolean {
    return this.snapshot_ !== undefined && this.membersIn('isolated').length === 0;
  }

  /** After a restore every member is up on the snapshot's data: exactly the writes after its revision are gone. */
  recordRestore(): void {
    const snapshot = this.snapshot_;
    if (!snapshot) throw new Error('the model has no snapshot to restore from');
    for (const m of this.members_) m.state = 'up';
    for (const [key, history] of this.keys_) {
      history.base = snapshot.keys.get(key) ?? [undefined];
      history.writes = [];
    }
  }

  private member(name: string): ModelMember {
    const found = this.members_.find((m) => m.name === name);
    if (!found) throw new Error(`the model has no member '${name}' (members: ${this.memberNames.join(', ')})`);
    return found;
  }

  private history(key: string): KeyHistory {
    const found = this.keys_.get(key);
    if (!found) throw new Error(`the model tracks no key '${key}'`);
    return found;
  }
}
