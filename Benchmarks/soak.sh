#!/usr/bin/env bash
# The soak: one `distillery serve` under an hour of mixed traffic from `distillery-loadgen soak`:
#   - streaming completions from CONCURRENCY closed-loop clients (TOKENS tokens each; or RATE per second,
#     Poisson arrivals, instead) and, from one more client, non-streaming ones;
#   - clients that disconnect mid-prompt and mid-stream; malformed JSON, invalid parameters, a bad request
#     line, an oversized body and an oversized head, each of which must get its 4xx;
#   - POST /admin/reload of MODEL every RELOAD_EVERY seconds.
# Every WINDOW seconds, once no client is connected, it records the server's RSS and open descriptors
# (/proc), the scheduler queue (/metrics) and latency percentiles. Pass: no failed valid request, every
# invalid one answered as expected, and after WARMUP windows RSS and descriptors grow by less than 5%.
# Writes Benchmarks/results/soak-<date>/ (soak.json, soak.md, soak-*.svg); exit code 0 on pass.
#
# Environment: DURATION (3600 s), WINDOW (60 s), WARMUP (5 windows), CONCURRENCY (2), RATE, TOKENS (16),
# RELOAD_EVERY (30 s), SLOTS (4), MODEL (models/python-student.gguf), OUT (the results folder),
# NICE (10: the machine is shared, so the soak yields to other work).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

duration=${DURATION:-3600}
window=${WINDOW:-60}
warmup=${WARMUP:-5}
# Modest by default: the machine is shared, and a soak looks for leaks, not for the server's limit. Closed
# loop, so a server starved of CPU by its neighbours slows its clients down instead of filling its queue
# (an open loop then gets 429s: correct load shedding, but failed requests).
if [ -n "${RATE:-}" ]; then load=(--rate "$RATE"); else load=(--concurrency "${CONCURRENCY:-2}"); fi
tokens=${TOKENS:-16}
reload_every=${RELOAD_EVERY:-30}
slots=${SLOTS:-4}
model=$(realpath "${MODEL:-models/python-student.gguf}")
out=${OUT:-Benchmarks/results/soak-$(date -u +%Y-%m-%d)}
niceness=${NICE:-10}
work=Benchmarks/.cache/soak-run
mkdir -p "$work" "$out"

log() { echo "[soak $(date -u +%H:%M:%S)] $*" >&2; }

log "building release (distillery, distillery-loadgen)"
swift build -c release --product distillery >&2
swift build -c release --product distillery-loadgen >&2

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
# The server started here is stopped on exit, by its pid only.
server_pid=""
cleanup() { [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

nice -n "$niceness" .build/release/distillery serve -m "$model" --host 127.0.0.1 --port "$port" --slots "$slots" \
    --admin-token "$token" --no-access-log > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do
    kill -0 "$server_pid" 2>/dev/null || { log "the server exited during start-up:"; tail -20 "$work/server.log" >&2; exit 1; }
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=2)" 2>/dev/null && break
    sleep 0.2
done
log "server pid $server_pid on port $port; soaking for $duration s (window $window s, ${load[*]})"

status=0
nice -n "$niceness" .build/release/distillery-loadgen soak --url "http://127.0.0.1:$port" --prompts Benchmarks/prompts.txt \
    --server-pid "$server_pid" --out-dir "$out" --duration "$duration" --window "$window" --warmup-windows "$warmup" \
    "${load[@]}" --max-tokens "$tokens" --reload-model "$model" --reload-every "$reload_every" \
    --admin-token "$token" || status=$?
kill -0 "$server_pid" 2>/dev/null || { log "the server died during the soak:"; tail -20 "$work/server.log" >&2; status=1; }
cp "$work/server.log" "$out/server.log.txt" 2>/dev/null || true
log "results in $out (exit $status)"
exit "$status"
