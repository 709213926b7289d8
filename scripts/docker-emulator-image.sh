#!/usr/bin/env bash
# Builds the emulator image certgate/emulator:local from the Dockerfile, on top of certgate/base:local (built first if
# absent). Cached: the image carries a label with a hash of everything that goes into it (Dockerfile, .dockerignore,
# the lockfile, the sources the image copies, the base image id); when the tagged image has that label, nothing is
# built. So the container tests always run the current sources, and a second run costs a hash (~0.2 s), not a build.
# FORCE=1 rebuilds anyway. Nothing is downloaded: the dependencies come from the host's node_modules.
#
#   scripts/docker-emulator-image.sh     # prints whether the image was built or reused
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${CERTGATE_EMULATOR_IMAGE:-certgate/emulator:local}"
BASE="${CERTGATE_BASE_IMAGE:-certgate/base:local}"
LABEL=org.certgate.sources

die() { echo "docker-emulator-image: $*" >&2; exit 2; }
# One build at a time (parallel test workers may all ask for the image); the second waits, then finds it cached.
exec 9>"${TMPDIR:-/tmp}/certgate-docker-emulator-image.lock"
flock 9
[ -d node_modules ] || die "node_modules is missing: run npm ci first (the image copies it; no registry is reachable)"
FORCE=0 scripts/docker-base-image.sh # FORCE=1 rebuilds this image, not the base
base_id="$(docker image inspect -f '{{ .Id }}' "$BASE")" || die "base image $BASE is missing after scripts/docker-base-image.sh"

# The same directories the Dockerfile copies; tests are excluded there (.dockerignore) and here.
sources_hash="$( {
  echo "$base_id"
  sha256sum Dockerfile .dockerignore package.json package-lock.json tsconfig.json
  find bin cli ca emulator scenarios reports -type f ! -name '*.test.ts' -print0 2>/dev/null | sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-16)"

if [ "${FORCE:-0}" != 1 ]; then
  have="$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null || true)"
  if [ "$have" = "$sources_hash" ]; then
    echo "docker-emulator-image: $IMAGE is up to date (sources $sources_hash), reused"
    exit 0
  fi
fi

started=$(date +%s)
old_id="$(docker image inspect -f '{{ .Id }}' "$IMAGE" 2>/dev/null || true)"
log="$(mktemp "${TMPDIR:-/tmp}/certgate-emulator-build.XXXXXX.log")"
# The legacy builder (no buildx plugin here) is enough: multi-stage, COPY --from. BuildKit is used where present.
if ! docker build --label "$LABEL=$sources_hash" -t "$IMAGE" . >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  die "docker build failed (full log: $log)"
fi
rm -f "$log"
# What this build replaced is untagged now; remove it so rebuilds do not pile up: the previous emulator image, and
# every deps stage (labelled in the Dockerfile) but the newest, which is the build cache. Ignored while in use.
new_id="$(docker image inspect -f '{{ .Id }}' "$IMAGE")"
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then docker image rm "$old_id" >/dev/null 2>&1 || true; fi
docker images -q --no-trunc --filter label=org.certgate.stage=deps --filter dangling=true | tail -n +2 |
  xargs -r docker image rm >/dev/null 2>&1 || true
size="$(docker image inspect -f '{{ .Size }}' "$IMAGE")"
echo "docker-emulator-image: built $IMAGE (sources $sources_hash), $((size / 1024 / 1024)) MB, in $(($(date +%s) - started)) s"
