import { describe, expect, it } from 'vitest';
import { backupEncrypted, plaintextKind } from '../../src/checks/backup-encrypted.js';
import { CHECKS } from '../../src/checks/registry.js';
import { restoreNewCluster } from '../../src/checks/restore-new-cluster.js';
import { checksOf } from '../../src/scenarios/engine.js';
import { RUNBOOKS } from '../../src/scenarios/runbooks/registry.js';
import { carryOut, provingChecks, type RunbookContext } from '../../src/scenarios/runbooks/runbook.js';
import { InvalidInputError } from '../../src/errors.js';
import { EventBus } from '../../src/events.js';
import type { Scenario } from '../../src/scenarios/types.js';
import { emptyHistory, type BackupFacts } from '../../src/workload/history.js';
import { history, restore } from '../support/history.js';

/** Every registered check, with its default floors, must refuse to vouch for a history with nothing in it. */
describe.each([...CHECKS.keys()])('%s on the empty history', (name) => {
  it('is inconclusive, never ok', () => {
    // The check's own judge, not the registry's: that one turns a throw into a failed verdict, which would pass as "not ok".
    const v = CHECKS.get(name)!.judge(emptyHistory(), {});
    // Nothing wrong was found, only nothing looked at: inconclusive, not failed (a violation) nor unknown.
    expect(v, v.message).toMatchObject({ check: name, status: 'inconclusive', ok: false });
  });
});

const MEMBERS = ['member1', 'member2', 'member3'];
const restored = (before: string | undefined, after: string | undefined, revision = 44) => ({ ...restore(1000, 2000, revision), members: MEMBERS, clusterIdBefore: before, clusterIdAfter: after });

describe('restore-new-cluster', () => {
  it('passes when each restore started a new cluster, and shows the IDs', () => {
    const v = restoreNewCluster.judge(history({ restores: [restored('aa11', 'bb22'), restored('bb22', 'cc33', 60)] }), {});
    expect(v).toMatchObject({ status: 'ok', evidence: [expect.objectContaining({ floor: 'restores', count: 2 })] });
    expect(v.message).toContain('aa11 → bb22, bb22 → cc33');
  });

  it('fails a restore that kept the cluster ID, naming the revision, the ID and the members', () => {
    const v = restoreNewCluster.judge(history({ restores: [restored('aa11', 'bb22'), restored('bb22', 'bb22', 60)] }), {});
    expect(v.status).toBe('failed');
    expect(v.message).toMatch(/^the restore from revision 60 kept cluster ID bb22: member1, member2, member3 were restored with the old cluster token/);
    expect(v.message).toMatch(/new --initial-cluster-token/);
  });

  it('does not count a restore whose IDs were not both read: inconclusive, not ok', () => {
    for (const [before, after] of [[undefined, 'bb22'], ['aa11', undefined]] as const) {
      expect(restoreNewCluster.judge(history({ restores: [restored(before, after)] }), {})).toMatchObject({ status: 'inconclusive', ok: false });
    }
  });

  it('reads a report written before cluster IDs were recorded as inconclusive', () => {
    expect(restoreNewCluster.judge(history({ restores: [restore(1000, 2000, 44)] }), {})).toMatchObject({ status: 'inconclusive', ok: false });
  });
});

/** A bbolt file's first page header and meta magic, as `snapshot save` writes it. */
function bboltHead(): Buffer {
  const head = Buffer.alloc(64);
  head.writeUInt16LE(0x04, 8); // page flags: meta
  head.writeUInt32LE(0xed0cdaed, 16);
  return head;
}
const AGE_HEAD = Buffer.from('age-encryption.org/v1\n-> X25519 5i1a0nR2eQ4xYQ\n');
const backup = (head: Buffer, file = 'backup-1.db.age'): BackupFacts => ({ file, revision: 45, sizeBytes: 24_576, head: head.toString('base64') });

describe('backup-encrypted', () => {
  it('passes age files', () => {
    const v = backupEncrypted.judge(history({ backups: [backup(AGE_HEAD), backup(AGE_HEAD, 'backup-2.db.age')] }), {});
    expect(v).toMatchObject({ status: 'ok', message: '2 encrypted backups read back from disk: each one an age file' });
  });

  it('fails a backup that is the plaintext snapshot, naming the file and what it is', () => {
    const v = backupEncrypted.judge(history({ backups: [backup(AGE_HEAD), backup(bboltHead(), 'backup-2.db.age')] }), {});
    expect(v.status).toBe('failed');
    expect(v.message).toMatch(/^backup-2\.db\.age \(revision 45, 24576 bytes\) is a plaintext etcd snapshot \(bbolt magic at byte 16\)/);
  });

  it('reads the magic from as few bytes as hold it, and never past the end of a shorter file', () => {
    expect(plaintextKind(bboltHead().subarray(0, 20))).toBe('a plaintext etcd snapshot (bbolt magic at byte 16)');
    expect(plaintextKind(bboltHead().subarray(0, 19))).toBe('not an age file (no age-encryption.org/v1 header)');
  });

  it.each([
    ['an empty file', Buffer.alloc(0)],
    ['another format', Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----\n')],
    ['a truncated age header', Buffer.from('age-encryption.org/v')],
  ])('fails %s as not an age file', (_what, head) => {
    expect(plaintextKind(head)).toBe('not an age file (no age-encryption.org/v1 header)');
    expect(backupEncrypted.judge(history({ backups: [backup(head)] }), {}).status).toBe('failed');
  });
});

describe('the checks a run judges', () => {
  const scenario = (steps: Scenario['steps'], workload: Scenario['workload'] = false): Scenario => ({ name: 'x', description: 'x', file: undefined, topology: {}, workload, steps, checks: ['converged'], floors: {} });

  it('include the checks that prove each runbook the run carries out', () => {
    const checks = checksOf(scenario([
      { kind: 'runbook', runbook: 'encrypted-backup', options: {} },
      { kind: 'runbook', runbook: 'restore', options: {} },
    ]));
    expect(checks).toEqual(['converged', 'backup-encrypted', 'restore-new-cluster']);
  });

  it("include what a team's script is judged as: a restore script by the restore's checks, any other by none", () => {
    const exec = (does?: string) => checksOf(scenario([{ kind: 'runbook', runbook: 'exec', options: { script: 'x.sh', ...(does ? { does } : {}) } }]));
    expect(exec('restore')).toEqual(['converged', 'restore-new-cluster', 'restore-rpo']);
    expect(exec('replace-member')).toEqual(['converged']);
    expect(exec()).toEqual(['converged']);
  });

  it('every check a runbook names is registered', () => {
    const optionsSeen = [{}, { script: 'x.sh', does: 'restore' }, { script: 'x.sh', does: 'replace-member' }];
    for (const runbook of RUNBOOKS.values()) {
      for (const check of optionsSeen.flatMap((options) => provingChecks(runbook, options))) expect(CHECKS.has(check), `${runbook.name} names ${check}`).toBe(true);
    }
  });
});

describe('a runbook carried out with options its schema refuses', () => {
  it('says which option and why, in one line, before anything runs', async () => {
    const ctx = { cluster: { eventBus: new EventBus(), name: 'x' } } as unknown as RunbookContext;
    const error = await carryOut(ctx, RUNBOOKS.get('restore')!, { form: 'snapshot' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/^runbook restore: options: Unrecognized key: "form"$/);
  });
});
