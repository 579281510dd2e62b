#!/usr/bin/env bash
# Tokens per second through nginx (deploy/nginx/distillery.conf) in front of 1, 2 and 3 `distillery serve`
# replicas, and straight to one replica, with CLIENTS closed-loop streaming clients (distillery-loadgen run).
# The configurations alternate for ROUNDS rounds; the report is each one's median. On one machine the replicas
# share its cores, so this measures what the balancer costs and that the fleet loses nothing, not scaling.
#
# Environment: MODEL (models/python-student.gguf), CLIENTS (16), TOKENS (64), RUN_SECONDS (20), ROUNDS (3),
# SLOTS (4 per replica), OUT (Benchmarks/results/fleet-<date>.json).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

model=$(realpath "${MODEL:-models/python-student.gguf}")
clients=${CLIENTS:-16}
tokens=${TOKENS:-64}
seconds=${RUN_SECONDS:-20}
rounds=${ROUNDS:-3}
slots=${SLOTS:-4}
out=${OUT:-Benchmarks/results/fleet-$(date -u +%Y-%m-%d).json}
work=$(mktemp -d)
command -v nginx >/dev/null || { echo "fleet: nginx is not installed (make deps installs it)" >&2; exit 1; }

swift build -c release --product distillery >&2
swift build -c release --product distillery-loadgen >&2

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_for() {  # port
    for _ in $(seq 300); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$1/health', timeout=1)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "fleet: nothing answers on port $1" >&2; exit 1
}

# three replicas and one nginx per replica count (nginx sends to the first R of them)
replica_ports=()
for i in 1 2 3; do
    port=$(free_port)
    .build/release/distillery serve -m "$model" --host 127.0.0.1 --port "$port" --slots "$slots" --no-access-log \
        > "$work/replica-$i.log" 2>&1 &
    pids+=($!)
    replica_ports+=("$port")
done
for port in "${replica_ports[@]}"; do wait_for "$port"; done

declare -A front
for r in 1 2 3; do
    port=$(free_port)
    mkdir -p "$work/nginx-$r"
    # the shipped file, its example upstream servers replaced by the first r replicas, listening on `port`
    python3 - "$r" "$port" "${replica_ports[@]}" > "$work/nginx-$r/nginx.conf" <<'PY'
import sys
r, port, replicas = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
done = False
for line in open("deploy/nginx/distillery.conf").read().split("\n"):
    stripped = line.strip()
    if stripped.startswith("server 127.0.0.1:"):
        if not done:
            indent = line[: len(line) - len(line.lstrip())]
            parameters = " ".join(stripped.split()[2:])
            for replica in replicas[:r]:
                print(f"{indent}server 127.0.0.1:{replica} {parameters}")
            done = True
    elif stripped == "listen 8080;":
        print(line.replace("listen 8080;", f"listen 127.0.0.1:{port};"))
    else:
        print(line)
PY
    nginx -p "$work/nginx-$r/" -c "$work/nginx-$r/nginx.conf" -e stderr -g "daemon off; pid $work/nginx-$r/nginx.pid;" \
        2> "$work/nginx-$r/error.log" &
    pids+=($!)
    front[$r]=$port
    wait_for "$port"
done

configurations=("direct" "nginx-1" "nginx-2" "nginx-3")
url_of() {
    case "$1" in
        direct) echo "http://127.0.0.1:${replica_ports[0]}" ;;
        nginx-*) echo "http://127.0.0.1:${front[${1#nginx-}]}" ;;
    esac
}
echo "{\"model\": \"$model\", \"clients\": $clients, \"tokens\": $tokens, \"seconds\": $seconds, \"slots\": $slots, \"runs\": [" > "$out.tmp"
first=1
for round in $(seq "$rounds"); do
    for configuration in "${configurations[@]}"; do
        report=$(.build/release/distillery-loadgen run --url "$(url_of "$configuration")" --prompts Benchmarks/prompts.txt \
            --concurrency "$clients" --duration "$seconds" --max-tokens "$tokens" --warmup "$clients" --json)
        summary=$(python3 -c 'import json, sys; r = json.load(sys.stdin)
print(json.dumps({"tokens_per_second": r["throughput"]["tokens_per_second"], "failed": r["requests"]["failed"]}))' <<< "$report")
        echo "round $round $configuration: $summary" >&2
        [ $first = 1 ] || echo "," >> "$out.tmp"
        first=0
        echo "{\"round\": $round, \"configuration\": \"$configuration\", \"result\": $summary}" >> "$out.tmp"
    done
done
echo "]}" >> "$out.tmp"
mv "$out.tmp" "$out"
python3 - "$out" <<'PY'
import json, statistics, sys
data = json.load(open(sys.argv[1]))
by = {}
for run in data["runs"]:
    by.setdefault(run["configuration"], []).append(run["result"])
direct = statistics.median(r["tokens_per_second"] for r in by["direct"])
print(f"| configuration | tokens/s (median of {len(by['direct'])}) | vs one replica direct | failed requests |")
print("| --- | ---: | ---: | ---: |")
for name, results in by.items():
    tps = statistics.median(r["tokens_per_second"] for r in results)
    print(f"| {name} | {tps:.0f} | {tps / direct:.2f}x | {sum(r['failed'] for r in results)} |")
PY
