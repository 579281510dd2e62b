#!/usr/bin/env bash
# Scores the same held-out text with `distillery eval` and llama.cpp's `llama-perplexity` (same GGUF, same
# context) and prints both perplexities and their ratio. Usage:
#   Benchmarks/eval-vs-llama-perplexity.sh [MODEL] [TEXT] [CTX]
# Defaults: the Gemma-3-270M teacher, 60 KB of CPython's standard library (Lib/json, then Lib/email), -c 512.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
model=${1:-models/teacher/gemma-3-270m-q4_k_m.gguf}
text=${2:-}
ctx=${3:-512}
threads=${THREADS:-2}

[ -f "$model" ] || make teacher >&2
if [ -z "$text" ]; then
    text=Benchmarks/.cache/heldout-python-60k.txt
    mkdir -p Benchmarks/.cache
    # A fixed, reproducible held-out text: the first 60 KB of these stdlib files, in this order.
    python3 - "$text" <<'PY'
import sys, sysconfig, pathlib
lib = pathlib.Path(sysconfig.get_paths()["stdlib"])
files = sorted((lib / "json").glob("*.py")) + sorted((lib / "email").glob("*.py"))
data = "".join(p.read_text(encoding="utf-8") for p in files).encode()[:60_000]
open(sys.argv[1], "wb").write(data[: len(data.decode("utf-8", "ignore").encode())])
PY
fi

bin=$(bash Benchmarks/llama-cpp/build.sh)
swift build -c release --product distillery >&2

echo "model $model, text $text ($(wc -c < "$text") bytes), ctx $ctx, $threads threads" >&2
now() { date +%s.%N; }
t0=$(now)
llama_out=$("$bin/llama-perplexity" -m "$model" -f "$text" -c "$ctx" -t "$threads" 2>&1)
t1=$(now)
llama_ppl=$(echo "$llama_out" | sed -n 's/.*Final estimate: PPL = \([0-9.]*\).*/\1/p')
ours=$(.build/release/distillery eval -m "$model" --data "$text" --ctx "$ctx" --json --quiet)
t2=$(now)
our_ppl=$(echo "$ours" | python3 -c 'import sys, json; print(json.load(sys.stdin)["ppl_llama_protocol"])')
our_bpb=$(echo "$ours" | python3 -c 'import sys, json; print(json.load(sys.stdin)["bits_per_byte"])')
python3 - "$llama_ppl" "$our_ppl" "$our_bpb" "$t0" "$t1" "$t2" <<'PY'
import sys
llama, ours, bpb, t0, t1, t2 = (float(x) for x in sys.argv[1:])
print(f"llama-perplexity PPL      {llama:.4f}   (wall {t1 - t0:.1f} s, load included)")
print(f"distillery eval PPL       {ours:.4f}   (wall {t2 - t1:.1f} s, load included; also scores bits per byte)")
print(f"ratio (ours / llama.cpp)  {ours / llama:.4f}   ({(ours / llama - 1) * 100:+.2f}%)")
print(f"distillery bits per byte  {bpb:.4f}")
PY
