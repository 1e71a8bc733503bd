import { describe, expect, it } from 'vitest';
import { timeoutsFor, type Timeouts } from '../../src/topology/timeouts.js';

const elections = [100, 500, 1000, 2500, 5000, 10_000, 50_000];
const heartbeats = [1, 10, 50, 100, 200, 250, 1000, 10_000];
const keys: (keyof Timeouts)[] = ['requestMs', 'leaderElectionMs', 'bootMs', 'pollMs'];

describe('timeoutsFor', () => {
  it('never shrinks any timeout as the election timeout grows, with the heartbeat fixed', () => {
    for (const heartbeatIntervalMs of heartbeats) {
      for (let i = 1; i < elections.length; i++) {
        const shorter = timeoutsFor({ heartbeatIntervalMs, electionTimeoutMs: elections[i - 1]! });
        const longer = timeoutsFor({ heartbeatIntervalMs, electionTimeoutMs: elections[i]! });
        for (const key of keys) expect(longer[key], `${key} at election ${elections[i]}`).toBeGreaterThanOrEqual(shorter[key]);
      }
    }
  });

  it('strictly lengthens leader-election, boot and (beyond its floor) request deadlines for a longer election timeout', () => {
    const base = timeoutsFor({ heartbeatIntervalMs: 100, electionTimeoutMs: 1000 });
    const slow = timeoutsFor({ heartbeatIntervalMs: 100, electionTimeoutMs: 5000 });
    expect(slow.leaderElectionMs).toBeGreaterThan(base.leaderElectionMs);
    expect(slow.bootMs).toBeGreaterThan(base.bootMs);
    expect(slow.requestMs).toBeGreaterThan(base.requestMs);
  });

  it('allows a leader election more than one election timeout', () => {
    for (const electionTimeoutMs of elections) {
      expect(timeoutsFor({ heartbeatIntervalMs: 100, electionTimeoutMs }).leaderElectionMs).toBeGreaterThan(electionTimeoutMs);
    }
  });

  it('gives every request at least 2000 ms', () => {
    for (const electionTimeoutMs of elections) {
      for (const heartbeatIntervalMs of heartbeats) {
        expect(timeoutsFor({ heartbeatIntervalMs, electionTimeoutMs }).requestMs).toBeGreaterThanOrEqual(2000);
      }
    }
  });

  it('polls no faster than every 50 ms and no slower than every 250 ms', () => {
    for (const electionTimeoutMs of elections) {
      for (const heartbeatIntervalMs of heartbeats) {
        const { pollMs } = timeoutsFor({ heartbeatIntervalMs, electionTimeoutMs });
        expect(pollMs).toBeGreaterThanOrEqual(50);
        expect(pollMs).toBeLessThanOrEqual(250);
      }
    }
  });

  it('gives boot more time than a leader election', () => {
    for (const electionTimeoutMs of elections) {
      const t = timeoutsFor({ heartbeatIntervalMs: 100, electionTimeoutMs });
      expect(t.bootMs).toBeGreaterThan(t.leaderElectionMs);
    }
  });
});
