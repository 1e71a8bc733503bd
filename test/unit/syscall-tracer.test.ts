import { describe, expect, it } from 'vitest';
import { Random } from '../../src/random.js';
import { ioErrorLine } from '../../src/faults/disk.js';
import { DISK_SYSCALLS, drawDelay, parsePlan, straceArgs, tracerArgs, type TracerPlan } from '../../src/faults/syscall-tracer.js';

describe('the syscall tracer behind the disk faults', () => {
  it('traces exactly the syscalls it injects into (strace ignores an injection outside its trace set)', () => {
    const args = straceArgs({ pid: 42, syscalls: DISK_SYSCALLS.sync, delayMs: 300, jitterMs: 0, seed: 1 });
    expect(args).toEqual(['-f', '-qq', '-o', '/dev/null', '-e', 'signal=none', '-e', 'trace=fdatasync,fsync', '-e', 'inject=fdatasync,fsync:delay_enter=300ms', '-p', '42']);
  });

  it('fails from the call after the first `after` ones, or from the first', () => {
    expect(straceArgs({ pid: 7, syscalls: DISK_SYSCALLS.write, error: 'EIO', after: 3 })).toContain('inject=write,pwrite64:error=EIO:when=4+');
    expect(straceArgs({ pid: 7, syscalls: DISK_SYSCALLS.sync, error: 'EIO', after: 0 })).toContain('inject=fdatasync,fsync:error=EIO');
  });

  it('takes its plan back from its own command line, either kind', () => {
    const plans: TracerPlan[] = [
      { pid: 9, syscalls: ['fdatasync', 'fsync'], delayMs: 250, jitterMs: 50, seed: 17 },
      { pid: 9, syscalls: ['write', 'pwrite64'], error: 'EIO', after: 12 },
    ];
    for (const plan of plans) expect(parsePlan(tracerArgs(plan))).toEqual(plan);
  });

  it('draws each stretch’s delay within delay ± jitter, seeded, and never below zero', () => {
    const random = new Random(5);
    const draws = Array.from({ length: 200 }, () => drawDelay({ delayMs: 300, jitterMs: 100 }, random));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...draws)).toBeLessThanOrEqual(400);
    expect(new Set(draws).size).toBeGreaterThan(50);
    const again = new Random(5);
    expect(Array.from({ length: 200 }, () => drawDelay({ delayMs: 300, jitterMs: 100 }, again))).toEqual(draws);
    expect(drawDelay({ delayMs: 0, jitterMs: 0 }, random)).toBe(0);
  });
});

describe('the disk-failure fault’s evidence', () => {
  it('quotes what etcd logged as it stopped: its JSON line’s message and error, or the plain line', () => {
    const logs = [
      '{"level":"info","msg":"applied"}',
      '{"level":"fatal","ts":"2026-12-07T19:12:28.581Z","caller":"backend/batch_tx.go:248","msg":"failed to commit tx","error":"input/output error","stacktrace":"go.etcd.io/..."}',
      '',
    ].join('\n');
    expect(ioErrorLine(logs)).toBe('failed to commit tx: input/output error');
    expect(ioErrorLine('2026-12-07 C | etcdserver: failed to save Raft hard state and entries: input/output error\n')).toBe('2026-12-07 C | etcdserver: failed to save Raft hard state and entries: input/output error');
    expect(ioErrorLine('{"level":"info","msg":"ready"}\n')).toBeUndefined();
  });
});
