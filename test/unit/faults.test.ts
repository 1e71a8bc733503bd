import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { faultOptions } from '../../src/cli/fault-options.js';
import { classifyError } from '../../src/workload/history.js';
import { deliveryScheduler } from '../../src/faults/latency-proxy.js';
import { lossRules, parseGroups } from '../../src/faults/network.js';
import { FAULTS, lookupFault } from '../../src/faults/registry.js';
import { faultTolerance, parseTarget, quorumBreakingCount, resolveTarget, type MemberView } from '../../src/faults/target.js';
import { Random } from '../../src/random.js';

const five = (leader = 'member3', down: string[] = []): MemberView[] =>
  ['member1', 'member2', 'member3', 'member4', 'member5'].map((name) => ({ name, up: !down.includes(name), isLeader: name === leader }));

describe('targets', () => {
  it('parses every target form and refuses unknown ones with the list', () => {
    expect(parseTarget('leader')).toEqual({ kind: 'leader' });
    expect(parseTarget('member:member2')).toEqual({ kind: 'member', name: 'member2' });
    expect(() => parseTarget('member:')).toThrow(/names no member/);
    expect(() => parseTarget('boss')).toThrowError(expect.objectContaining({ hint: expect.stringMatching(/leader, follower, member:NAME, minority, majority, all/) }));
  });

  it('knows quorum arithmetic: 5 tolerates 2 and breaks at 3; 3 tolerates 1; 1 tolerates none', () => {
    expect([faultTolerance(5), quorumBreakingCount(5)]).toEqual([2, 3]);
    expect([faultTolerance(3), quorumBreakingCount(3)]).toEqual([1, 2]);
    expect([faultTolerance(1), quorumBreakingCount(1)]).toEqual([0, 1]);
  });

  it('resolves leader, follower, minority, majority and all against the live view', () => {
    const random = new Random(1);
    expect(resolveTarget({ kind: 'leader' }, five(), random)).toEqual(['member3']);
    expect(resolveTarget({ kind: 'follower' }, five(), random)).not.toContain('member3');
    const minority = resolveTarget({ kind: 'minority' }, five(), random);
    expect(minority).toHaveLength(2);
    expect(minority).not.toContain('member3');
    const majority = resolveTarget({ kind: 'majority' }, five(), random);
    expect(majority).toHaveLength(3);
    expect(resolveTarget({ kind: 'all' }, five('member1', ['member2']), random)).toEqual(['member1', 'member3', 'member4', 'member5']);
  });

  it('counts members already down towards minority and majority', () => {
    expect(resolveTarget({ kind: 'majority' }, five('member3', ['member1']), new Random(2))).toHaveLength(2);
    expect(() => resolveTarget({ kind: 'minority' }, five('member3', ['member1', 'member2']), new Random(2))).toThrow(/already lost/);
  });

  it('replays the same choices with the same seed', () => {
    const pick = (seed: number) => resolveTarget({ kind: 'minority' }, five(), new Random(seed));
    expect(pick(42)).toEqual(pick(42));
    const seen = new Set(Array.from({ length: 20 }, (_, seed) => pick(seed).join()));
    expect(seen.size).toBeGreaterThan(1);
  });

  it('refuses targets that cannot be resolved', () => {
    expect(() => resolveTarget({ kind: 'leader' }, five('none'), new Random(1))).toThrow(/no leader/);
    expect(() => resolveTarget({ kind: 'member', name: 'member9' }, five(), new Random(1))).toThrow(/no member named 'member9'/);
    expect(() => resolveTarget({ kind: 'minority' }, [{ name: 'member1', up: true, isLeader: true }], new Random(1))).toThrow(/tolerates no member loss/);
  });
});

describe('partition groups', () => {
  const members = ['member1', 'member2', 'member3', 'member4', 'member5'];
  const identity = (names: string[]) => names;

  it('takes sizes, drawing members in the given order', () => {
    expect(parseGroups('2|3', members, identity)).toEqual([['member1', 'member2'], ['member3', 'member4', 'member5']]);
  });

  it('takes names, putting unnamed members on the last side', () => {
    expect(parseGroups('member5|member1,member2', members, identity)).toEqual([['member5'], ['member1', 'member2', 'member3', 'member4']]);
  });

  it('refuses sizes that do not add up, unknown names, one side, a member on two sides', () => {
    expect(() => parseGroups('2|2', members, identity)).toThrow(/has 4 members; the cluster has 5/);
    expect(() => parseGroups('member9|member1', members, identity)).toThrow(/unknown member\(s\) member9/);
    expect(() => parseGroups('5', members, identity)).toThrow(/at least two sides/);
    expect(() => parseGroups('member1|member1,member2', members, identity)).toThrow(/on two sides/);
  });
});

