#!/usr/bin/env bash
# Builds certgate/gateways:local — nginx, Apache httpd and HAProxy as installed on THIS machine — for the container
# mode of the gateway drivers (`--target container:<driver>`, StartOptions.container). No image registry is reachable
# here or in CI, so nothing is pulled: the root filesystem is assembled from the installed Debian packages' own file
# lists (`dpkg -L`, without docs/man pages/service files) plus the shared-library closure of every ELF file in them
# (`ldd`), and imported as one layer with `docker import`. The binaries and modules keep their host paths, so the
# driver's generated config (LoadModule /usr/lib/apache2/modules/…, /usr/sbin/nginx …) is valid inside unchanged.
#
# Idempotent and cached: the image carries a label with a hash of its inputs (this script, and name/size/mtime of every
# file copied); when the tagged image has that label nothing is built (~1 s). FORCE=1 rebuilds anyway.
# Exit 0 when the image is there (prints built/reused, size, time); 2 with the reason otherwise.
#
#   scripts/docker-gateway-image.sh
set -euo pipefail

IMAGE="${CERTGATE_GATEWAY_IMAGE:-certgate/gateways:local}"
LABEL=org.certgate.gateway.inputs

# shellcheck source=image-common.sh
. "$(dirname "$0")/image-common.sh"
image_begin docker-gateway-image
require_docker_engine
command -v dpkg-query >/dev/null || die "dpkg-query not found: the image is assembled from installed Debian packages"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
owner() { dpkg-query -S "$1" 2>/dev/null | head -n1 | cut -d: -f1; }

# The packages: whichever package owns each server binary (nginx vs nginx-light differ between releases), nginx's
# common files and dynamic modules, Apache's binary+modules (mod_ssl, mod_http2, mod_lua are all in apache2-bin),
# HAProxy (built with Lua), and /etc/mime.types.
pkgs=()
for bin in /usr/sbin/nginx /usr/sbin/apache2 /usr/sbin/haproxy; do
  [ -x "$bin" ] || die "$bin is not installed (apt-get install nginx apache2 haproxy)"
  p="$(owner "$bin")"
  [ -n "$p" ] || die "no installed package owns $bin"
  pkgs+=("$p")
done
for p in nginx-common media-types $(dpkg-query -W -f='${Package}\n' 'libnginx-mod-*' 2>/dev/null); do
  installed "$p" && pkgs+=("$p")
done
mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)

# Regular files of those packages, minus what a server in a container never reads, and minus five Apache modules no
# driver loads whose libraries would triple the image (libxml2+ICU 33 MB: proxy_html, xml2enc; curl+gnutls+krb5: md;
# OpenLDAP+gnutls: ldap, authnz_ldap).
SKIP_MODULES='/usr/lib/apache2/modules/mod_(proxy_html|xml2enc|md|ldap|authnz_ldap)\.so$'
pkg_files() {
  dpkg-query -L "${pkgs[@]}" | grep -Ev '^/usr/share/(doc|doc-base|man|lintian|bug|apport|vim|bash-completion)/|^/(usr/)?lib/systemd/|^/etc/(init\.d|logrotate\.d|ufw|cron\.[a-z]+|default|rsyslog\.d)/' |
    grep -Ev "$SKIP_MODULES" |
    while read -r f; do [ -f "$f" ] && [ ! -L "$f" ] && echo "$f"; done
  # OpenSSL's configuration (Debian sets its defaults there), its loadable providers, and the CA bundle.
  for f in /etc/ssl/openssl.cnf /etc/ssl/certs/ca-certificates.crt /usr/lib/x86_64-linux-gnu/ossl-modules/legacy.so /bin/sh; do
    [ -e "$f" ] && readlink -f "$f"
  done
  return 0
}

mapfile -t base_files < <(pkg_files | sort -u)
# Shared-library closure of every ELF file (binaries and modules) at the paths ldd prints.
libs() {
  # ldd ignores what is not a dynamic ELF file ("not a dynamic executable"); one call for all keeps the check fast.
  local elf=()
  for f in "${base_files[@]}"; do
    case "$f" in */sbin/* | */bin/* | *.so | *.so.*) elf+=("$f") ;; esac
  done
  { ldd "${elf[@]}" 2>/dev/null || true; } | ldd_libraries
}
mapfile -t lib_files < <(libs)

# Destination of a file: its directory resolved (merged /usr: /lib → /usr/lib), its own name kept (the SONAME links).
dest() { printf '%s/%s\n' "$(readlink -f "$(dirname "$1")")" "$(basename "$1")"; }

inputs_hash="$( { cat "$0"; printf '%s\n' "${pkgs[@]}"; stat -L -c '%n %s %Y' "${base_files[@]}" "${lib_files[@]}"; } | sha256sum | cut -c1-16)"

exit_if_current "$IMAGE" "$LABEL" "$inputs_hash" inputs

started=$(date +%s)
root="$(mktemp -d "${TMPDIR:-/tmp}/certgate-gw-rootfs.XXXXXX")"
trap 'rm -rf "$root"' EXIT
for f in "${base_files[@]}" "${lib_files[@]}"; do
  d="$(dest "$f")"
  mkdir -p "$root$(dirname "$d")"
  cp -L --preserve=mode "$f" "$root$d"
done
# Keep the host's merged-/usr links (/bin → usr/bin, /lib → usr/lib, …) so every path a binary or config names resolves.
for l in bin sbin lib lib64; do
  if [ -L "/$l" ]; then ln -sfn "$(readlink "/$l")" "$root/$l"; fi
done
ln -sfn /etc/ssl/openssl.cnf "$root/usr/lib/ssl/openssl.cnf" 2>/dev/null || { mkdir -p "$root/usr/lib/ssl" && ln -sfn /etc/ssl/openssl.cnf "$root/usr/lib/ssl/openssl.cnf"; }
mkdir -p "$root/tmp" "$root/root" "$root/dev" "$root/proc" "$root/sys" "$root/run" "$root/var/log/nginx" "$root/var/lib/nginx" "$root/var/log/apache2"
chmod 1777 "$root/tmp"
# The accounts the servers switch to, with the host's ids (Apache's children run as www-data when started as root).
grep -E '^(root|www-data|nobody|haproxy):' /etc/passwd >"$root/etc/passwd"
grep -E '^(root|www-data|nogroup|haproxy):' /etc/group >"$root/etc/group"
grep -q '^www-data:' "$root/etc/passwd" || echo 'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin' >>"$root/etc/passwd"
grep -q '^www-data:' "$root/etc/group" || echo 'www-data:x:33:' >>"$root/etc/group"
echo 'hosts: files' >"$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"

old_id="$(image_id "$IMAGE")"
tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . | docker import \
  --change "LABEL $LABEL=$inputs_hash" \
  --change "LABEL org.certgate.gateway.packages=$(printf '%s,' "${pkgs[@]}" | sed 's/,$//')" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$IMAGE" >/dev/null

remove_replaced "$old_id" "$IMAGE"
size="$(docker image inspect -f '{{ .Size }}' "$IMAGE")"
echo "docker-gateway-image: built $IMAGE from ${pkgs[*]} (${#base_files[@]} package files, ${#lib_files[@]} libraries), $((size / 1024 / 1024)) MB, in $(($(date +%s) - started)) s"
