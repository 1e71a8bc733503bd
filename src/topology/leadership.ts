/**
 * Who leads — the one answer every layer uses (cluster handle, fault targets, conditions, the
 * quorum line, the workload's leader samples).
 */
export interface LeadershipClaim {
  name: string;
  /** It answered a status request just now. */
  answered: boolean;
  /** It says it leads. */
  claimsLead: boolean;
  /** Hex ID of the leader it follows (its own when it leads); undefined when it knows none. */
  leaderId: string | undefined;
  term: number | undefined;
}

export interface Leadership {
  name: string;
  id: string;
  /** The highest raft term among its followers. */
  term: number | undefined;
  /** The members that follow it, itself included. */
  followers: string[];
}

/**
 * The member that more than half of the members that answer follow, which itself answers and says
 * it leads. A leader cut off from the rest still says so until its election timeout, but the
 * others have moved on to a new one: whom the majority follows is who leads. undefined while no
 * leader has a majority of those that answer behind it (an election, or a cluster split evenly).
 */
/** How many members make a quorum: 3 of 5, 2 of 3, 1 of 1. */
export function quorumSize(size: number): number {
  return Math.floor(size / 2) + 1;
}

/**
 * `leaderOf` the claims in so far, once it can no longer change: followed by a quorum of all
 * `memberCount` members, no answer still to come can put another leader ahead of it.
 */
export function decidedLeader(claims: readonly LeadershipClaim[], memberCount: number): Leadership | undefined {
  const leader = leaderOf(claims);
  return leader && leader.followers.length >= quorumSize(memberCount) ? leader : undefined;
}

export function leaderOf(claims: readonly LeadershipClaim[]): Leadership | undefined {
  const answering = claims.filter((c) => c.answered);
  const followers = new Map<string, LeadershipClaim[]>();
  for (const c of answering) if (c.leaderId !== undefined) followers.set(c.leaderId, [...(followers.get(c.leaderId) ?? []), c]);
  const [id, behind] = [...followers].find(([, group]) => group.length * 2 > answering.length) ?? [];
  if (id === undefined || !behind) return undefined;
  const leader = answering.find((c) => c.claimsLead && c.leaderId === id);
  if (!leader) return undefined;
  const terms = behind.map((c) => c.term).filter((t): t is number => t !== undefined);
  return { name: leader.name, id, term: terms.length ? Math.max(...terms) : undefined, followers: behind.map((c) => c.name) };
}