describe('packet loss rules', () => {
  it('drop each direction of each link touching a targeted member exactly once, and no other', () => {
    const cluster = fc.integer({ min: 1, max: 7 }).chain((n) => {
      const names = Array.from({ length: n }, (_, i) => `member${i + 1}`);
      return fc.tuple(fc.constant(names), fc.subarray(names, { minLength: 1 }));
    });
    fc.assert(
      fc.property(cluster, ([names, targeted]) => {
        const ips = Object.fromEntries(names.map((n, i) => [n, `10.0.0.${i + 2}`]));
        const chains = Object.fromEntries(targeted.map((m) => [m, lossRules(m, targeted, ips, 20)]));
        const dropsOn = (member: string, flag: '-s' | '-d', peer: string) => (chains[member] ?? []).filter((r) => r[0] === flag && r[1] === ips[peer]).length;
        for (const from of names) {
          for (const to of names.filter((n) => n !== from)) {
            const drops = dropsOn(from, '-d', to) + dropsOn(to, '-s', from);
            expect(drops, `${from} → ${to}`).toBe(targeted.includes(from) || targeted.includes(to) ? 1 : 0);
          }
        }
      }),
    );
    expect(lossRules('member1', ['member1'], { member1: '10.0.0.2', member2: '10.0.0.3' }, 20)[0]).toContain('0.2');
  });
});

describe('the fault registry', () => {
  it('has every fault the seed names, each with a summary and a default target', () => {
    expect([...FAULTS.keys()]).toEqual(['kill', 'stop', 'pause', 'restart', 'destroy', 'cpu', 'memory', 'nospace', 'disk-io', 'slow-disk', 'disk-failure', 'corrupt', 'isolate', 'partition', 'loss', 'latency', 'quorum-loss']);
    for (const fault of FAULTS.values()) expect(fault.summary.length).toBeGreaterThan(10);
  });

  it('refuses an unknown kind by listing the known ones', () => {
    expect(() => lookupFault('meteor')).toThrowError(expect.objectContaining({ message: "unknown fault 'meteor'", hint: expect.stringContaining('quorum-loss') }));
  });

  it('validates options with each fault’s own schema', () => {
    expect(lookupFault('cpu').options.safeParse({ cpus: 0 }).success).toBe(false);
    expect(lookupFault('latency').options.parse({})).toEqual({ ms: 100, jitterMs: 0 });
    expect(lookupFault('slow-disk').options.parse({})).toEqual({ ms: 300, jitterMs: 0 });
    expect(lookupFault('disk-failure').options.parse({})).toEqual({ syscalls: 'sync', after: 0 });
    expect(lookupFault('disk-failure').options.safeParse({ syscalls: 'read' }).success).toBe(false);
    expect(lookupFault('quorum-loss').options.safeParse({ mode: 'explode' }).success).toBe(false);
    expect(lookupFault('kill').options.safeParse({ force: true }).success).toBe(false);
  });
});

describe('CLI fault options', () => {
  it('turns --kebab-case flags into the camelCase options the schemas expect, numbers as numbers', () => {
    expect(faultOptions(['--limit-mb', '48', '--scope=client', '--groups', '2|3', '--cpus', '0.05'])).toEqual({ limitMb: 48, scope: 'client', groups: '2|3', cpus: 0.05 });
  });

  it('refuses a bare word or a flag without a value', () => {
    expect(() => faultOptions(['fast'])).toThrow(/unexpected argument 'fast'/);
    expect(() => faultOptions(['--ms'])).toThrow(/--ms needs a value/);
  });
});

describe('the latency proxy schedule', () => {
  it('delays each chunk by the latency and never reorders, whatever the jitter', () => {
    const values = [0.9, 0.0, 0.5, 1.0, 0.1];
    let i = 0;
    const deliverAt = deliveryScheduler({ latencyMs: 100, jitterMs: 50, random: () => values[i++ % values.length] as number });
    const times = [0, 1, 2, 3, 4].map((t) => deliverAt(t));
    expect(times[0]).toBeCloseTo(140);
    for (let k = 1; k < times.length; k += 1) expect(times[k]).toBeGreaterThanOrEqual(times[k - 1] as number);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(50);
  });
});

describe('error kinds', () => {
  it.each([
    ['etcdserver: mvcc: database space exceeded', 'nospace'],
    ['etcdserver: no leader', 'no-leader'],
    ['etcdserver: request timed out', 'timeout'],
    ['4 DEADLINE_EXCEEDED: Deadline exceeded after 2.000s', 'timeout'],
    ['14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1', 'connection-refused'],
    ['Execution prevented because the circuit breaker is open', 'unavailable'],
    ['etcdserver: leader changed', 'leader-changed'],
    ['conflict: /registry/drill/3 is at revision 40, not 12 (an earlier write landed late)', 'conflict'],
    ['something else', 'other'],
  ])('%s is %s', (message, kind) => {
    expect(classifyError(message)).toBe(kind);
  });
});
