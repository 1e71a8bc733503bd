import { verdictOf, type Verdict } from './verdict.js';

export interface MemberSnapshot {
  name: string;
  reachable: boolean;
  revision: number | undefined;
  hashKV: number | undefined;
  memberIds: string[] | undefined;
  leaderId: string | undefined;
}

/**
 * After heal every member must be back and agree: same revision, same key-space hash, same
 * membership, same leader. Each property is compared against the value most members report, so a
 * failure names the odd member out rather than whoever happens to be listed first.
 */
export function converged(snapshots: MemberSnapshot[], expectedMembers?: string[]): Verdict {
  const violations: string[] = [];
  if (snapshots.length === 0) violations.push('no member snapshot was taken');

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

  return verdictOf('converged', violations, `all ${snapshots.length} members agree at revision ${snapshots[0]?.revision}`);
}

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
