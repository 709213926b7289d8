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

# shellcheck source=image-common.sh
. scripts/image-common.sh
image_begin docker-emulator-image
[ -d node_modules ] || die "node_modules is missing: run npm ci first (the image copies it; no registry is reachable)"
FORCE=0 scripts/docker-base-image.sh # FORCE=1 rebuilds this image, not the base
base_id="$(docker image inspect -f '{{ .Id }}' "$BASE")" || die "base image $BASE is missing after scripts/docker-base-image.sh"

# The same directories the Dockerfile copies; tests are excluded there (.dockerignore) and here.
sources_hash="$( {
  echo "$base_id"
  sha256sum Dockerfile .dockerignore package.json package-lock.json tsconfig.json
  find bin cli ca emulator scenarios reports -type f ! -name '*.test.ts' -print0 2>/dev/null | sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-16)"

exit_if_current "$IMAGE" "$LABEL" "$sources_hash" sources

started=$(date +%s)
old_id="$(image_id "$IMAGE")"
log="$(mktemp "${TMPDIR:-/tmp}/certgate-emulator-build.XXXXXX.log")"
# The legacy builder (no buildx plugin here) is enough: multi-stage, COPY --from. BuildKit is used where present.
if ! docker build --label "$LABEL=$sources_hash" -t "$IMAGE" . >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  die "docker build failed (full log: $log)"
fi
rm -f "$log"
# What this build replaced is untagged now; remove it so rebuilds do not pile up: the previous emulator image, and
# every deps stage (labelled in the Dockerfile) but the newest, which is the build cache. Ignored while in use.
remove_replaced "$old_id" "$IMAGE"
docker images -q --no-trunc --filter label=org.certgate.stage=deps --filter dangling=true | tail -n +2 |
  xargs -r docker image rm >/dev/null 2>&1 || true
size="$(docker image inspect -f '{{ .Size }}' "$IMAGE")"
echo "docker-emulator-image: built $IMAGE (sources $sources_hash), $((size / 1024 / 1024)) MB, in $(($(date +%s) - started)) s"
