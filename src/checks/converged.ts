import type { MemberSnapshot } from '../workload/history.js';
import { defineCheck, evidenceOf, verdictOf } from './verdict.js';

export type { MemberSnapshot } from '../workload/history.js';

/**
 * After heal every member must be back and agree: same revision, same key-space hash, same
 * membership, same leader. Each property is compared against the value most members report, so a
 * failure names the odd member out rather than whoever happens to be listed first.
 */
export const converged = defineCheck({
  name: 'converged',
  description: 'after heal every member is back and agrees on revision, key-space hash, membership and leader',
  floors: { members: 1 },
  judge(history, floors) {
    const snapshots = history.members ?? [];
    const expectedMembers = history.expectedMembers;
    const violations: string[] = [];
    const names = new Set(snapshots.map((s) => s.name));
    for (const name of expectedMembers ?? []) if (!names.has(name)) violations.push(`${name} is expected but has no snapshot`);

    const reachable = snapshots.filter((s) => {
      if (!s.reachable) violations.push(`${s.name} is unreachable`);
      return s.reachable;
    });

    violations.push(...disagreements(reachable, 'revision', (s) => s.revision));
    violations.push(
      ...disagreements(reachable, 'hashKV', (s) => s.hashKV, (s, ref) => `${s.name} hashKV ${s.hashKV} at revision ${s.revision} differs from ${ref.name}'s ${ref.hashKV}`),
    );
    violations.push(...disagreements(reachable, 'member ids', (s) => s.memberIds && [...s.memberIds].sort().join(',')));

    const leaders = new Set(reachable.map((s) => s.leaderId).filter((l) => l !== undefined));
    for (const s of reachable) if (s.leaderId === undefined) violations.push(`${s.name} reports no leader`);
    if (leaders.size > 1) {
      violations.push(`members disagree on the leader: ${reachable.map((s) => `${s.name} follows ${s.leaderId ?? 'none'}`).join(', ')}`);
    }

    if (expectedMembers) {
      for (const s of reachable) {
        if (s.memberIds && s.memberIds.length !== expectedMembers.length) {
          violations.push(`${s.name} lists ${s.memberIds.length} members, expected ${expectedMembers.length}`);
        }
      }
    }
    const evidence = evidenceOf(this, floors, [{ floor: 'members', what: `members compared at revision ${reachable[0]?.revision ?? '?'}`, count: reachable.length }]);
    return verdictOf(this.name, violations, evidence, 'all agree on revision, hash, membership and leader');
  },
});

/** Members whose value differs from the majority's (undefined counts as differing). */
function disagreements(
  snapshots: MemberSnapshot[],
  label: string,
  valueOf: (s: MemberSnapshot) => string | number | undefined,
  describe: (s: MemberSnapshot, ref: MemberSnapshot) => string = (s, ref) =>
    `${s.name} ${label} ${String(valueOf(s))} differs from ${ref.name}'s ${String(valueOf(ref))}`,
): string[] {
  const counts = new Map<string | number, MemberSnapshot[]>();
  for (const s of snapshots) {
    const v = valueOf(s);
    if (v === undefined) continue;
    counts.set(v, [...(counts.get(v) ?? []), s]);
  }
  let majority: MemberSnapshot[] = [];
  for (const group of counts.values()) if (group.length > majority.length) majority = group;
  const ref = majority[0];
  if (!ref) return snapshots.map((s) => `${s.name} reports no ${label}`);
  const refValue = valueOf(ref);
  return snapshots.filter((s) => valueOf(s) !== refValue).map((s) => (valueOf(s) === undefined ? `${s.name} reports no ${label}` : describe(s, ref)));
}
