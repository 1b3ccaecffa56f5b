#!/usr/bin/env bash
# End-to-end check of the stand-in image, shaped like a vllm-ascend deploy:
# fake Ascend device nodes passed with --device, a tiny generated model
# mounted, LD_PRELOAD=jemalloc passed in, `vllm serve ...` as the command;
# then /health, /v1/models, a chat completion, and jemalloc in the maps of the
# serving processes. Removes its container and temp files unless KEEP=1.
#
#   smoke-standin.sh [IMAGE_REF]
#
# IMAGE_REF defaults to the last reference pushed by build-standin-image.sh.
# Environment:
#   PORT=18080            host port (bound on 127.0.0.1 only)
#   TP=1                  --tensor-parallel-size; 2 also sets VLLM_CPU_OMP_THREADS_BIND=0|1
#   DTYPE=bfloat16        --dtype
#   HEALTH_TIMEOUT=300    seconds to wait for /health
#   MODEL_ON_HOST=auto    auto|yes|no: generate the model with the host's python3
#                         (needs tests/e2e/requirements.txt) or inside the image
#   KEEP=1                leave the container running and the temp dir in place
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${STANDIN_CACHE:-/var/cache/ascend-doctor-standin}
REF=${1:-$(cat "$CACHE/last-pushed" 2>/dev/null || true)}
PORT=${PORT:-18080}
TP=${TP:-1}
DTYPE=${DTYPE:-bfloat16}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-300}
MODEL_ON_HOST=${MODEL_ON_HOST:-auto}
NAME=ascend-doctor-smoke-$$
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2

say() { printf 'smoke: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }
[ -n "$REF" ] || die "no image reference given and none recorded in $CACHE/last-pushed"

work=$(mktemp -d /tmp/ascend-doctor-smoke.XXXXXX)
cleanup() {
    if [ -z "${KEEP:-}" ]; then
        docker rm -f "$NAME" >/dev/null 2>&1 || true
        rm -rf "$work"
    else
        say "kept: container $NAME, dir $work"
    fi
}
trap cleanup EXIT

# -- fake device nodes (char devices; nothing opens them) -----------------------
mkdir -p "$work/dev" "$work/models"
mknod "$work/dev/davinci0" c 236 0
mknod "$work/dev/davinci_manager" c 237 0
mknod "$work/dev/devmm_svm" c 238 0
mknod "$work/dev/hisi_hdc" c 239 0

# -- tiny model -----------------------------------------------------------------------
t0=$SECONDS
gen_on_host=no
if [ "$MODEL_ON_HOST" = yes ]; then
    gen_on_host=yes
elif [ "$MODEL_ON_HOST" = auto ] && python3 -c 'import torch, transformers, tokenizers, safetensors' 2>/dev/null; then
    gen_on_host=yes
fi
if [ "$gen_on_host" = yes ]; then
    timeout 300 python3 "$HERE/make_tiny_model.py" "$work/models/tiny" >"$work/model.json" 2>"$work/model.err" \
        || { cat "$work/model.err" >&2; die "make_tiny_model.py failed on the host"; }
else
    timeout 300 docker run --rm --network none -v "$HERE:/support:ro" -v "$work/models:/out" "$REF" \
        python3 /support/make_tiny_model.py /out/tiny >"$work/model.json" 2>"$work/model.err" \
        || { cat "$work/model.err" >&2; die "make_tiny_model.py failed inside the image"; }
fi
say "tiny model written in $((SECONDS - t0))s (on host: $gen_on_host)"

# -- serve ------------------------------------------------------------------------------
extra_env=()
[ "$TP" = 1 ] || extra_env+=(-e "VLLM_CPU_OMP_THREADS_BIND=$(seq -s '|' 0 $((TP - 1)))")
start=$(date +%s.%N)
docker run -d --name "$NAME" \
    --device "$work/dev/davinci0:/dev/davinci0" \
    --device "$work/dev/davinci_manager:/dev/davinci_manager" \
    --device "$work/dev/devmm_svm:/dev/devmm_svm" \
    --device "$work/dev/hisi_hdc:/dev/hisi_hdc" \
    --shm-size 1g \
    -v "$work/models:/models:ro" \
    -p "127.0.0.1:$PORT:8000" \
    -e VLLM_CPU_KVCACHE_SPACE=1 \
    -e "LD_PRELOAD=$JEMALLOC" \
    "${extra_env[@]}" \
    "$REF" \
    vllm serve /models/tiny --served-model-name tiny --max-model-len 512 --dtype "$DTYPE" \
        --tensor-parallel-size "$TP" >/dev/null

deadline=$((SECONDS + HEALTH_TIMEOUT))
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/health" || true)" = 200 ]; do
    if [ "$(docker inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null)" != true ]; then
        docker logs --tail 40 "$NAME" >&2 || true
        die "container exited before /health answered"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        docker logs --tail 40 "$NAME" >&2 || true
        die "/health did not answer 200 within ${HEALTH_TIMEOUT}s"
    fi
    sleep 0.5
