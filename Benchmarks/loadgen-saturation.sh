#!/usr/bin/env bash
# Shows that distillery-loadgen is not the bottleneck: it drives llama-server (16 slots, 2 threads) at rising
# concurrency, then splits the highest concurrency over two load generator processes running at once. If one
# client process were the limit, two would get more tokens/s; if the server is saturated, they get the same,
# the server's CPU stays at the cores it has, and the load generator's own CPU stays a small fraction of it.
#   Benchmarks/loadgen-saturation.sh [MODEL]        environment: DURATION (10 s), CONCURRENCIES ("1 4 16 64")
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
model=${1:-Tests/EngineTests/Fixtures/student-s-q8_0.gguf}
duration=${DURATION:-10}
concurrencies=${CONCURRENCIES:-"1 4 16 64"}
work=Benchmarks/.cache/saturation
rm -rf "$work" && mkdir -p "$work"

bin=$(bash Benchmarks/llama-cpp/build.sh)
swift build -c release --product distillery-loadgen >&2
loadgen=.build/release/distillery-loadgen
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/llama-server" -m "$model" -t 2 -np 16 -c 16384 --host 127.0.0.1 --port "$port" --no-webui > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
run() {   # name concurrency
    "$loadgen" run --url "http://127.0.0.1:$port" --prompts Benchmarks/prompts.txt --concurrency "$2" --duration "$duration" \
        --server-pid "$server" --json > "$work/$1.json"
}
run warmup 16
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
highest=${concurrencies##* }
for c in $concurrencies; do run "one-c$c" "$c"; done
run "split-a" $((highest / 2)) &
first=$!
run "split-b" $((highest / 2))
wait $first
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$work" "$highest" $concurrencies <<'PY'
import json, sys
work, highest, concurrencies = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
load = lambda name: json.load(open(f"{work}/{name}.json"))
print("| load | tokens/s | TTFT p50 ms | ITL p50 ms | server CPU cores | loadgen CPU cores | whole machine cores |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for c in concurrencies:
    r = load(f"one-c{c}"); x = r["resources"]
    print(f"| one process, {c} clients | {r['throughput']['tokens_per_second']:,.0f} | {r['ttft_ms']['p50']:.1f} "
          f"| {r['itl_ms']['p50']:.2f} | {x['server_cpu_cores']:.2f} | {x['loadgen_cpu_cores']:.3f} | {x['machine_busy_cores']:.2f} |")
a, b = load("split-a"), load("split-b")
tokens = a["throughput"]["tokens_per_second"] + b["throughput"]["tokens_per_second"]
cpu = a["resources"]["loadgen_cpu_cores"] + b["resources"]["loadgen_cpu_cores"]
print(f"| two processes, {highest // 2} clients each | {tokens:,.0f} | {a['ttft_ms']['p50']:.1f} | {a['itl_ms']['p50']:.2f} "
      f"| {a['resources']['server_cpu_cores']:.2f} | {cpu:.3f} (both) | {a['resources']['machine_busy_cores']:.2f} |")
one = load(f"one-c{highest}")["throughput"]["tokens_per_second"]
print(f"\ntwo load generator processes / one at {highest} clients: {tokens / one:.2f}x the tokens/s")
PY
