#!/usr/bin/env bash
# Host set-up for etcd-drill, idempotent: a Docker engine that answers, the npm dependencies, the
# build, and the etcd / load-balancer images. A second run finds everything in place and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

DOCKERD_LOG=${ETCD_DRILL_DOCKERD_LOG:-/var/log/etcd-drill-dockerd.log}

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }
engine_answers() { command -v docker >/dev/null && timeout 5 docker info >/dev/null 2>&1; }
can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

ensure_engine() {
  engine_answers && return
  if [ -n "${DOCKER_HOST:-}" ]; then
    die "DOCKER_HOST=$DOCKER_HOST does not answer: start that engine, or unset DOCKER_HOST to use a local one"
  fi
  can_install || die "no Docker engine answers: install Docker Engine (docker.io on Debian/Ubuntu) and start it, or set DOCKER_HOST"
  if ! command -v dockerd >/dev/null; then
    say "installing docker.io…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  say "starting dockerd in the background (log: $DOCKERD_LOG)…"
  nohup dockerd >"$DOCKERD_LOG" 2>&1 &
  for _ in $(seq 1 120); do
    engine_answers && return
    kill -0 $! 2>/dev/null || die "dockerd exited at start-up; see $DOCKERD_LOG"
    sleep 0.25
  done
  die "dockerd did not answer within 30 s; see $DOCKERD_LOG"
}

ensure_dependencies() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dependencies…"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

ensure_build() {
  if [ ! -f dist/.built ] || [ -n "$(find src tsconfig.json package-lock.json -newer dist/.built -print -quit)" ]; then
    say "building…"
    npm run --silent build
    touch dist/.built
  fi
}

# The stock age CLI, so an encrypted backup can be opened without etcd-drill (and the tests check it can);
# tmux and Chromium, in which the unit tests run the terminal UI and open the HTML report; strace,
# through which the disk faults (slow-disk, disk-failure) delay or fail a member's syncs.
ensure_tools() {
  command -v age >/dev/null && command -v tmux >/dev/null && command -v chromium >/dev/null && command -v strace >/dev/null && return
  can_install || { say "note: no age CLI, tmux, chromium or strace; install them to open backups by hand, run the UI and report tests, and inject disk faults"; return; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq age tmux chromium strace >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq age tmux chromium strace >/dev/null; }
}

ensure_engine
ensure_tools
ensure_dependencies
ensure_build
# Builds the images from this host's Debian etcd/haproxy where no registry answers; installs those packages if missing.
node bin/etcd-drill.js prepare --log-level warn
say "ready"
