import { describe, expect, it } from 'vitest';
import { ClusterModel } from '../../src/scenarios/fuzz/model.js';

const fresh = () => ClusterModel.fresh(['member1', 'member2', 'member3'], ['/fuzz/k0', '/fuzz/k1']);

describe('the drill model', () => {
  it('holds quorum with a majority up and loses it without', () => {
    const model = fresh();
    expect(model.quorumHolds()).toBe(true);
    model.recordFault('kill', 'member1');
    expect(model.quorumHolds()).toBe(true);
    model.recordFault('pause', 'member2');
    expect(model.quorumHolds()).toBe(false);
    expect(model.healable).toEqual(['member1', 'member2']);
    model.healAll();
    expect(model.quorumHolds()).toBe(true);
  });

  it('refuses faults that make no sense: the leader without quorum, the last member up, a second destroy', () => {
    const model = fresh();
    expect(model.canFault('kill', 'leader')).toBe(true);
    model.recordFault('isolate', 'member1');
    model.recordFault('kill', 'member2');
    expect(model.canFault('kill', 'leader')).toBe(false);
    expect(model.canFault('pause', 'follower')).toBe(false);
    model.healAll();
    model.recordFault('destroy', 'member3');
    expect(model.canFault('destroy', 'follower')).toBe(false);
  });

  it('a member on a slow disk still counts for quorum until healed, and one disk at a time is slowed', () => {
    const model = fresh();
    model.recordFault('slow-disk', 'member1');
    model.recordFault('kill', 'member2');
    expect(model.quorumHolds()).toBe(true);
    expect(model.healable).toEqual(['member1', 'member2']);
    expect(model.canFault('slow-disk', 'follower')).toBe(false);
    expect(model.canFault('kill', 'leader')).toBe(true);
    model.healAll();
    expect(model.membersIn('slowed')).toEqual([]);
    expect(model.canFault('slow-disk', 'leader')).toBe(true);
    // Seen only on writes that commit: not without quorum.
    const five = ClusterModel.fresh(['member1', 'member2', 'member3', 'member4', 'member5'], ['/fuzz/k0']);
    for (const name of ['member1', 'member2', 'member3']) five.recordFault('kill', name);
    expect(five.canFault('kill', 'follower')).toBe(true);
    expect(five.canFault('slow-disk', 'follower')).toBe(false);
  });

  it('a destroyed member survives heal and is replaced under the name replace-member picks', () => {
    const model = fresh();
    expect(model.canReplace()).toBe(false);
    model.recordFault('destroy', 'member2');
    model.healAll();
    expect(model.membersIn('destroyed')).toEqual(['member2']);
    expect(model.canReplace()).toBe(true);
    expect(model.replacementName()).toBe('member4');
    model.recordReplacement('member2', 'member4');
    expect(model.memberNames).toEqual(['member1', 'member3', 'member4']);
    expect(model.upCount).toBe(3);
    expect(model.replacementName()).toBe('member5');
  });

  it('replace is refused while another member is out or quorum is lost', () => {
    const model = fresh();
    model.recordFault('destroy', 'member2');
    model.recordFault('kill', 'member1');
    expect(model.canReplace()).toBe(false);
  });

  it('a key holds its last acknowledged value, or any refused write after it', () => {
    const model = fresh();
    expect(model.candidates('/fuzz/k0')).toEqual([undefined]);
    model.recordWrite('/fuzz/k0', model.nextValue(), 10);
    expect(model.candidates('/fuzz/k0')).toEqual(['1']);
    model.recordWrite('/fuzz/k0', model.nextValue(), undefined);
    expect(model.candidates('/fuzz/k0')).toEqual(['1', '2']);
    model.recordWrite('/fuzz/k0', model.nextValue(), 12);
    expect(model.candidates('/fuzz/k0')).toEqual(['3']);
    expect(model.candidates('/fuzz/k1')).toEqual([undefined]);
  });

  it('a restore loses exactly the writes after the snapshot’s revision', () => {
    const model = fresh();
    expect(model.canRestore()).toBe(false);
    model.recordWrite('/fuzz/k0', model.nextValue(), 10);
    model.recordWrite('/fuzz/k1', model.nextValue(), 11);
    model.recordWrite('/fuzz/k0', model.nextValue(), 12);
    // Taken from a member that had applied revision 11 but not yet 12.
    model.recordSnapshot(11);
    model.recordWrite('/fuzz/k1', model.nextValue(), 13);
    model.recordFault('kill', 'member1');
    model.recordFault('kill', 'member2');
    expect(model.canRestore()).toBe(true);
    model.recordRestore();
    expect(model.candidates('/fuzz/k0')).toEqual(['1']);
    expect(model.candidates('/fuzz/k1')).toEqual(['2']);
    expect(model.quorumHolds()).toBe(true);
    expect(model.upCount).toBe(3);
  });

  it('a snapshot may hold a refused write made before it, never one made after', () => {
    const model = fresh();
    model.recordWrite('/fuzz/k0', model.nextValue(), undefined);
    model.recordSnapshot(20);
    model.recordWrite('/fuzz/k0', model.nextValue(), undefined);
    model.recordRestore();
    expect(model.candidates('/fuzz/k0')).toEqual([undefined, '1']);
  });

  it('restore is refused with an isolated member: its iptables rules would outlive its container', () => {
    const model = fresh();
    model.recordSnapshot(5);
    model.recordFault('isolate', 'member3');
    expect(model.canRestore()).toBe(false);
  });
});

