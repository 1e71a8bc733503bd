import { GenericContainer } from 'testcontainers';
import { describe, expect, it } from 'vitest';

/**
 * A user's suite imports the library beside its own testcontainers: importing it must change
 * nothing for their containers (it once switched Ryuk, the reaper, off for the whole process).
 */
describe('importing etcd-drill as a library', () => {
  it('leaves testcontainers as it was: the reaper on, a user container cleaned up automatically', async () => {
    const before = { ...process.env };
    await import('../../src/index.js');
    await import('../../src/runtime/docker.js');
    expect(process.env.TESTCONTAINERS_RYUK_DISABLED).toBe(before.TESTCONTAINERS_RYUK_DISABLED);
    expect(Object.keys(process.env).filter((k) => k.startsWith('TESTCONTAINERS_') && before[k] !== process.env[k])).toEqual([]);
    expect((new GenericContainer('busybox') as unknown as { autoCleanup: boolean }).autoCleanup).toBe(true);
  });
});
