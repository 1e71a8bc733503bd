import { InvalidInputError } from '../errors.js';
import { quorumSize } from '../topology/leadership.js';
import type { Random } from '../random.js';

/**
 * Who a fault hits, resolved against the live cluster at injection time. The resolved member
 * names are recorded, so a replay with the same seed hits the same members.
 */
export type Target =
  | { kind: 'leader' }
  | { kind: 'follower' }
  | { kind: 'member'; name: string }
  | { kind: 'minority' }
  | { kind: 'majority' }
  | { kind: 'all' };

export const TARGET_KINDS = ['leader', 'follower', 'member:NAME', 'minority', 'majority', 'all'] as const;

export function parseTarget(text: string): Target {
  if (text.startsWith('member:')) {
    const name = text.slice('member:'.length);
    if (!name) throw new InvalidInputError(`target '${text}' names no member`, { hint: 'write member:NAME, e.g. member:member3' });
    return { kind: 'member', name };
  }
  if (text === 'leader' || text === 'follower' || text === 'minority' || text === 'majority' || text === 'all') return { kind: text };
  throw new InvalidInputError(`unknown target '${text}'`, { hint: `use one of ${TARGET_KINDS.join(', ')}` });
}

export function formatTarget(target: Target): string {
  return target.kind === 'member' ? `member:${target.name}` : target.kind;
}

/** What target resolution needs to know of each member. */
export interface MemberView {
  name: string;
  /** Answers as part of the cluster: not killed, stopped, paused or destroyed. */
  up: boolean;
  isLeader: boolean;
}

/** The most members whose loss keeps quorum: 2 of 5, 1 of 3, 0 of 1. */
export function faultTolerance(size: number): number {
  return Math.floor((size - 1) / 2);
}

/** The fewest members whose loss breaks quorum: 3 of 5, 2 of 3, 1 of 1. */
export function quorumBreakingCount(size: number): number {
  return size - quorumSize(size) + 1;
}

/**
 * Resolves a target to member names. Counts (`minority`, `majority`) are of the whole cluster;
 * members that are already down count towards them, so "majority" on a cluster with one member
 * already down takes two more. Choices among equals use the seeded random source.
 */
export function resolveTarget(target: Target, members: readonly MemberView[], random: Random): string[] {
  const up = members.filter((m) => m.up);
  const down = members.filter((m) => !m.up);
  switch (target.kind) {
    case 'leader': {
      const leader = up.find((m) => m.isLeader);
      if (!leader) throw new InvalidInputError('the cluster has no leader right now', { hint: 'wait for a leader, or target a member by name' });
      return [leader.name];
    }
    case 'follower': {
      const followers = up.filter((m) => !m.isLeader);
      if (followers.length === 0) throw new InvalidInputError('no follower is up', { hint: 'target the leader or a member by name' });
      return [random.pick(followers).name];
    }
    case 'member': {
      const member = members.find((m) => m.name === target.name);
      if (!member) throw new InvalidInputError(`no member named '${target.name}'`, { hint: `members: ${members.map((m) => m.name).join(', ')}` });
      return [member.name];
    }
    case 'all':
      return up.map((m) => m.name);
    case 'minority':
    case 'majority': {
      const wanted = target.kind === 'minority' ? faultTolerance(members.length) : quorumBreakingCount(members.length);
      const more = wanted - down.length;
      if (target.kind === 'minority' && wanted === 0) {
        throw new InvalidInputError(`a ${members.length}-member cluster tolerates no member loss: its minority is empty`, { hint: 'use a cluster of 3 or more' });
      }
      if (more <= 0) {
        throw new InvalidInputError(`${down.length} of ${members.length} members are already down: the ${target.kind} (${wanted}) is already lost`, {
          hint: 'heal first, or target members by name',
        });
      }
      // Followers first, so a minority fault does not also force an election; the leader joins a majority.
      const followers = random.shuffle(up.filter((m) => !m.isLeader));
      const leaders = up.filter((m) => m.isLeader);
      return [...followers, ...leaders].slice(0, more).map((m) => m.name);
    }
  }
}
