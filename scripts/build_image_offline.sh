#!/usr/bin/env bash
# Build Hemma's container image without a Docker daemon and without Docker Hub: a Debian
# bookworm base made with debootstrap (deb.debian.org or DEBIAN_MIRROR), then
# deploy/Dockerfile built on it by buildah. Needs root, debootstrap and buildah
# (`apt-get install debootstrap buildah`); pip still fetches from PyPI or PIP_INDEX_URL.
# docs/operations.md ("With containers") has the measured times and how to run the image.
#
#     sudo scripts/build_image_offline.sh                 # -> localhost/hemma:local
#     sudo TAG=hemma:test scripts/build_image_offline.sh
#
# Settings (environment): TAG (hemma:local), BASE_TAG (localhost/hemma-base:bookworm; built
# once, REBUILD_BASE=1 makes it again), STORAGE_DRIVER (vfs: works in unprivileged
# containers; overlay is faster where the kernel allows it), DEBIAN_MIRROR, PIP_INDEX_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${TAG:-hemma:local}
BASE_TAG=${BASE_TAG:-localhost/hemma-base:bookworm}
STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
export BUILDAH_ISOLATION=chroot # no nested namespaces needed: works inside a container
buildah=(buildah --storage-driver "$STORAGE_DRIVER")

rootfs=""
trap 'if [[ -n $rootfs ]]; then rm -rf "$rootfs"; fi' EXIT

build_base() {
  local ctr mnt
  rootfs=$(mktemp -d)
  echo "--- debootstrap bookworm with Python 3.11 from $DEBIAN_MIRROR"
  # python-is-python3: the Dockerfile (and its HEALTHCHECK) call `python`, as in python:*.
  debootstrap --variant=minbase \
    --include=python3,python3-venv,python-is-python3,ca-certificates \
    bookworm "$rootfs" "$DEBIAN_MIRROR" >/dev/null
  # What an image does not need: package caches and lists, documentation, translations.
  rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  ctr=$("${buildah[@]}" from scratch)
  mnt=$("${buildah[@]}" mount "$ctr")
  cp -a "$rootfs"/. "$mnt"/
  "${buildah[@]}" umount "$ctr" >/dev/null
  "${buildah[@]}" config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd python "$ctr"
  "${buildah[@]}" commit --quiet "$ctr" "$BASE_TAG" >/dev/null
  "${buildah[@]}" rm "$ctr" >/dev/null
}

start=$(date +%s)
if [[ ${REBUILD_BASE:-0} == 1 ]] || ! "${buildah[@]}" inspect --type image "$BASE_TAG" >/dev/null 2>&1; then
  build_base
fi
echo "--- building $TAG on $BASE_TAG"
previous=$("${buildah[@]}" images --quiet --noheading "$TAG" 2>/dev/null || true)
build_args=(--build-arg "BASE_IMAGE=$BASE_TAG")
if [[ -n ${PIP_INDEX_URL:-} ]]; then
  build_args+=(--build-arg "PIP_INDEX_URL=$PIP_INDEX_URL")
fi
# The host's CA bundle is mounted for the RUN steps only (a TLS-inspecting proxy's CA, a
# region's own mirror): it is not copied into the image. --format docker keeps HEALTHCHECK.
"${buildah[@]}" bud --isolation chroot --format docker --layers=false \
  "${build_args[@]}" \
  --volume /etc/ssl/certs:/etc/ssl/certs:ro \
  -f deploy/Dockerfile -t "$TAG" .
# The image the tag named before is left untagged: drop it (vfs stores every image whole).
if [[ -n $previous && $previous != $("${buildah[@]}" images --quiet --noheading "$TAG") ]]; then
  "${buildah[@]}" rmi "$previous" >/dev/null 2>&1 || true # still used by a container: kept
fi
echo "--- $TAG built in $(($(date +%s) - start)) s"
"${buildah[@]}" images "$TAG"
