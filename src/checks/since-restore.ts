import type { History, Operation, RestoreFacts } from '../workload/history.js';

/**
 * The stretches of a run between restores. A restore rewinds the store on purpose (restore-rpo
 * judges that), so the checks that follow one store's story judge each stretch on its own: the
 * first from an empty store, each later one from what its restore left.
 */
export interface Epoch {
  operations: Operation[];
  /** The restore this stretch starts from; undefined for the first. */
  after: RestoreFacts | undefined;
  /** The last stretch: the run's final read belongs to it. */
  last: boolean;
}

export function restoreEpochs(history: History): Epoch[] {
  const restores = [...history.restores].sort((a, b) => a.startedAt - b.startedAt);
  const bounds = [undefined, ...restores];
  return bounds.map((after, i) => {
    const next = restores[i];
    const from = after?.endedAt ?? -Infinity;
    const to = next?.startedAt ?? Infinity;
    return { operations: history.operations.filter((o) => o.start > from && o.start < to), after, last: i === bounds.length - 1 };
  });
}

/** The operations after the last restore: what durability and freshness are judged on once a restore rebuilt the store. */
export function sinceLastRestore(history: History): Operation[] {
  return restoreEpochs(history).at(-1)?.operations ?? [];
}
