#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, for the container tests and CI:
#   1. an engine already answers (`docker info`)            → nothing to do;
#   2. no dockerd binary                                     → install Debian's docker.io (brings containerd, runc);
#   3. start dockerd by hand in the background (no systemd here) and wait until it answers.
# If the default daemon does not come up, it retries with settings that need less from the kernel: the vfs storage
# driver (no overlayfs), then no iptables (published ports still work on loopback through docker-proxy).
# Exit 0 with a line saying how the engine runs; exit 1 with the reason when none can be started.
#
#   scripts/docker-engine.sh          # ensure an engine
#   scripts/docker-engine.sh --stop   # stop the dockerd this script started (pid file), nothing else
#
# Environment: CERTGATE_DOCKERD_LOG (default /tmp/certgate-dockerd.log), CERTGATE_DOCKERD_TIMEOUT (s, default 60),
# CERTGATE_DOCKERD_FLAGS (try exactly these dockerd flags instead of the ladder above).
set -uo pipefail

LOG="${CERTGATE_DOCKERD_LOG:-/tmp/certgate-dockerd.log}"
PIDFILE=/var/run/certgate-dockerd.pid
TIMEOUT="${CERTGATE_DOCKERD_TIMEOUT:-60}"
SOCK=/var/run/docker.sock

fail() { echo "docker-engine: cannot start a Docker engine: $*" >&2; exit 1; }
answers() { command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; }
describe() {
  docker info --format 'server {{.ServerVersion}}, storage {{.Driver}}, cgroup {{.CgroupDriver}} v{{.CgroupVersion}}' 2>/dev/null
}

if [ "${1:-}" = "--stop" ]; then
  [ -f "$PIDFILE" ] || { echo "docker-engine: no dockerd started by this script ($PIDFILE absent)"; exit 0; }
  pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/comm" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    echo "docker-engine: stopped dockerd (pid $pid)"
  fi
  rm -f "$PIDFILE"
  exit 0
fi

if answers; then
  echo "docker-engine: an engine already answers ($(describe))"
  exit 0
fi

if ! command -v dockerd >/dev/null; then
  [ "$(id -u)" = 0 ] || fail "dockerd is not installed and installing Debian's docker.io needs root (uid $(id -u))"
  command -v apt-get >/dev/null || fail "dockerd is not installed and there is no apt-get to install docker.io"
  echo "docker-engine: installing Debian package docker.io"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq docker.io >/dev/null; } || fail "apt-get install docker.io failed"
  command -v dockerd >/dev/null || fail "docker.io is installed but dockerd is not on PATH"
fi
command -v docker >/dev/null || fail "there is no docker client on PATH (Debian's docker.io provides /usr/bin/docker)"
[ "$(id -u)" = 0 ] || fail "dockerd must be started as root here (uid $(id -u)); rootless Docker is not set up"

# A stale socket or pid file from a dead daemon would make the new one refuse to start.
if [ -S "$SOCK" ] && ! answers; then rm -f "$SOCK"; fi
for stale in /var/run/docker.pid "$PIDFILE"; do
  if [ -f "$stale" ] && ! kill -0 "$(cat "$stale")" 2>/dev/null; then rm -f "$stale"; fi
done

try_start() { # $@: extra dockerd flags; returns 0 once the engine answers
  echo "docker-engine: starting dockerd $* (log: $LOG)"
  : >"$LOG"
  setsid nohup dockerd --host "unix://$SOCK" "$@" >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PIDFILE"
  for _ in $(seq 1 "$TIMEOUT"); do
    if answers; then
      echo "docker-engine: dockerd pid $pid answers ($(describe)), flags: ${*:-(defaults)}"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  echo "docker-engine: dockerd $* did not come up; last log lines:" >&2
  tail -n 5 "$LOG" >&2
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 10); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  rm -f "$PIDFILE" /var/run/docker.pid
  return 1
}

if [ -n "${CERTGATE_DOCKERD_FLAGS:-}" ]; then
  # shellcheck disable=SC2086 # the flags are meant to be split
  try_start $CERTGATE_DOCKERD_FLAGS && exit 0
  fail "dockerd with CERTGATE_DOCKERD_FLAGS=$CERTGATE_DOCKERD_FLAGS exited or did not answer within ${TIMEOUT}s (see $LOG)"
fi
try_start && exit 0
try_start --storage-driver=vfs && exit 0
try_start --storage-driver=vfs --iptables=false --ip6tables=false && exit 0
fail "dockerd exited or did not answer within ${TIMEOUT}s with the default settings, with --storage-driver=vfs, and with --storage-driver=vfs --iptables=false (see $LOG)"