done
ready=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
say "/health 200 after ${ready}s from docker run"

# -- devices seen inside -----------------------------------------------------------------
for d in davinci0 davinci_manager devmm_svm hisi_hdc; do
    docker exec "$NAME" test -c "/dev/$d" || die "/dev/$d is not a character device in the container"
done
say "device nodes present in the container: $(docker exec "$NAME" sh -c 'stat -c "%n=%t:%T" /dev/davinci0 /dev/davinci_manager /dev/devmm_svm /dev/hisi_hdc' | tr '\n' ' ')"

# -- API ---------------------------------------------------------------------------------
models=$(curl -fsS --max-time 10 "http://127.0.0.1:$PORT/v1/models")
printf '%s' "$models" | python3 -c 'import json,sys; ids=[m["id"] for m in json.load(sys.stdin)["data"]]; assert ids == ["tiny"], ids' \
    || die "/v1/models does not list exactly 'tiny': $models"
chat=$(curl -fsS --max-time 60 "http://127.0.0.1:$PORT/v1/chat/completions" -H 'Content-Type: application/json' \
    -d '{"model":"tiny","messages":[{"role":"user","content":"Is the NPU healthy?"}],"temperature":0,"max_tokens":5}')
printf '%s' "$chat" | python3 -c '
import json, sys
d = json.load(sys.stdin)
u = d["usage"]
assert u["completion_tokens"] == 5, u
print("smoke: chat reply %r (%d prompt + %d completion tokens)" % (d["choices"][0]["message"]["content"], u["prompt_tokens"], u["completion_tokens"]), file=sys.stderr)
' || die "unexpected chat completion: $chat"

# -- jemalloc in the serving processes --------------------------------------------------
maps=$(docker exec "$NAME" sh -c '
for p in /proc/[0-9]*; do
    c=$(cat "$p/comm" 2>/dev/null) || continue
    case "$c" in python3|VLLM::*) printf "%s:%s:%s\n" "${p#/proc/}" "$c" "$(grep -c libjemalloc "$p/maps" 2>/dev/null)";; esac
done')
say "jemalloc mappings per process (pid:comm:count): $(echo "$maps" | tr '\n' ' ')"
echo "$maps" | grep -q '^1:python3:[1-9]' || die "the API server (pid 1) has no libjemalloc mapping"
if echo "$maps" | grep -E '^[0-9]+:VLLM::' | grep -q ':0$'; then die "an engine/worker process has no libjemalloc mapping"; fi
[ -z "$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$REF" | grep '^LD_PRELOAD=')" ] \
    || die "the image itself sets LD_PRELOAD"

mem=$(docker stats --no-stream --format '{{.MemUsage}}' "$NAME")
say "memory: $mem"
say "PASS image=$REF tp=$TP dtype=$DTYPE ready=${ready}s"
