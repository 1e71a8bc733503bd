import { describe, expect, it } from 'vitest';
import { addedMemberId, hasLearners, initialClusterFrom, refuseAddFirst } from '../../src/scenarios/runbooks/replace-member.js';

/** What etcdctl 3.4 prints for `member add … --learner`. */
const ADDED = `Member 5a8e6d1a0c3b2f41 added to cluster 7e27652122e8b2ae

ETCD_NAME="member4"
ETCD_INITIAL_CLUSTER="member1=https://member1:2380,member4=https://member4:2380"
ETCD_INITIAL_ADVERTISE_PEER_URLS="https://member4:2380"
ETCD_INITIAL_CLUSTER_STATE="existing"
`;

describe('replace-member', () => {
  it('reads the new member ID and initial cluster etcd printed, and says when it printed none', () => {
    expect(addedMemberId(ADDED)).toBe('5a8e6d1a0c3b2f41');
    expect(initialClusterFrom(ADDED)).toBe('member1=https://member1:2380,member4=https://member4:2380');
    expect(() => addedMemberId('Error: etcdserver: unhealthy cluster')).toThrow(/printed no member ID/);
  });

  it('takes the learner path from etcd 3.4 on', () => {
    expect(['3.3.27', '3.4.23', 'v3.5.17', '3.6.0', '4.0.0'].map(hasLearners)).toEqual([false, true, true, true, true]);
  });

  it('refuses to add before removing when that would lose quorum', () => {
    expect(() => refuseAddFirst(5, 3, 'member2')).toThrow(/6 members with 3 healthy: quorum needs 4/);
    expect(() => refuseAddFirst(5, 4, 'member2')).not.toThrow();
  });
});
