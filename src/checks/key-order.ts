import { isIndeterminate, writesOf, type Operation } from '../workload/history.js';

/**
 * Whether `other` may have taken effect after `write` on their key: applied at a higher revision,
 * or — its outcome unknown, its revision too — any write whose outcome is unknown (it may land at
 * any time after it was sent). The linearizability check judges such writes exactly; the checks
 * built on this one give them the benefit of the doubt.
 */
export function mayFollow(other: Operation, write: Operation): boolean {
  if (other === write) return false;
  if (other.ok && other.revision !== undefined && write.revision !== undefined) return other.revision > write.revision;
  return isIndeterminate(other);
}

/** The write (of those given) that put `value` into `key`: values are unique, so at most one. */
export function writerOf(key: string, value: string, writes: Operation[]): Operation | undefined {
  return writes.find((w) => writesOf(w).some((p) => p.key === key && p.value === value));
}

/**
 * Whether a key found holding `value` (undefined: absent) at `seenBy` shows `write`'s effect or a
 * later one: the value `write` put or one put after it, or absent after a delete that followed
 * it — by a write sent before `seenBy`. `writes`: every write of the key, acknowledged or not.
 */
export function showsWriteOrLater(key: string, write: Operation, value: string | undefined, writes: Operation[], seenBy: number): boolean {
  const sentInTime = (w: Operation) => w.start < seenBy;
  if (value === undefined) return write.kind === 'delete' || writes.some((w) => w.kind === 'delete' && sentInTime(w) && mayFollow(w, write));
  const writer = writerOf(key, value, writes);
  return writer !== undefined && (writer === write || (sentInTime(writer) && mayFollow(writer, write)));
}

/**
 * Writes that were applied or may have been, by key, for the checks that compare a key's state with
 * what was written to it. A failed compare wrote nothing (its value is what it read), so it is left out.
 */
export function writesByKey(operations: Operation[]): Map<string, Operation[]> {
  const byKey = new Map<string, Operation[]>();
  for (const op of operations) {
    if (!op.ok && !isIndeterminate(op)) continue;
    for (const { key } of writesOf(op)) {
      const list = byKey.get(key) ?? [];
      list.push(op);
      byKey.set(key, list);
    }
  }
  return byKey;
}
