#!/usr/bin/env bash
# `make fuzz`: builds every fuzz target (Fuzz/build.sh) and runs each for FUZZ_SECONDS (default 60), then
# prints one line per target: executions, executions per second, coverage (libFuzzer's `cov`: edges
# reached; `ft`: features) and the corpus size. A crash stops that target, keeps its input as
# .build/fuzz/<Target>/crash-*, and makes the script exit 1 after the others ran.
# FUZZ_ONLY (space-separated names) picks targets; the run's new inputs go to .build/fuzz/<Target>/corpus,
# the committed seeds in Fuzz/corpus/<Target> are only read.
set -euo pipefail
cd "$(dirname "$0")/.."
. Fuzz/targets.sh
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_ONLY:-$FUZZ_TARGETS}
# the Swift runtime's backtracer would itself trip AddressSanitizer; libFuzzer prints the stack
export SWIFT_BACKTRACE=enable=no
failed=0
summary=()
for target in $targets; do
    binary=$(Fuzz/build.sh "$target" 2> >(grep -v "ld.gold: warning: Cannot export local symbol" >&2))
    work=.build/fuzz/$target
    mkdir -p "$work/corpus"
    rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
    dict=(); [ -f "Fuzz/$target.dict" ] && dict=(-dict="Fuzz/$target.dict")
    echo "fuzzing $target for $seconds s" >&2
    status=0
    "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$work/" "${dict[@]}" "$work/corpus" "Fuzz/corpus/$target" > "$work/fuzz.log" 2>&1 || status=$?
    runs=$(awk '/^stat::number_of_executed_units/ { print $2 }' "$work/fuzz.log")
    speed=$(awk '/^stat::average_exec_per_sec/ { print $2 }' "$work/fuzz.log")
    last=$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -1)
    cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<< "$last")
    ft=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<< "$last")
    corp=$(sed -nE 's/.*corp: ([0-9]+)\/.*/\1/p' <<< "$last")
    if [ "$status" -ne 0 ]; then
        failed=1
        crash=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1 || true)
        summary+=("$(printf '%-22s FAILED (exit %s) after %s runs: %s; log %s' "$target" "$status" "${runs:-?}" "${crash:-no artifact}" "$work/fuzz.log")")
        grep -E "Fatal error|ERROR: AddressSanitizer|ERROR: libFuzzer|SUMMARY" "$work/fuzz.log" | head -5 >&2 || true
    else
        summary+=("$(printf '%-22s %10s runs %8s/s  cov %5s  ft %6s  corpus %5s' "$target" "$runs" "$speed" "$cov" "$ft" "$corp")")
    fi
done
printf '%s\n' "${summary[@]}"
exit "$failed"
