#!/usr/bin/env bash
# Builds the llama.cpp reference (llama-bench, llama-server, llama-perplexity, llama-cli) from the source
# vendored in PyPI's llama-cpp-python sdist, into Benchmarks/.cache (git-ignored). Cached: a second run
# that finds the binaries does nothing. Prints the folder holding the binaries.
set -euo pipefail

version=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="$root/Benchmarks/.cache/llama-cpp-$version"
bin="$cache/build/bin"

if [ -x "$bin/llama-bench" ] && [ -x "$bin/llama-server" ] && [ -x "$bin/llama-perplexity" ]; then
    echo "$bin"
    exit 0
fi

need=""
for p in cmake g++ make; do command -v $p >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    echo "installing:$need" >&2
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq cmake g++ make >&2
fi

mkdir -p "$cache"
if [ ! -d "$cache/src/vendor/llama.cpp" ]; then
    echo "downloading the llama-cpp-python $version sdist from PyPI ..." >&2
    # --no-binary for this package only: its build tools come as wheels, nothing else is compiled.
    python3 -m pip download --quiet --no-deps --no-binary llama-cpp-python \
        "llama-cpp-python==$version" -d "$cache/sdist" >&2
    rm -rf "$cache/src" && mkdir -p "$cache/src"
    tar -xzf "$cache"/sdist/llama_cpp_python-*.tar.gz -C "$cache/src" --strip-components=1
fi

echo "building llama.cpp (CPU, release) ..." >&2
cmake -S "$cache/src/vendor/llama.cpp" -B "$cache/build" -DCMAKE_BUILD_TYPE=Release \
    -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON >&2
cmake --build "$cache/build" -j "$(nproc)" --target llama-bench llama-server llama-perplexity llama-cli >&2
echo "$bin"
