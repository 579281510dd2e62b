#!/usr/bin/env bash
# `make bench`: Distillery next to llama.cpp on the same GGUF, alternating so both see the same machine.
#   1. engine prefill and decode: `distillery bench` vs `llama-bench -p 128 -n 128 -t 2`, on MODEL and on two
#      random students (Benchmarks/random-student.py): a gemma3 one of the shape a teacher-initialized student
#      has, and the ~35M grouped-query llama shape
#   2. serving latency, closed loop at concurrency 1, 4, 16, 64 and open loop at two Poisson rates:
#      `distillery serve` at its default slots and queue vs `llama-server -np 16`, both with 2 threads, 64
#      generated tokens per request
#   3. latency during hot swaps (`POST /admin/reload` every few seconds) vs steady state
#   4. teacher forward throughput (Gemma-3-270M, `make teacher`): `distillery eval` vs `llama-perplexity`
# then writes Benchmarks/results/<date>.json, <date>.md, the SVG charts in <date>/ and the "Serving latency
# under load" section of Benchmarks/README.md. Parts whose command is missing are skipped with a message.
#
# Environment: MODEL, REPS (3), CONCURRENCIES ("1 4 16 64"), RATES ("2 8" requests/s), DURATION (10 s of
# sending per run), TOKENS (64), THREADS (2), SLOTS (llama-server's -np, 16), DATE (today, UTC), QUICK=1 (one
# short repetition unless REPS says otherwise, results under Benchmarks/.cache instead of Benchmarks/results),
# DISTILLERY (a prebuilt binary to use), SERVE_ARGS (more arguments for `distillery serve`, e.g. "--slots 8" or
# "--activations q8_0"), SKIP_ENGINE=1, SKIP_SWAP=1, SKIP_TEACHER=1 (leave out phases 1, 3, 4).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

model=$(realpath "${MODEL:-Tests/EngineTests/Fixtures/student-s-q8_0.gguf}")
reps=${REPS:-3}
concurrencies=${CONCURRENCIES:-"1 4 16 64"}
rates=${RATES:-"2 8"}
duration=${DURATION:-10}
tokens=${TOKENS:-64}
threads=${THREADS:-2}
slots=${SLOTS:-16}
date=${DATE:-$(date -u +%Y-%m-%d)}
results=Benchmarks/results
if [ "${QUICK:-0}" = 1 ]; then
    reps=${REPS:-1} duration=${DURATION:-3} concurrencies=${CONCURRENCIES:-"1 16"} rates=${RATES:-"4"}
    results=Benchmarks/.cache/results-quick
fi
work=Benchmarks/.cache/bench-run
prompts=Benchmarks/prompts.txt
started=$(date +%s)
rm -rf "$work" && mkdir -p "$work" "$results"

log() { echo "[bench $(($(date +%s) - started))s] $*" >&2; }
skip() { log "SKIPPED: $*"; echo "$*" >> "$work/skipped.txt"; }
# A phase mark: name, wall-clock seconds, busy CPU seconds of the whole machine (/proc/stat), CPU seconds of
# the commands this script waited for (bash's `times`), 1-minute load average. Between two marks, machine
# minus own is what other jobs used, so a shared machine shows in the summary.
phase() {
    times > "$work/.times"
    local own busy
    own=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] } print s }' "$work/.times")
    busy=$(awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat)
    echo "$1 $(date +%s.%N) $busy $own $(cut -d' ' -f1 /proc/loadavg)" >> "$work/phases.txt"
}

# Servers started here are stopped on exit, by their pid only.
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_healthy() {   # port pid name
    for _ in $(seq 600); do
        kill -0 "$2" 2>/dev/null || { log "$3 exited during start-up; its log:"; tail -20 "$work/$3.log" >&2; exit 1; }
        python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$1/health', timeout=2)" \
            2>/dev/null && return 0
        sleep 0.2
    done
    log "$3 did not become healthy in 120 s"; exit 1
}

# --- builds (cached) ---------------------------------------------------------------------------------------
phase build
llama_bin=$(bash Benchmarks/llama-cpp/build.sh)
log "building release (distillery, distillery-loadgen)"
[ -n "${DISTILLERY:-}" ] || swift build -c release --product distillery >&2
swift build -c release --product distillery-loadgen >&2
distillery=${DISTILLERY:-.build/release/distillery}
loadgen=.build/release/distillery-loadgen
has_command() { "$distillery" "$1" --help >/dev/null 2>&1; }

