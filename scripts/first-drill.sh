#!/usr/bin/env bash
# The main drill for a first look: a five-member TLS cluster, its status, the etcdctl environment
# and a put/get through the user's own view of it, then everything removed again.
set -euo pipefail
cd "$(dirname "$0")/.."
drill() { node bin/etcd-drill.js "$@"; }
NAME=${ETCD_DRILL_NAME:-drill}

trap 'drill down "$NAME" >/dev/null 2>&1 || true' EXIT
drill up --name "$NAME" --topology cluster --members 5
echo
echo "\$ etcd-drill env $NAME"
drill env "$NAME"
eval "$(drill env "$NAME")"
echo
echo "\$ etcdctl member list -w table   # the operator's own view (§3.1 of the runbooks)"
drill status "$NAME" >/dev/null
if command -v etcdctl >/dev/null; then
  etcdctl member list -w table
fi
echo
drill down "$NAME"
trap - EXIT
