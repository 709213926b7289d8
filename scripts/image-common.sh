# Shared by the scripts that build certgate's local images (docker-base-image.sh, docker-emulator-image.sh,
# docker-gateway-image.sh): nothing is pulled (no registry is reachable), so each image is built from this machine's
# files and carries a label with a hash of its inputs; an image that already has that hash is reused.
# Source it, then call image_begin with the script's name.

# die MESSAGE: the reason on stderr, prefixed with the script's name; exit 2.
die() { echo "$IMAGE_SCRIPT: $*" >&2; exit 2; }

# image_begin NAME: names the script for die, and takes the build lock — parallel test workers may all ask for the
# image; the second waits, then finds it cached.
image_begin() {
  IMAGE_SCRIPT="$1"
  exec 9>"${TMPDIR:-/tmp}/certgate-$1.lock"
  flock 9
}

# require_docker_engine: a docker client on PATH and an engine that answers.
require_docker_engine() {
  command -v docker >/dev/null || die "no docker client on PATH (run scripts/docker-engine.sh first)"
  docker info >/dev/null 2>&1 || die "no Docker engine answers (run scripts/docker-engine.sh first)"
}

# exit_if_current IMAGE LABEL HASH WHAT: unless FORCE=1, when the tagged image's LABEL is HASH, say so and exit 0.
exit_if_current() {
  [ "${FORCE:-0}" = 1 ] && return 0
  local have
  have="$(docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true)"
  if [ "$have" = "$3" ]; then
    echo "$IMAGE_SCRIPT: $1 is up to date ($4 $3), reused"
    exit 0
  fi
}

# image_id IMAGE: its id, or nothing when there is no such image.
image_id() { docker image inspect -f '{{ .Id }}' "$1" 2>/dev/null || true; }

# remove_replaced OLD_ID IMAGE: the image a build replaced is untagged now; remove it so rebuilds do not pile up
# (ignored while a container still uses it).
remove_replaced() {
  local new_id
  new_id="$(image_id "$2")"
  if [ -n "$1" ] && [ "$1" != "$new_id" ]; then docker image rm "$1" >/dev/null 2>&1 || true; fi
}

# ldd_libraries: reads ldd's output on stdin, prints each shared library's path once (as ldd names it).
ldd_libraries() { awk '/=> \// { print $3 } /^\t\/[^ ]+ \(0x/ { print $1 }' | sort -u; }
