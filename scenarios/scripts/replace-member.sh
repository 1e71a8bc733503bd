#!/usr/bin/env bash
# §3 of the runbooks as a team scripts it: find the failed members from the healthy ones, remove
# every failed member while quorum holds, then add and start one new member at a time under a new
# name, each serving before the next.
#
# Runs under the `exec` runbook (`does: replace-member`), or from a shell after
# `eval "$(etcd-drill env NAME)"`.
set -euo pipefail

scheme=$([ -n "${CACERT:-}" ] && echo https || echo http)

# Which members fail: those whose own endpoint does not answer.
failed=()
for entry in ${ETCD_DRILL_MEMBERS//,/ }; do
  name=${entry%%=*}
  if ! etcdctl --endpoints "${entry#*=}" --dial-timeout=2s --command-timeout=2s endpoint health >/dev/null 2>&1; then failed+=("$name"); fi
done
if [ ${#failed[@]} -eq 0 ]; then echo "no member has failed"; exit 0; fi
echo "failed: ${failed[*]}"

# 1–2. Their IDs from a healthy member, then `member remove`: every failed member first, since
# etcd admits no new member while any voting member is unreachable.
etcdctl --endpoints "$ENDPOINT" member list
for name in "${failed[@]}"; do
  id=$(etcdctl --endpoints "$ENDPOINT" member list | awk -F', ' -v name="$name" '$3 == name { print $1 }')
  etcdctl --endpoints "$ENDPOINT" member remove "$id"
done

# A new unique name: one past the highest memberN ever used.
highest=$(tr ',' '\n' <<<"$ETCD_DRILL_MEMBERS" | sed -n 's/^member\([0-9]*\)=.*/\1/p' | sort -n | tail -n1)

for name in "${failed[@]}"; do
  highest=$((highest + 1))
  new="member$highest"
  # 3. `member add`. etcd refuses it ("unhealthy cluster") until its leader has been connected to
  # every voting member for 5 s: retry for twice that, then give up with etcd's reason.
  deadline=$((SECONDS + 10))
  until added=$(etcdctl --endpoints "$ENDPOINT" member add "$new" --peer-urls="$scheme://$new:2380" 2>&1); do
    grep -q 'unhealthy cluster' <<<"$added" && [ "$SECONDS" -lt "$deadline" ] || { echo "member add $new refused: $(tail -n1 <<<"$added")" >&2; exit 1; }
    sleep 0.5
  done
  echo "$added"
  initial_cluster=$(sed -n 's/^ETCD_INITIAL_CLUSTER="\(.*\)"$/\1/p' <<<"$added")
  # 4. Start it with the list etcd printed, state existing.
  etcd-drill member start "$new" --initial-cluster "$initial_cluster" --initial-cluster-state existing
  # One at a time: the next change waits until this member is started in etcd's own list.
  until etcdctl --endpoints "$ENDPOINT" member list | grep ", started, $new," >/dev/null; do sleep 0.2; done
  echo "replaced $name with $new"
done
etcdctl --endpoints "$ENDPOINT" --write-out=table member list