describe('the drill model: what each drill may do', () => {
  const five = () => ClusterModel.fresh(['member1', 'member2', 'member3', 'member4', 'member5'], ['/fuzz/k0']);

  it('starts with every member up and every key absent', () => {
    const model = fresh();
    expect(model.members).toEqual([
      { name: 'member1', state: 'up' },
      { name: 'member2', state: 'up' },
      { name: 'member3', state: 'up' },
    ]);
    expect(model.keys).toEqual(['/fuzz/k0', '/fuzz/k1']);
    expect(model.candidates('/fuzz/k1')).toEqual([undefined]);
  });

  it('allows a fault while two members are up, not while one is', () => {
    const model = fresh();
    model.recordFault('kill', 'member1');
    expect(model.canFault('kill', 'follower')).toBe(true);
    model.recordFault('kill', 'member2');
    expect(model.canFault('kill', 'follower')).toBe(false);
  });

  it('allows a fault on a follower but not on the leader once quorum is lost', () => {
    const model = five();
    for (const m of ['member1', 'member2', 'member3']) model.recordFault('kill', m);
    expect(model.quorumHolds()).toBe(false);
    expect(model.canFault('kill', 'follower')).toBe(true);
    expect(model.canFault('kill', 'leader')).toBe(false);
  });

  it('allows the leader to be faulted while quorum holds', () => {
    const model = five();
    model.recordFault('kill', 'member1');
    expect(model.canFault('pause', 'leader')).toBe(true);
  });

  it('destroys a member only when every member is up, but allows other faults beside one that is out', () => {
    const model = five();
    expect(model.canFault('destroy', 'follower')).toBe(true);
    model.recordFault('kill', 'member1');
    expect(model.canFault('destroy', 'follower')).toBe(false);
    expect(model.canFault('kill', 'follower')).toBe(true);
  });

  it('destroys several members while quorum holds, and replaces them all at once', () => {
    const model = five();
    model.recordFault('destroy', 'member2');
    expect(model.canFault('destroy', 'follower')).toBe(true);
    model.recordFault('destroy', 'member3');
    expect(model.canFault('destroy', 'follower')).toBe(false);
    expect(model.canReplace()).toBe(true);
    for (const name of model.membersIn('destroyed')) model.recordReplacement(name, model.replacementName());
    expect(model.memberNames).toEqual(['member1', 'member4', 'member5', 'member6', 'member7']);
    expect(model.upCount).toBe(5);
  });

  it('a second destroy in three members would lose quorum: refused', () => {
    const model = fresh();
    model.recordFault('destroy', 'member2');
    expect(model.canFault('destroy', 'follower')).toBe(false);
  });

  it('refuses a replacement while another member is out, even with quorum', () => {
    const model = five();
    model.recordFault('destroy', 'member1');
    model.recordFault('kill', 'member2');
    expect(model.quorumHolds()).toBe(true);
    expect(model.canReplace()).toBe(false);
    model.healAll();
    expect(model.canReplace()).toBe(true);
  });

  it('takes a snapshot only with quorum', () => {
    const model = fresh();
    expect(model.canSnapshot()).toBe(true);
    model.recordFault('kill', 'member1');
    model.recordFault('kill', 'member2');
    expect(model.canSnapshot()).toBe(false);
  });

  it('refuses to restore without a snapshot, and names unknown members and keys', () => {
    const model = fresh();
    expect(() => model.recordRestore()).toThrow('the model has no snapshot to restore from');
    expect(() => model.recordFault('kill', 'member9')).toThrow("the model has no member 'member9' (members: member1, member2, member3)");
    expect(() => model.candidates('/fuzz/nope')).toThrow("the model tracks no key '/fuzz/nope'");
    expect(() => model.recordWrite('/fuzz/nope', '1', 3)).toThrow("the model tracks no key '/fuzz/nope'");
  });
});
