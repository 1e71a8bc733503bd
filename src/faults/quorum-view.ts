import type { MemberSample } from '../events.js';
import { leaderOf } from '../topology/leadership.js';
import { quorumSize } from '../topology/leadership.js';

export interface QuorumState {
  size: number;
  /** Members taking part: those following the leader a majority follows, or, with no such leader, those that answer at all. */
  up: number;
  holds: boolean;
}

/**
 * How many members count as up, from the monitor's samples. A member that answers but is cut off
 * from the leader (isolated, partitioned) is not up: it cannot vote with the rest.
 */
export function quorumState(members: readonly MemberSample[]): QuorumState {
  const size = members.length;
  const leader = leaderOf(members.map((m) => ({ name: m.name, answered: m.answered, claimsLead: m.role === 'leader', leaderId: m.leaderId, term: m.raftTerm })));
  const behind = leader?.followers.length ?? 0;
  if (behind >= quorumSize(size)) return { size, up: behind, holds: true };
  return { size, up: members.filter((m) => m.answered).length, holds: false };
}

export interface QuorumLine {
  text: string;
  level: 'ok' | 'warn' | 'lost';
}

/** The quorum in plain words, as a trainer says it to a room. */
export function quorumLine(state: QuorumState): QuorumLine {
  const { up, size } = state;
  const spare = up - quorumSize(size);
  const head = `${up}/${size} up`;
  if (spare < 0) {
    const reads = up > 0 ? 'serializable reads still answer' : 'nothing answers';
    return { text: `${head} — QUORUM LOST: writes stop, ${reads}`, level: 'lost' };
  }
  // Enough members answer, but no leader has a majority behind it: an election under way, or a majority cut off from each other.
  if (!state.holds) return { text: `${up}/${size} answer — NO LEADER a majority follows: writes stop until one is elected`, level: 'lost' };
  if (spare === 0) return { text: `${head} — can lose no more: one more failure stops writes`, level: 'warn' };
  return { text: `${head} — can lose ${spare} more`, level: 'ok' };
}

/** What taking `down` more members out does, or undefined while quorum survives it. */
export function quorumWarning(state: QuorumState, down: number): string | undefined {
  const needed = quorumSize(state.size);
  if (!state.holds) return undefined;
  if (state.up - down >= needed) return undefined;
  return `this loses quorum: writes will stop until ${needed} members are back`;
}
