import { defineCheck, evidenceOf, verdictOf } from './verdict.js';

/** Every age file starts with this line (age-encryption.org/v1 spec). */
const AGE_HEADER = 'age-encryption.org/v1\n';
/** bbolt (etcd's store, and so a snapshot) keeps its magic in the first meta page, after the 16-byte page header. */
const BBOLT_MAGIC = 0xed0cdaed;
const BBOLT_MAGIC_OFFSET = 16;

/** What a backup file's first bytes say it is, in words; undefined when it is an age file. */
export function plaintextKind(head: Buffer): string | undefined {
  if (head.subarray(0, AGE_HEADER.length).toString('latin1') === AGE_HEADER) return undefined;
  if (head.length >= BBOLT_MAGIC_OFFSET + 4 && head.readUInt32LE(BBOLT_MAGIC_OFFSET) === BBOLT_MAGIC) return 'a plaintext etcd snapshot (bbolt magic at byte 16)';
  return 'not an age file (no age-encryption.org/v1 header)';
}

/**
 * §4.3: a backup leaves the member encrypted, and only the ciphertext reaches a disk. Judged on
 * the bytes the backup step left on disk, read back after it wrote them.
 */
export const backupEncrypted = defineCheck({
  name: 'backup-encrypted',
  description: 'every encrypted backup is an age file on disk, never the plaintext snapshot',
  floors: { backups: 1 },
  judge(history, floors) {
    const violations = history.backups.flatMap((b) => {
      const kind = plaintextKind(Buffer.from(b.head, 'base64'));
      return kind ? [`${b.file} (revision ${b.revision}, ${b.sizeBytes} bytes) is ${kind}: anyone who reads the file reads the cluster, secrets included`] : [];
    });
    const evidence = evidenceOf(this, floors, [{ floor: 'backups', what: 'encrypted backups read back from disk', count: history.backups.length }]);
    return verdictOf(this.name, violations, evidence, 'each one an age file');
  },
});
