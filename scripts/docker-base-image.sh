#!/usr/bin/env bash
# Builds the local base image certgate/base:local from THIS machine's own files — no image registry is reachable here
# or in CI, so nothing can be pulled. The root filesystem holds only what the emulator needs to run: the host's node
# binary, the shared libraries ldd says it (and /bin/sh) load, the CA bundle, a passwd/group pair and a /tmp.
# It is imported with `docker import` (a single layer, ~100 MB, a few seconds).
#
# Idempotent and cached: the image carries a label with a hash of its inputs (this script, the node binary, the libs);
# when an image with that label exists, nothing is done. FORCE=1 rebuilds anyway.
#
#   scripts/docker-base-image.sh            # prints the image id and whether it was built or reused
set -euo pipefail

IMAGE="${CERTGATE_BASE_IMAGE:-certgate/base:local}"
LABEL=org.certgate.base.inputs

# shellcheck source=image-common.sh
. "$(dirname "$0")/image-common.sh"
image_begin docker-base-image
require_docker_engine
NODE="$(readlink -f "$(command -v node)")" || die "no node on PATH"
SH="$(readlink -f /bin/sh)"

# Every file that goes into the image, as "source<TAB>destination inside the image".
files() {
  printf '%s\t%s\n' "$NODE" /usr/local/bin/node
  printf '%s\t%s\n' "$SH" /bin/sh
  # Shared libraries at the same paths as on the host (the dynamic loader's absolute path is baked into binaries).
  ldd "$NODE" "$SH" | ldd_libraries | while read -r lib; do
    printf '%s\t%s\n' "$(readlink -f "$lib")" "$lib"
  done
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    printf '%s\t%s\n' /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
  fi
}

list="$(files)"
# Hash of the inputs: file list + contents' identity (size and mtime are enough for binaries that change by upgrade).
inputs_hash="$( { cat "$0"; printf '%s\n' "$list" | while IFS=$'\t' read -r src dst; do
  stat -c "%n %s %Y" "$src"; echo "$dst"; done; } | sha256sum | cut -c1-16)"

exit_if_current "$IMAGE" "$LABEL" "$inputs_hash" inputs

started=$(date +%s)
root="$(mktemp -d "${TMPDIR:-/tmp}/certgate-rootfs.XXXXXX")"
trap 'rm -rf "$root"' EXIT
printf '%s\n' "$list" | while IFS=$'\t' read -r src dst; do
  mkdir -p "$root$(dirname "$dst")"
  cp -L "$src" "$root$dst"
done
mkdir -p "$root/tmp" "$root/app" "$root/etc" "$root/root" "$root/dev" "$root/proc" "$root/sys"
chmod 1777 "$root/tmp"
# Merged /usr: /lib64 and friends may be symlinks on the host; the loader path stays valid because ldd printed real
# paths of the form /lib64/ld-linux-x86-64.so.2, which were copied to exactly that place.
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"

tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . | docker import \
  --change "LABEL $LABEL=$inputs_hash" \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  --change 'WORKDIR /app' \
  --change 'CMD ["node"]' \
  - "$IMAGE" >/dev/null

size="$(docker image inspect -f '{{ .Size }}' "$IMAGE")"
echo "docker-base-image: built $IMAGE from $NODE ($(node --version)), $((size / 1024 / 1024)) MB, in $(($(date +%s) - started)) s"
