#!/usr/bin/env bash
# Decode and prefill speed of `distillery bench` against llama.cpp's `llama-bench` on the same GGUF, run
# alternately for several rounds so both see the same machine, then the medians and their ratios. Usage:
#   Benchmarks/bench-vs-llama-cpp.sh [MODEL]
# Environment: ROUNDS (default 5), THREADS (default 2), PROMPT (128), GEN (128), REPEAT (5 per round).
# Defaults to the bundled 7.6M-parameter Q8_0 student. Both tools measure the same way: pp is PROMPT tokens
# in one batch from an empty cache, tg is GEN tokens decoded one at a time from an empty cache, after a
# warm-up run; each round reports the median of REPEAT runs (llama-bench's samples_ts, our own median).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
model=${1:-Tests/EngineTests/Fixtures/student-s-q8_0.gguf}
rounds=${ROUNDS:-5}
threads=${THREADS:-2}
prompt=${PROMPT:-128}
gen=${GEN:-128}
repeat=${REPEAT:-5}

bin=$(bash Benchmarks/llama-cpp/build.sh)
swift build -c release --product distillery >&2

results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores;" \
     "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq "$rounds"); do
    echo "round $round/$rounds" >&2
    ours=$(.build/release/distillery bench -m "$model" --threads "$threads" --prompt-tokens "$prompt" \
           --gen-tokens "$gen" --repeat "$repeat" --json)
    theirs=$("$bin/llama-bench" -m "$model" -p "$prompt" -n "$gen" -t "$threads" -r "$repeat" -o json 2>/dev/null)
    python3 - "$ours" "$theirs" >> "$results" <<'PY'
import json, statistics, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pp = next(t for t in theirs if t["n_prompt"] > 0 and t["n_gen"] == 0)
tg = next(t for t in theirs if t["n_gen"] > 0 and t["n_prompt"] == 0)
print(json.dumps({"ours_pp": ours["prefill_tok_s"], "ours_tg": ours["decode_tok_s"], "rss_mb": ours["peak_rss_mb"],
                  "path": ours["kernel_path"], "llama_pp": statistics.median(pp["samples_ts"]),
                  "llama_tg": statistics.median(tg["samples_ts"])}))
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$results" "$model" "$threads" "$prompt" "$gen" "$rounds" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
model, threads, prompt, gen, rounds = sys.argv[2:7]
med = lambda key: statistics.median(r[key] for r in rows)
print(f"model {model}, {threads} threads, {rounds} alternating rounds, medians (kernels: {rows[0]['path']})")
print(f"| test  | distillery tok/s | llama.cpp tok/s | ratio | distillery ms/token | llama.cpp ms/token |")
print(f"| ---   | ---:             | ---:            | ---:  | ---:               | ---:               |")
for name, ours, theirs in [(f"pp{prompt}", "ours_pp", "llama_pp"), (f"tg{gen}", "ours_tg", "llama_tg")]:
    o, t = med(ours), med(theirs)
    print(f"| {name:5} | {o:16,.0f} | {t:15,.0f} | {o / t:4.2f}x | {1000 / o:18.4f} | {1000 / t:18.4f} |")
print(f"per round (ours/llama.cpp): " + ", ".join(
    f"pp {r['ours_pp']:,.0f}/{r['llama_pp']:,.0f} tg {r['ours_tg']:,.0f}/{r['llama_tg']:,.0f}" for r in rows))
print(f"distillery peak RSS: {med('rss_mb'):.1f} MiB")
PY
