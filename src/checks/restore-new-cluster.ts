import { defineCheck, evidenceOf, verdictOf } from './verdict.js';

/**
 * §6 of the runbooks restores with a new `--initial-cluster-token`: the restored members form a
 * new cluster, with a new cluster ID, so a member still running on the old data (or an old
 * member's peer traffic) is refused instead of joining and mixing two histories. The cluster ID
 * the members report before and after each restore must therefore differ.
 */
export const restoreNewCluster = defineCheck({
  name: 'restore-new-cluster',
  description: 'every restore starts a new cluster (a new cluster token gives a new cluster ID), so no member on the old data can rejoin',
  floors: { restores: 1 },
  judge(history, floors) {
    const judged = history.restores.filter((r) => r.clusterIdBefore !== undefined && r.clusterIdAfter !== undefined);
    const violations = judged
      .filter((r) => r.clusterIdBefore === r.clusterIdAfter)
      .map(
        (r) =>
          `the restore from revision ${r.snapshotRevision} kept cluster ID ${r.clusterIdAfter}: ${(r.members ?? []).join(', ')} were restored with the old cluster token, so a member still on the old data can rejoin them; restore with a new --initial-cluster-token`,
      );
    const evidence = evidenceOf(this, floors, [{ floor: 'restores', what: 'restores whose cluster ID was read before and after', count: judged.length }]);
    return verdictOf(this.name, violations, evidence, `new cluster ID each time (${judged.map((r) => `${r.clusterIdBefore} → ${r.clusterIdAfter}`).join(', ')})`);
  },
});
