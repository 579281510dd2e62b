#!/usr/bin/env bash
# The short hyper-parameter sweep behind models/python-student.gguf (issue 9): each setting distills a student
# from the same evenly drawn sample of the standard library with the same number of steps, and is scored by its
# int8 held-out bits per byte on the same held-out documents as the final run (same --seed and
# --eval-fraction). Settings that share the teacher's targets (vocabulary and temperature) share one teacher
# pass. Prints a Markdown table; every run's JSON report stays in OUT.
#
#   scripts/sweep-python-student.sh [OUT]     (OUT: models/sweep by default, git-ignored)
# Environment: TOKENS (training sample, 120000), STEPS (optimizer steps of 4096 tokens per setting, 80),
# DISTILLERY (binary, .build/release/distillery), DATA (/usr/lib/python3.11).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-models/sweep}
tokens=${TOKENS:-120000}
steps=${STEPS:-80}
distillery=${DISTILLERY:-.build/release/distillery}
data=${DATA:-/usr/lib/python3.11}
teacher=models/teacher/gemma-3-270m-q4_k_m.gguf
mkdir -p "$out"

# name, then the options that differ from the common ones
settings=(
    "base       --vocab 8192 --temperature 1 --alpha 0.5 --lr 0.001 --preset small"
    "alpha0.9   --vocab 8192 --temperature 1 --alpha 0.9 --lr 0.001 --preset small"
    "temp2      --vocab 8192 --temperature 2 --alpha 0.5 --lr 0.001 --preset small"
    "vocab4096  --vocab 4096 --temperature 1 --alpha 0.5 --lr 0.001 --preset small"
)

for setting in "${settings[@]}"; do
    read -r name options <<< "$setting"
    [ -s "$out/$name.json" ] && { echo "sweep: $name done already" >&2; continue; }
    # one teacher pass per (vocabulary, temperature): later settings reuse the first one's cache
    vocab=$(sed -E 's/.*--vocab ([0-9]+).*/\1/' <<< "$options")
    temperature=$(sed -E 's/.*--temperature ([0-9.]+).*/\1/' <<< "$options")
    cache="$out/teacher-cache-v$vocab-t$temperature"
    mkdir -p "$cache" "$out/$name.work"
    ln -sfn "$(realpath "$cache")" "$out/$name.work/teacher-cache"
    echo "sweep: $name ($options)" >&2
    # shellcheck disable=SC2086
    "$distillery" distill --teacher "$teacher" --data "$data" --include '*.py' --exclude test --exclude tests \
        --exclude idle_test --eval-fraction 0.005 --max-train-tokens "$tokens" --steps "$steps" --seq-len 256 \
        -t 2 --json -o "$out/$name" $options > "$out/$name.json.partial" 2> "$out/$name.log"
    mv "$out/$name.json.partial" "$out/$name.json"
done

python3 - "$out" "${settings[@]}" <<'PY'
import json, sys
out, settings = sys.argv[1], sys.argv[2:]
print("| setting | options | steps | tokens | int8 bits/byte | top-1 agreement | KL to teacher |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for setting in settings:
    name, options = setting.split(None, 1)
    report = json.load(open(f"{out}/{name}.json"))
    s = report["student"]
    m = s["int8"]
    print(f"| {name} | `{' '.join(options.split())}` | {s['steps']} | {s['tokens']:,} | {m['bits_per_byte']:.4f} "
          f"| {m['top1_agreement'] * 100:.1f}% | {m['kl_to_teacher']:.3f} |")
print(f"\nteacher held-out bits per byte: {report['teachers'][0]['bits_per_byte']:.4f}")
PY
