/**
 * Every timeout derives from the etcd settings in use, so a cluster tuned for slow disks
 * (long election timeout) is not declared dead by a drill tuned for defaults.
 */
export interface EtcdTiming {
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
}

export interface Timeouts {
  /** Deadline for a single RPC against a healthy member. */
  requestMs: number;
  /** How long a new leader may take: randomized election timeouts plus a vote round, twice over for split votes. */
  leaderElectionMs: number;
  /** From container start to a member serving with a leader. */
  bootMs: number;
  /** How often conditions are polled. */
  pollMs: number;
}

export function timeoutsFor(timing: EtcdTiming): Timeouts {
  const election = timing.electionTimeoutMs;
  return {
    requestMs: Math.max(2_000, 2 * election),
    leaderElectionMs: 4 * election + 2_000,
    bootMs: 30_000 + 10 * election,
    pollMs: Math.max(50, Math.min(timing.heartbeatIntervalMs, 250)),
  };
}
