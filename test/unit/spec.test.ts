import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { MAX_MEMBERS, SpecError, validateSpec } from '../../src/topology/spec.js';

/** Runs validateSpec on input that must be refused and returns the SpecError it threw. */
function refused(input: unknown): SpecError {
  try {
    validateSpec(input);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return err as SpecError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

const paths = (err: SpecError) => err.problems.map((p) => p.path);
const problemAt = (err: SpecError, path: string) => err.problems.find((p) => p.path === path);

describe('validateSpec defaults', () => {
  it('fills an empty spec with a five-member TLS cluster named drill and etcd timing defaults', () => {
    const spec = validateSpec({});
    expect(spec.name).toBe('drill');
    expect(spec.topology).toBe('cluster');
    expect(spec.members).toBe(5);
    expect(spec.tls).toBe(true);
    expect(spec.allowEven).toBe(false);
    expect(spec.etcd.heartbeatIntervalMs).toBe(100);
    expect(spec.etcd.electionTimeoutMs).toBe(1000);
    expect(spec.etcd.quotaBackendBytes).toBeUndefined();
    expect(spec.etcd.snapshotCount).toBeUndefined();
    expect(spec.basePort).toBeUndefined();
  });

  it('treats undefined and null like an empty spec', () => {
    expect(validateSpec(undefined)).toEqual(validateSpec({}));
    expect(validateSpec(null)).toEqual(validateSpec({}));
  });

  it('gives the single topology exactly one member by default', () => {
    expect(validateSpec({ topology: 'single' }).members).toBe(1);
  });

  it('gives the lb topology five members by default', () => {
    const spec = validateSpec({ topology: 'lb' });
    expect(spec.topology).toBe('lb');
    expect(spec.members).toBe(5);
  });

  it('keeps the values the user gave', () => {
    const spec = validateSpec({
      name: 'prod-like-2',
      topology: 'cluster',
      members: 3,
      tls: false,
      basePort: 23_790,
      etcd: { heartbeatIntervalMs: 250, electionTimeoutMs: 2500, quotaBackendBytes: 1 << 20, snapshotCount: 500, logLevel: 'warn' },
      resources: { cpus: 0.5, memoryMb: 256 },
    });
    expect(spec).toMatchObject({
      name: 'prod-like-2',
      members: 3,
      tls: false,
      basePort: 23_790,
      etcd: { heartbeatIntervalMs: 250, electionTimeoutMs: 2500, quotaBackendBytes: 1 << 20, snapshotCount: 500, logLevel: 'warn' },
      resources: { cpus: 0.5, memoryMb: 256 },
    });
  });
});

describe('validateSpec refusals', () => {
  it('refuses an even cluster size and points at --allow-even', () => {
    const err = refused({ members: 4 });
    expect(paths(err)).toEqual(['members']);
    expect(problemAt(err, 'members')?.message).toContain('--allow-even');
    expect(err.message).toContain('--allow-even');
  });

  it('refuses an even lb size as well', () => {
    expect(paths(refused({ topology: 'lb', members: 2 }))).toEqual(['members']);
  });

  it('accepts an even cluster size when allowEven is set', () => {
    expect(validateSpec({ members: 4, allowEven: true }).members).toBe(4);
    expect(validateSpec({ topology: 'lb', members: 2, allowEven: true }).members).toBe(2);
  });

  it('refuses the single topology with three members', () => {
    const err = refused({ topology: 'single', members: 3 });
    expect(paths(err)).toEqual(['members']);
    expect(problemAt(err, 'members')?.message).toMatch(/single/);
  });

  it('refuses an election timeout shorter than five heartbeats and accepts exactly five', () => {
    const err = refused({ etcd: { heartbeatIntervalMs: 200, electionTimeoutMs: 999 } });
    expect(paths(err)).toEqual(['etcd.electionTimeoutMs']);
    expect(problemAt(err, 'etcd.electionTimeoutMs')?.message).toContain('1000');
    expect(validateSpec({ etcd: { heartbeatIntervalMs: 200, electionTimeoutMs: 1000 } }).etcd.electionTimeoutMs).toBe(1000);
  });

  it('refuses unknown fields at the top level and inside nested objects, naming them', () => {
    const top = refused({ memebrs: 3 });
    expect(top.problems).toHaveLength(1);
    expect(top.problems[0]?.message).toContain('memebrs');

    const nested = refused({ etcd: { heartbeat: 100 } });
    expect(paths(nested)).toEqual(['etcd']);
    expect(nested.problems[0]?.message).toContain('heartbeat');
  });

  it(`refuses more than ${MAX_MEMBERS} members and accepts exactly ${MAX_MEMBERS}`, () => {
    expect(paths(refused({ members: MAX_MEMBERS + 2 }))).toEqual(['members']);
    expect(validateSpec({ members: MAX_MEMBERS }).members).toBe(MAX_MEMBERS);
  });

  it('refuses zero, negative and fractional member counts', () => {
    for (const members of [0, -3, 2.5]) expect(paths(refused({ members }))).toContain('members');
  });

  it('refuses cluster names that are not lower-case DNS-like labels', () => {
    for (const name of ['Drill', '1drill', 'my_drill', 'a b', '', 'x'.repeat(32)]) {
      expect(paths(refused({ name }))).toEqual(['name']);
    }
    expect(validateSpec({ name: 'a' + 'x'.repeat(30) }).name).toHaveLength(31);
  });

  it('refuses an unknown topology, listing the allowed ones', () => {
    const err = refused({ topology: 'mesh' });
    expect(paths(err)).toEqual(['topology']);
    expect(problemAt(err, 'topology')?.message).toMatch(/single.*cluster.*lb/);
  });

  it('refuses privileged and out-of-range base ports', () => {
    expect(paths(refused({ basePort: 80 }))).toEqual(['basePort']);
    expect(paths(refused({ basePort: 65_001 }))).toEqual(['basePort']);
  });

  it('is an InvalidInputError whose message lists each problem with its path', () => {
    const err = refused({ members: 4, name: 'Bad' });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('members: ');
    expect(err.message).toContain('name: ');
    expect(err.hint).toBeTruthy();
  });
});

describe('validateSpec reports every problem at once', () => {
  it('names topology, members, etcd.electionTimeoutMs and resources.cpus in one SpecError', () => {
    const err = refused({
      topology: 'mesh',
      members: 12,
      etcd: { electionTimeoutMs: 60_000 },
      resources: { cpus: -1 },
    });
    expect(paths(err).sort()).toEqual(['etcd.electionTimeoutMs', 'members', 'resources.cpus', 'topology']);
  });

  it('combines field problems with cross-field ones (even size, election vs heartbeat, unknown field)', () => {
    const err = refused({
      name: 'Bad',
      members: 4,
      etcd: { heartbeatIntervalMs: 100, electionTimeoutMs: 200 },
      resources: { cpus: 0 },
      bogus: true,
    });
    expect(paths(err)).toEqual(expect.arrayContaining(['name', 'members', 'etcd.electionTimeoutMs', 'resources.cpus']));
    expect(err.problems.some((p) => p.message.includes('bogus'))).toBe(true);
    expect(err.problems).toHaveLength(5);
  });

  // Rules between fields run on the raw input, so they are reported beside schema errors.
  it('still reports a too-short election timeout when the topology is also invalid', () => {
    const err = refused({ topology: 'mesh', etcd: { heartbeatIntervalMs: 100, electionTimeoutMs: 200 } });
    expect(paths(err).sort()).toEqual(['etcd.electionTimeoutMs', 'topology']);
  });
});