python3 Benchmarks/summarize.py machine "$work/machine-start.json" "$llama_bin"

teacher=${TEACHER:-models/teacher/gemma-3-270m-q4_k_m.gguf}

# --- 1. engine ---------------------------------------------------------------------------------------------
phase engine
engine_rounds() {   # model prefix label: REPS alternating rounds, results in $work/PREFIX-{distillery,llama}-rN.json
    local model=$1 prefix=$2 label=$3
    for rep in $(seq "$reps"); do
        log "engine round $rep/$reps, $label"
        run_ours() { "$distillery" bench -m "$model" --threads "$threads" -p 128 -n 128 -r 5 --json > "$work/$prefix-distillery-r$rep.json"; }
        run_theirs() { "$llama_bin/llama-bench" -m "$model" -p 128 -n 128 -t "$threads" -r 5 -o json > "$work/$prefix-llama-r$rep.json" 2>/dev/null; }
        if [ $((rep % 2)) = 1 ]; then run_ours; run_theirs; else run_theirs; run_ours; fi
    done
}
if has_command bench && [ "${SKIP_ENGINE:-0}" != 1 ]; then
    engine_rounds "$model" engine "served model"
    [ -f "$teacher" ] || make teacher >&2
    for arch in gemma3 llama; do
        student=Benchmarks/.cache/random-$arch-student.gguf
        [ -f "$student" ] || python3 Benchmarks/random-student.py "$student" --arch "$arch"
        engine_rounds "$student" "engine-random-$arch" "random $arch student"
    done
else
    skip "engine prefill/decode: 'distillery bench' is not in this build (llama-bench alone proves nothing), or SKIP_ENGINE=1"
fi

# --- 2. serving --------------------------------------------------------------------------------------------
phase serving
admin_token=bench-$$-$RANDOM
declare -A port pid
llama_port=$(free_port)
"$llama_bin/llama-server" -m "$model" -t "$threads" -np "$slots" -c $((slots * 1024)) --host 127.0.0.1 \
    --port "$llama_port" --no-webui > "$work/llama-server.log" 2>&1 &
pids+=($!); port[llama-server]=$llama_port; pid[llama-server]=$!
servers=(llama-server)
if has_command serve; then
    distillery_port=$(free_port)
    "$distillery" serve -m "$model" --threads "$threads" --port "$distillery_port" \
        --admin-token "$admin_token" --no-access-log ${SERVE_ARGS:-} > "$work/distillery.log" 2>&1 &
    pids+=($!); port[distillery]=$distillery_port; pid[distillery]=$!
    servers=(distillery llama-server)
else
    skip "Distillery serving: 'distillery serve' is not in this build; llama-server measured alone"
fi
for server in "${servers[@]}"; do
    wait_healthy "${port[$server]}" "${pid[$server]}" "$server"
    awk '/^VmRSS:/ { print $2 }' "/proc/${pid[$server]}/status" > "$work/idle-rss-$server.txt"   # kB, before any request
    log "$server ready on port ${port[$server]} (pid ${pid[$server]}); warming up"
    "$loadgen" run --url "http://127.0.0.1:${port[$server]}" --prompts "$prompts" --concurrency "$slots" \
        --requests $((2 * slots)) --duration 60 --max-tokens "$tokens" > "$work/warmup-$server.txt"
done

load() {   # server name [loadgen options...]
    local server=$1 name=$2; shift 2
    "$loadgen" run --url "http://127.0.0.1:${port[$server]}" --prompts "$prompts" --max-tokens "$tokens" \
        --server-pid "${pid[$server]}" --timeout 120 --json --out "$work/$name.json" "$@" > /dev/null
}

