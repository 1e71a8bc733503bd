import { sequenceOf, type History } from '../faults/history.js';
import { verdictOf, type Verdict } from './verdict.js';

/**
 * Every acknowledged put must survive the faults: after heal its key holds its value or a later
 * one. Failed puts are indeterminate (they may or may not have been applied), so they prove nothing.
 */
export function ackedWritesDurable(history: History, finalValues: Map<string, string | undefined>): Verdict {
  const violations: string[] = [];
  let acked = 0;
  for (const op of history.operations) {
    if (op.kind !== 'put' || !op.ok) continue;
    acked++;
    const final = finalValues.get(op.key);
    const what = `acknowledged put of ${op.key} = ${op.value} (op ${op.id}) is lost`;
    if (final === undefined) {
      violations.push(`${what}: key absent after heal`);
    } else if ((sequenceOf(final) ?? -Infinity) < (sequenceOf(op.value) ?? -Infinity)) {
      violations.push(`${what}: final value ${final}`);
    }
  }
  return verdictOf('acked-writes-durable', violations, `all ${acked} acknowledged puts survived`);
}
