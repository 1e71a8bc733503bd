#!/usr/bin/env bash
# The main drill: the seed's §6.4 on a five-member TLS cluster — a majority lost for good, the API
# servers stopped, every member restored from the last encrypted backup — checked and reported.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node bin/etcd-drill.js run quorum-loss-and-restore --report-dir "${ETCD_DRILL_REPORT_DIR:-reports}" "$@"
