
import { showsWriteOrLater, writerOf, writesByKey } from './key-order.js';
import { defineCheck, evidenceOf, verdictOf } from './verdict.js';
import { sinceLastRestore } from './since-restore.js';

/**
 * Every acknowledged write must survive the faults: once the run healed, its key (read again, every
 * object listed linearizably) shows that write or a later one. Writes that failed are
 * indeterminate and prove nothing; after a restore, only what came after it is judged (restore-rpo
 * judges the restore itself).
 */
export const ackedWritesDurable = defineCheck({
  name: 'acked-writes-durable',
  description: 'every acknowledged write, or a later one, is still there once the run healed',
  floors: { writes: 20 },
  judge(history, floors) {
    const final = history.final;
    const operations = sinceLastRestore(history).filter((o) => final !== undefined && o.start < final.at);
    const byKey = writesByKey(operations);
    const violations: string[] = [];
    let compared = 0;
    for (const [key, writes] of byKey) {
      if (!final || !key.startsWith(final.prefix)) continue;
      const found = final.values[key];
      if (found !== undefined && !writerOf(key, found, writes) && writes.some((w) => w.ok)) {
        violations.push(`${key} holds ${found} after heal, a value no write of this run put there`);
        continue;
      }
      for (const write of writes.filter((w) => w.ok)) {
        compared += 1;
        if (!showsWriteOrLater(key, write, found, writes, final.at)) {
          violations.push(`${key}: acknowledged ${write.kind}${write.value === undefined ? '' : ` = ${write.value}`} (op ${write.id}, revision ${write.revision}) is lost: ${found === undefined ? 'key absent' : `holds ${found}`} after heal`);
        }
      }
    }
    const evidence = evidenceOf(this, floors, [{ floor: 'writes', what: `acknowledged writes compared with the store after heal${final ? ` (revision ${final.revision})` : ' (never read: the run ended early)'}`, count: compared }]);
    return verdictOf(this.name, violations, evidence, 'every one survived');
  },
});
