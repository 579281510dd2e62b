#!/usr/bin/env bash
# Decode and prefill speed of `distillery bench` against llama.cpp's `llama-bench` on the same GGUF, run
# alternately for several rounds so both see the same machine, then the medians and their ratios. Usage:
#   Benchmarks/bench-vs-llama-cpp.sh [MODEL]
# Environment: ROUNDS (default 5), THREADS (default 2), PROMPT (128), GEN (128), REPEAT (5 per round).
# llama-bench runs with -t THREADS; distillery with at most THREADS threads, each step on one or all of them,
# whichever it measures faster (its default), or with exactly THREADS when FIXED_THREADS=1.
# NICE=-19 runs both at the highest CPU priority (needs root), which on a machine shared with other jobs
# stands in for an idle one: the neighbours then get a few percent of the cores instead of half.
# Defaults to the bundled 7.6M-parameter Q8_0 student. Both tools measure the same way: pp is PROMPT tokens
# in one batch from an empty cache, tg is GEN tokens decoded one at a time from an empty cache, after a
# warm-up run; each round reports the median of REPEAT runs (llama-bench's samples_ts, our own median).
# Each round also measures the machine's read bandwidth over as many bytes as decode streams per token (every
# weight but an untied token embedding; Benchmarks/memory-read.c, THREADS threads): tg at that bandwidth is
# the ceiling of any engine that reads each weight once per token, so ceiling / llama.cpp's tg is the highest
# decode ratio this machine allows on this file.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
model=${1:-Tests/EngineTests/Fixtures/student-s-q8_0.gguf}
rounds=${ROUNDS:-5}
threads=${THREADS:-2}
priority=()
if [ -n "${NICE:-}" ]; then priority=(nice -n "$NICE"); fi
ours_threads=()
if [ "${FIXED_THREADS:-0}" = 1 ] || [ "$threads" != 2 ]; then ours_threads=(--threads "$threads"); fi
prompt=${PROMPT:-128}
gen=${GEN:-128}
repeat=${REPEAT:-5}

bin=$(bash Benchmarks/llama-cpp/build.sh)
swift build -c release --product distillery >&2
memory_read="$root/Benchmarks/.cache/memory-read"
cc -O2 -pthread Benchmarks/memory-read.c -o "$memory_read"
# Bytes a decode step reads: every tensor but token_embd when the file has its own output matrix.
streamed=$(.build/release/distillery inspect "$model" | awk '
    /^TENSORS/ { table = 1; next }
    table && $1 == "name" { next }
    table && NF >= 4 { bytes[$1] = $NF; total += $NF }
    END { if ("output.weight" in bytes) total -= bytes["token_embd.weight"]; print total }')

results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores;" \
     "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq "$rounds"); do
    echo "round $round/$rounds, load average $(cut -d' ' -f1 /proc/loadavg)" >&2
    ours=$("${priority[@]}" .build/release/distillery bench -m "$model" "${ours_threads[@]}" --prompt-tokens "$prompt" \
           --gen-tokens "$gen" --repeat "$repeat" --json)
    theirs=$("${priority[@]}" "$bin/llama-bench" -m "$model" -p "$prompt" -n "$gen" -t "$threads" -r "$repeat" -o json 2>/dev/null)
    bandwidth=$("${priority[@]}" "$memory_read" "$streamed" "$threads" 30)
    python3 - "$ours" "$theirs" "$bandwidth" >> "$results" <<'PY'
import json, statistics, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pp = next(t for t in theirs if t["n_prompt"] > 0 and t["n_gen"] == 0)
tg = next(t for t in theirs if t["n_gen"] > 0 and t["n_prompt"] == 0)
print(json.dumps({"ours_pp": ours["prefill_tok_s"], "ours_tg": ours["decode_tok_s"], "rss_mb": ours["peak_rss_mb"],
                  "path": ours["kernel_path"], "adaptive": ours["adaptive_threads"],
                  "llama_pp": statistics.median(pp["samples_ts"]),
                  "llama_tg": statistics.median(tg["samples_ts"]), "read_gbs": float(sys.argv[3])}))
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$results" "$model" "$threads" "$prompt" "$gen" "$rounds" "${NICE:-}" "$streamed" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
model, threads, prompt, gen, rounds = sys.argv[2:7]
streamed = int(sys.argv[8])
med = lambda key: statistics.median(r[key] for r in rows)
mode = "1 or " + threads + " per step (adaptive)" if rows[0]["adaptive"] else threads
print(f"model {model}; nice {sys.argv[7] or 0}; llama.cpp -t {threads}, distillery {mode} threads; {rounds} alternating rounds, medians; "
      f"distillery kernels: {rows[0]['path']}")
print(f"| test  | distillery tok/s | llama.cpp tok/s | ratio | distillery ms/token | llama.cpp ms/token |")
print(f"| ---   | ---:             | ---:            | ---:  | ---:               | ---:               |")
for name, ours, theirs in [(f"pp{prompt}", "ours_pp", "llama_pp"), (f"tg{gen}", "ours_tg", "llama_tg")]:
    o, t = med(ours), med(theirs)
    print(f"| {name:5} | {o:16,.0f} | {t:15,.0f} | {o / t:4.2f}x | {1000 / o:18.4f} | {1000 / t:18.4f} |")
print(f"per round (ours/llama.cpp): " + ", ".join(
    f"pp {r['ours_pp']:,.0f}/{r['llama_pp']:,.0f} tg {r['ours_tg']:,.0f}/{r['llama_tg']:,.0f}" for r in rows))
print(f"distillery peak RSS: {med('rss_mb'):.1f} MiB")
gbs = lambda tok_s: tok_s * streamed / 1e9
print(f"decode streams {streamed / 1e6:.1f} MB of weights per token: distillery {gbs(med('ours_tg')):.1f} GB/s, "
      f"llama.cpp {gbs(med('llama_tg')):.1f} GB/s; the machine reads {med('read_gbs'):.1f} GB/s over as many bytes "
      f"with {threads} threads (per round " + ", ".join(f"{r['read_gbs']:.1f}" for r in rows) + ")")
ceiling = statistics.median(r["read_gbs"] * 1e9 / streamed / r["llama_tg"] for r in rows)
print(f"decode ceiling at that bandwidth: {med('read_gbs') * 1e9 / streamed:,.0f} tok/s, "
      f"{ceiling:.2f}x llama.cpp's tg (median of the rounds' ratios)")
PY
