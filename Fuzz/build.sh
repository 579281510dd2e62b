#!/usr/bin/env bash
# Builds one libFuzzer target with AddressSanitizer: Fuzz/build.sh <Target> -> .build/fuzz/<Target>/fuzzer
set -euo pipefail
cd "$(dirname "$0")/.."
. Fuzz/targets.sh
target=$1
out=.build/fuzz/$target
sources="$(fuzz_sources "$target") Fuzz/FuzzCheck.swift Fuzz/$target.swift Fuzz/build.sh Fuzz/targets.sh"
# up to date: nothing it is built from changed since
if [ -x "$out/fuzzer" ] && [ -z "$(find $sources -newer "$out/fuzzer")" ]; then
    echo "$out/fuzzer"
    exit 0
fi
mkdir -p "$out/src"
rm -f "$out"/src/*.swift
for file in $(fuzz_sources "$target"); do
    # one module per target: the harness reaches `package` and internal API without @testable
    sed -E '/^import (GGUF|HTTP|Engine|Tokenizer|Server|Tensors)$/d' "$file" > "$out/src/$(echo "$file" | tr / _)"
done
swiftc -sanitize=fuzzer,address -O -g -parse-as-library -module-name "$target" -package-name distillery \
    "$out"/src/*.swift Fuzz/FuzzCheck.swift "Fuzz/$target.swift" -o "$out/fuzzer"
echo "$out/fuzzer"