# Each repetition walks every setting; the servers take turns, in reversed order on even repetitions.
for rep in $(seq "$reps"); do
    order=("${servers[@]}")
    [ $((rep % 2)) = 0 ] && order=($(printf '%s\n' "${servers[@]}" | tac))
    for c in $concurrencies; do
        for server in "${order[@]}"; do
            log "rep $rep/$reps: $server, $c concurrent clients"
            load "$server" "closed-$server-c$c-r$rep" --concurrency "$c" --duration "$duration" --seed "$rep"
        done
    done
    for rate in $rates; do
        for server in "${order[@]}"; do
            log "rep $rep/$reps: $server, open loop at $rate requests/s"
            load "$server" "open-$server-rate$rate-r$rep" --rate "$rate" --duration "$duration" --seed "$rep"
        done
    done
done

# --- 3. hot swap -------------------------------------------------------------------------------------------
phase hotswap
if [ -n "${port[distillery]:-}" ] && [ "${SKIP_SWAP:-0}" != 1 ] && "$distillery" serve --help 2>&1 | grep -q -- --admin-token; then
    reload() {
        python3 - "${port[distillery]}" "$admin_token" "$model" <<'PY'
import json, sys, urllib.request
port, token, model = sys.argv[1:4]
request = urllib.request.Request(f"http://127.0.0.1:{port}/admin/reload", data=json.dumps({"model": model}).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=60) as response:
        print(response.status)
except urllib.error.HTTPError as error:
    print(error.code)
PY
    }
    for rep in $(seq "$reps"); do
        log "rep $rep/$reps: hot swap, steady state"
        load distillery "swap-steady-r$rep" --concurrency 16 --duration "$duration" --seed "$rep"
        log "rep $rep/$reps: hot swap, reloading every 2 s"
        load distillery "swap-reload-r$rep" --concurrency 16 --duration "$duration" --seed "$rep" &
        loader=$!
        sleep 1
        while kill -0 "$loader" 2>/dev/null; do
            echo "$(reload)" >> "$work/swap-reload-r$rep.status"
            sleep 2
        done
        wait "$loader"
    done
else
    skip "hot swap: no 'distillery serve --admin-token' (POST /admin/reload) in this build, or SKIP_SWAP=1"
fi

cleanup; pids=()

# --- 4. teacher throughput --------------------------------------------------------------------------------
# The distillation teacher's forward pass (full vocabulary, batched, context 512) over the same held-out text:
# `distillery eval` vs `llama-perplexity`, both timed without model loading.
phase teacher
if has_command eval && [ "${SKIP_TEACHER:-0}" != 1 ]; then
    [ -f "$teacher" ] || make teacher >&2
    heldout="$work/heldout-8k.txt"
    python3 - "$heldout" <<'PY'
import pathlib, sys, sysconfig
lib = pathlib.Path(sysconfig.get_paths()["stdlib"])
files = sorted((lib / "json").glob("*.py")) + sorted((lib / "email").glob("*.py"))
data = "".join(p.read_text(encoding="utf-8") for p in files).encode()[:8_000]
open(sys.argv[1], "wb").write(data[: len(data.decode("utf-8", "ignore").encode())])
PY
    for rep in $(seq "$reps"); do
        log "teacher round $rep/$reps"
        # eval has no --threads: it uses one worker per core, which is THREADS on the 2-core reference machine.
        run_ours() { "$distillery" eval -m "$teacher" --data "$heldout" --ctx 512 --json --quiet > "$work/teacher-distillery-r$rep.json"; }
        run_theirs() { "$llama_bin/llama-perplexity" -m "$teacher" -f "$heldout" -c 512 -t "$threads" > "$work/teacher-llama-r$rep.log" 2>&1; }
        if [ $((rep % 2)) = 1 ]; then run_ours; run_theirs; else run_theirs; run_ours; fi
    done
else
    skip "teacher throughput: no 'distillery eval' in this build, or SKIP_TEACHER=1"
fi

# --- results -----------------------------------------------------------------------------------------------
phase results
python3 Benchmarks/summarize.py machine "$work/machine-end.json" "$llama_bin"
python3 Benchmarks/summarize.py results "$work" "$results" "$date" "$model" \
    "reps=$reps duration=$duration tokens=$tokens threads=$threads slots=$slots concurrencies=$concurrencies rates=$rates"
"$loadgen" chart --results "$results/$date.json" --out-dir "$results/$date" >&2
[ "${QUICK:-0}" = 1 ] || python3 Benchmarks/summarize.py readme "$results/$date.md" Benchmarks/README.md "$date"
log "done in $(($(date +%s) - started)) s: $results/$date.md"
