#!/usr/bin/env python3
"""Serving benchmark: N concurrent streaming clients against `distillery serve` and `llama-server` on the
same GGUF, in one session, so the ratios are fair on a shared machine.

    python3 Benchmarks/serve/serve_bench.py --model Tests/EngineTests/Fixtures/student-s-q8_0.gguf \
        --distillery .build/release/distillery \
        --llama-server "$(bash Benchmarks/llama-cpp/build.sh)/llama-server" --clients 16 --tokens 64 --runs 3

Each client sends one streaming /v1/completions request (temperature 0, ignore_eos) and records the time to
its first text chunk (TTFT) and the gaps between later chunks (inter-token latency). Per run: p50/p99 of
both over every client, aggregate generated tokens per second (usage, or chunks), failed requests. The
report is the median over runs. Also the idle and peak RSS of each server process.
"""
import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def wait_healthy(port, process, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become healthy")


def model_id(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/v1/models")
    return json.loads(conn.getresponse().read())["data"][0]["id"]


def one_client(port, model, prompt, tokens, results, index, barrier):
    record = {"ttft": None, "gaps": [], "tokens": 0, "ok": False, "error": None}
    results[index] = record
    body = json.dumps({"model": model, "prompt": prompt, "max_tokens": tokens, "temperature": 0, "stream": True,
                       "ignore_eos": True, "stream_options": {"include_usage": True}})
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        barrier.wait()
        start = time.perf_counter()
        conn.request("POST", "/v1/completions", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        if response.status != 200:
            record["error"] = f"status {response.status}"
            return
        last = None
        chunks = 0
        usage = None
        done = False
        buffer = b""
        while True:
            data = response.read1(65536) if hasattr(response, "read1") else response.read(1)
            if not data:
                break
            buffer += data
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                now = time.perf_counter()
                payload = event.decode("utf-8", "replace")
                if not payload.startswith("data: "):
                    continue
                payload = payload[6:]
                if payload == "[DONE]":
                    done = True
                    continue
                chunk = json.loads(payload)
                if chunk.get("usage"):
                    usage = chunk["usage"]
                choices = chunk.get("choices") or []
                if not choices or not (choices[0].get("text") or choices[0].get("content")):
                    continue
                chunks += 1
                if last is None:
                    record["ttft"] = now - start
                else:
                    record["gaps"].append(now - last)
                last = now
        record["tokens"] = usage["completion_tokens"] if usage else chunks
        record["ok"] = done and record["tokens"] == tokens
        if not record["ok"]:
            record["error"] = f"done={done} tokens={record['tokens']}"
    except Exception as error:  # noqa: BLE001 - a benchmark reports every failure
        record["error"] = repr(error)


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_load(port, clients, tokens, prompt):
    results = [None] * clients
    model = model_id(port)
    barrier = threading.Barrier(clients)
    threads = [threading.Thread(target=one_client, args=(port, model, prompt, tokens, results, i, barrier)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ttfts = [r["ttft"] for r in results if r["ttft"] is not None]
    gaps = [g for r in results for g in r["gaps"]]
    return {
        "failed": sum(1 for r in results if not r["ok"]),
        "errors": [r["error"] for r in results if r["error"]][:3],
        "ttft_p50_ms": percentile(ttfts, 0.5) * 1000,
        "ttft_p99_ms": percentile(ttfts, 0.99) * 1000,
        "itl_p50_ms": percentile(gaps, 0.5) * 1000,
        "itl_p99_ms": percentile(gaps, 0.99) * 1000,
        "tokens_per_second": sum(r["tokens"] for r in results) / wall,
    }


def reload(port, model, delay):
    time.sleep(delay)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("POST", "/admin/reload", json.dumps({"model": os.path.abspath(model)}),
                 {"Content-Type": "application/json", "Authorization": "Bearer bench-admin"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"reload refused: {response.status} {body[:200]}")


def run_load_with_swap(port, args, model):
    """The same load with a hot swap to `model` triggered shortly after the clients start."""
    swapper = threading.Thread(target=reload, args=(port, model, args.swap_delay))
    swapper.start()
    result = run_load(port, args.clients, args.tokens, args.prompt)
    swapper.join()
    return result


def bench_server(name, command, port, args, swap_models=None):
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    swaps = []
    try:
        wait_healthy(port, process)
        time.sleep(0.5)
        idle = rss_kb(process.pid)
        run_load(port, 2, 8, args.prompt)  # warm-up
        runs = [run_load(port, args.clients, args.tokens, args.prompt) for _ in range(args.runs)]
        if swap_models:
            swaps = [run_load_with_swap(port, args, swap_models[i % len(swap_models)]) for i in range(args.runs)]
        peak = rss_kb(process.pid, "VmHWM")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    summary = {key: statistics.median(run[key] for run in runs) for key in runs[0] if key not in ("errors",)}
    summary["failed"] = sum(run["failed"] for run in runs)
    summary["errors"] = [e for run in runs for e in run["errors"]][:3]
    summary["idle_rss_mb"] = idle / 1024
    summary["peak_rss_mb"] = peak / 1024
    summary["runs"] = runs
    if swaps:
        summary["during_swap"] = {key: statistics.median(run[key] for run in swaps) for key in swaps[0] if key != "errors"}
        summary["during_swap"]["failed"] = sum(run["failed"] for run in swaps)
        summary["during_swap"]["errors"] = [e for run in swaps for e in run["errors"]][:3]
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--distillery")
    parser.add_argument("--llama-server")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt", default="Once upon a time, in a quiet village by the sea,")
    parser.add_argument("--swap-model", help="also measure load while distillery hot-swaps to this file and back")
    parser.add_argument("--swap-delay", type=float, default=0.3, help="seconds into the load before the swap")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = parser.parse_args()

    report = {}
    if args.llama_server:
        port = free_port()
        report["llama-server"] = bench_server("llama-server", [
            args.llama_server, "-m", args.model, "--port", str(port), "-np", str(args.slots),
            "-c", str(args.slots * 1024), "-t", str(args.threads), "--no-webui"], port, args)
    if args.distillery:
        port = free_port()
        report["distillery"] = bench_server("distillery", [
            args.distillery, "serve", "-m", args.model, "--port", str(port), "--slots", str(args.slots),
            "--threads", str(args.threads), "--no-access-log", "--admin-token", "bench-admin"], port, args,
            swap_models=[args.swap_model, args.model] if args.swap_model else None)

    columns = ["ttft_p50_ms", "ttft_p99_ms", "itl_p50_ms", "itl_p99_ms", "tokens_per_second", "failed",
               "idle_rss_mb", "peak_rss_mb"]
    print(f"{args.clients} streaming clients x {args.tokens} tokens, {args.slots} slots, median of {args.runs} runs")
    print("server".ljust(14) + "".join(c.rjust(19) for c in columns))
    for name, summary in report.items():
        print(name.ljust(14) + "".join(f"{summary[c]:19.2f}" for c in columns))
        for error in summary["errors"]:
            print(f"  error: {error}")
    swap = report.get("distillery", {}).get("during_swap")
    if swap:
        print("distillery during a hot swap (load, validate, swap under the same load):")
        print("during swap".ljust(14) + "".join(f"{swap[c]:19.2f}" for c in columns[:6]))
        for error in swap["errors"]:
            print(f"  error: {error}")
    if len(report) == 2:
        d, l = report["distillery"], report["llama-server"]
        print("ratios (distillery / llama-server): "
              f"ttft p99 {d['ttft_p99_ms'] / l['ttft_p99_ms']:.2f}, itl p99 {d['itl_p99_ms'] / l['itl_p99_ms']:.2f}, "
              f"tokens/s {d['tokens_per_second'] / l['tokens_per_second']:.2f}, idle RSS {d['idle_rss_mb'] / l['idle_rss_mb']:.2f}")
    if args.json:
        print(json.dumps(report, indent=2))
    failed = any(s["failed"] or s.get("during_swap", {}).get("failed") for s in report.values())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
