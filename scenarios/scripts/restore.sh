#!/usr/bin/env bash
# §6 of the runbooks as a team scripts it: with a majority of members lost for good, stop every
# API server, restore one new data dir per member from the snapshot with a new cluster token,
# start every member on it, then start the API servers again.
#
# Runs under the `exec` runbook (`does: restore`), or from a shell after
# `eval "$(etcd-drill env NAME)"` with SNAPSHOT=path/to/snapshotdb.
set -euo pipefail

: "${SNAPSHOT:?set SNAPSHOT to the snapshot file to restore}"
scheme=$([ -n "${CACERT:-}" ] && echo https || echo http)
names=$(tr ',' '\n' <<<"$ETCD_DRILL_MEMBERS" | cut -d= -f1)
token="restored-$(date +%s)"
data_dir="/var/lib/etcd/$token"
snapshots=/var/lib/etcd-snapshots

initial_cluster=""
for name in $names; do initial_cluster+="${initial_cluster:+,}$name=$scheme://$name:2380"; done

# The snapshot must be whole before anything is touched (§4.2).
etcdctl --write-out=table snapshot status "$SNAPSHOT"

# 3.5+ images restore with etcdutl; 3.4 with etcdctl.
first=$(head -n1 <<<"$names")
tool=etcdctl
if etcd-drill member exec "$first" -- etcdutl version >/dev/null 2>&1; then tool=etcdutl; fi

# §6.5: never restore under a running API server.
etcd-drill apiservers stop

for name in $names; do etcd-drill member stop "$name"; done

# The snapshot folder is shared by every member: one copy serves them all.
etcd-drill member cp "$SNAPSHOT" "$first:$snapshots/snapshotdb"

for name in $names; do
  etcd-drill member exec "$name" -- "$tool" snapshot restore "$snapshots/snapshotdb" \
    --name "$name" \
    --initial-cluster "$initial_cluster" \
    --initial-cluster-token "$token" \
    --initial-advertise-peer-urls "$scheme://$name:2380" \
    --data-dir "$data_dir"
done

for name in $names; do
  etcd-drill member start "$name" \
    --data-dir "$data_dir" \
    --initial-cluster "$initial_cluster" \
    --initial-cluster-state new \
    --initial-cluster-token "$token"
done

# Every member healthy (each answers a linearizable read) before the API servers come back.
for attempt in $(seq 60); do
  etcdctl --endpoints "$ENDPOINTS" --command-timeout=2s endpoint health >/dev/null 2>&1 && break
  [ "$attempt" -lt 60 ] || { etcdctl --endpoints "$ENDPOINTS" endpoint health; exit 1; }
  sleep 0.5
done
etcdctl --endpoints "$ENDPOINTS" --write-out=table endpoint status

etcd-drill apiservers start
