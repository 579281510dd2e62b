#!/usr/bin/env python3
"""Turns the raw files of one `Benchmarks/run-all.sh` run into the published results (standard library only).

    summarize.py machine OUT.json LLAMA_BIN          CPU model, cores, memory, load, versions
    summarize.py results WORK_DIR RESULTS_DIR DATE MODEL SETTINGS
                                                      RESULTS_DIR/DATE.json and DATE.md: medians over
                                                      repetitions, ratios, where Distillery is ahead or behind
    summarize.py readme SUMMARY.md README.md DATE    the "Serving latency under load" section of the README

Every number is the median over repetitions of one run's statistic (for example the median of three p99s).
"""
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys

OURS, THEIRS = "distillery", "llama-server"
README_BEGIN = "<!-- serving-latency:begin (written by Benchmarks/summarize.py) -->"
README_END = "<!-- serving-latency:end -->"


def machine(out_path, llama_bin):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        memory_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    with open("/proc/loadavg") as f:
        load = [float(x) for x in f.read().split()[:3]]

    def version(command):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=30)
            return (out.stdout + out.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            return "unknown"

    info = {"cpu_model": cpu, "cores": os.cpu_count(), "memory_gib": round(memory_kb / 2**20, 1),
            "load_average_1_5_15": load, "kernel": platform.release(), "swift": version(["swift", "--version"]),
            "llama_cpp": version([os.path.join(llama_bin, "llama-server"), "--version"]).replace("version: ", "")}
    with open(out_path, "w") as f:
        json.dump(info, f, indent=1)


def load_json(path):
    with open(path) as f:
        return json.load(f)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize_reports(reports):
    """One setting's repetitions: the median of each statistic, failures summed."""
    def stat(section, key):
        return median([r[section][key] for r in reports])

    resources = [r.get("resources") or {} for r in reports]
    out = {"repetitions": len(reports),
           "requests": sum(r["requests"]["total"] for r in reports),
           "failed": sum(r["requests"]["failed"] for r in reports),
           "failures": {},
           "tokens_per_second": median([r["throughput"]["tokens_per_second"] for r in reports]),
           "requests_per_second": median([r["throughput"]["requests_per_second"] for r in reports]),
           "loadgen_cpu_cores": median([x.get("loadgen_cpu_cores") for x in resources]),
           "server_cpu_cores": median([x.get("server_cpu_cores") for x in resources]),
           "machine_busy_cores": median([x.get("machine_busy_cores") for x in resources]),
           "server_peak_rss_mb": max([x.get("server_peak_rss_mb") or 0 for x in resources]) or None}
    for r in reports:
        for kind, count in r["requests"]["failures"].items():
            out["failures"][kind] = out["failures"].get(kind, 0) + count
    for metric in ("ttft_ms", "itl_ms", "e2e_ms", "tpot_ms"):
        out[metric] = {key: stat(metric, key) for key in ("p50", "p90", "p99", "max", "mean")}
    out["failure_examples"] = [e for r in reports for e in r["requests"]["failure_examples"]][:5]
    return out


def grouped(work, pattern, regex):
    groups = {}
    for path in sorted(glob.glob(os.path.join(work, pattern))):
        match = re.match(regex, os.path.basename(path))
        if match:
            groups.setdefault(match.groups()[:-1], []).append(load_json(path)["report"])
    return groups


def engine_results(work, prefix="engine"):
    """Medians of the alternating rounds `PREFIX-distillery-rN.json` / `PREFIX-llama-rN.json`."""
    rows = []
    for ours_path in sorted(glob.glob(os.path.join(work, prefix + "-distillery-r*.json"))):
        theirs_path = ours_path.replace(prefix + "-distillery", prefix + "-llama")
        if not os.path.exists(theirs_path):
            continue
        ours, theirs = load_json(ours_path), load_json(theirs_path)
        pp = next(t for t in theirs if t["n_prompt"] > 0 and t["n_gen"] == 0)
        tg = next(t for t in theirs if t["n_gen"] > 0 and t["n_prompt"] == 0)
        rows.append({"distillery_prefill": ours["prefill_tok_s"], "distillery_decode": ours["decode_tok_s"],
                     "llama_prefill": statistics.median(pp["samples_ts"]), "llama_decode": statistics.median(tg["samples_ts"]),
                     "kernel_path": ours.get("kernel_path")})
    if not rows:
        return None
    med = {key: median([r[key] for r in rows]) for key in rows[0] if key != "kernel_path"}
    return {"rounds": len(rows), "kernel_path": rows[0]["kernel_path"], "prompt_tokens": 128, "gen_tokens": 128,
            "prefill_tokens_per_second": {OURS: med["distillery_prefill"], "llama.cpp": med["llama_prefill"],
                                          "ratio": med["distillery_prefill"] / med["llama_prefill"]},
            "decode_tokens_per_second": {OURS: med["distillery_decode"], "llama.cpp": med["llama_decode"],
                                         "ratio": med["distillery_decode"] / med["llama_decode"]},
            "per_round": rows}


def log_seconds(line):
    """llama.cpp's log prefix M.SS.mmm.uuu as seconds."""
    minutes, seconds, millis, micros = line.split()[0].split(".")
    return int(minutes) * 60 + int(seconds) + int(millis) / 1e3 + int(micros) / 1e6


def llama_perplexity_speed(path):
    """Forward tokens per second of llama-perplexity: chunks x n_ctx over the time from its first to its last
    chunk (the log's timestamps), so model loading is left out as `distillery eval` leaves it out."""
    start = end = tokens = None
    for line in open(path, errors="replace"):
        match = re.search(r"calculating perplexity over (\d+) chunks, n_ctx=(\d+)", line)
        if match:
            start, tokens = log_seconds(line), int(match.group(1)) * int(match.group(2))
        elif "Final estimate" in line:
            end = log_seconds(line)
    return tokens / (end - start) if start is not None and end and end > start else None


def teacher_results(work):
    rows = []
    for ours_path in sorted(glob.glob(os.path.join(work, "teacher-distillery-r*.json"))):
        theirs_path = ours_path.replace("teacher-distillery", "teacher-llama").replace(".json", ".log")
        if not os.path.exists(theirs_path):
            continue
        ours, theirs = load_json(ours_path), llama_perplexity_speed(theirs_path)
        if theirs:
            # positions run through the model per second on both sides (eval's overlapping windows included)
            rows.append({"distillery": ours.get("forward_tokens_per_second", ours["tokens_per_second"]), "llama.cpp": theirs})
    if not rows:
        return None
    ours, theirs = median([r["distillery"] for r in rows]), median([r["llama.cpp"] for r in rows])
    return {"rounds": len(rows), "what": "teacher forward, full vocabulary, ctx 512: distillery eval vs llama-perplexity",
            "tokens_per_second": {OURS: ours, "llama.cpp": theirs, "ratio": ours / theirs}, "per_round": rows}


def cdf_at(work, concurrency):
    levels, servers = None, []
    for server in (OURS, THEIRS):
        reports = [load_json(p)["report"] for p in sorted(glob.glob(os.path.join(work, f"closed-{server}-c{concurrency}-r*.json")))]
        if not reports:
            continue
        levels = reports[0]["quantiles"]["levels"]
        series = {"server": server}
        for metric in ("ttft_ms", "itl_ms"):
            columns = [r["quantiles"][metric] for r in reports if len(r["quantiles"][metric]) == len(levels)]
            series[metric] = [statistics.median(column) for column in zip(*columns)] if columns else []
        servers.append(series)
    return {"concurrency": concurrency, "levels": levels, "servers": servers} if servers else None


def comparisons(results):
    """(what, ours, theirs, ratio ours/theirs, lower_is_better) for every measure both servers have."""
    rows = []
    engine = results.get("engine")
    if engine:
        for key, name in (("prefill_tokens_per_second", "engine prefill 128 tokens, tok/s"),
                          ("decode_tokens_per_second", "engine decode 128 tokens, tok/s")):
            rows.append((name, engine[key][OURS], engine[key]["llama.cpp"], False))
    for arch in ("gemma3", "llama"):
        student = results.get("engine_" + arch)
        if student:
            for key, name in (("prefill_tokens_per_second", f"engine prefill 128 tokens, random {arch} student, tok/s"),
                              ("decode_tokens_per_second", f"engine decode 128 tokens, random {arch} student, tok/s")):
                rows.append((name, student[key][OURS], student[key]["llama.cpp"], False))
    teacher = results.get("teacher")
    if teacher:
        rows.append(("teacher forward, full vocabulary, tok/s", teacher["tokens_per_second"][OURS],
                     teacher["tokens_per_second"]["llama.cpp"], False))
    by_key = {(p["server"], p["concurrency"]): p for p in results["serving"]["concurrency_sweep"]}
    for c in sorted({p["concurrency"] for p in results["serving"]["concurrency_sweep"]}):
        ours, theirs = by_key.get((OURS, c)), by_key.get((THEIRS, c))
        if not (ours and theirs):
            continue
        rows += [(f"c={c} TTFT p50, ms", ours["ttft_ms"]["p50"], theirs["ttft_ms"]["p50"], True),
                 (f"c={c} TTFT p99, ms", ours["ttft_ms"]["p99"], theirs["ttft_ms"]["p99"], True),
                 (f"c={c} inter-token p50, ms", ours["itl_ms"]["p50"], theirs["itl_ms"]["p50"], True),
                 (f"c={c} inter-token p99, ms", ours["itl_ms"]["p99"], theirs["itl_ms"]["p99"], True),
                 (f"c={c} tokens/s", ours["tokens_per_second"], theirs["tokens_per_second"], False)]
    open_key = {(p["server"], p["rate"]): p for p in results["serving"]["open_loop"]}
    for rate in sorted({p["rate"] for p in results["serving"]["open_loop"]}):
        ours, theirs = open_key.get((OURS, rate)), open_key.get((THEIRS, rate))
        if ours and theirs:
            rows += [(f"open loop {rate:g}/s TTFT p99, ms", ours["ttft_ms"]["p99"], theirs["ttft_ms"]["p99"], True),
                     (f"open loop {rate:g}/s inter-token p99, ms", ours["itl_ms"]["p99"], theirs["itl_ms"]["p99"], True)]
    rss = {s: max([p["server_peak_rss_mb"] or 0 for p in results["serving"]["concurrency_sweep"] if p["server"] == s] or [0])
           for s in (OURS, THEIRS)}
    if rss[OURS] and rss[THEIRS]:
        rows.append(("server peak RSS, MB", rss[OURS], rss[THEIRS], True))
    idle = results["serving"].get("idle_rss_mb") or {}
    if idle.get(OURS) and idle.get(THEIRS):
        rows.append(("server idle RSS (loaded, before any request), MB", idle[OURS], idle[THEIRS], True))
    out = []
    for name, ours, theirs, lower_is_better in rows:
        if ours is None or theirs is None or theirs == 0:
            continue
        ratio = ours / theirs
        ahead = ratio < 1 if lower_is_better else ratio > 1
        out.append({"measure": name, OURS: ours, "llama.cpp": theirs, "ratio": ratio,
                    "lower_is_better": lower_is_better, "distillery_ahead": ahead})
    return out


def idle_rss(work):
    """Each server's resident memory once healthy, before its first request (run-all.sh's idle-rss-*.txt, kB)."""
    out = {}
    for path in glob.glob(os.path.join(work, "idle-rss-*.txt")):
        server = os.path.basename(path)[len("idle-rss-"):-len(".txt")]
        out[server] = int(open(path).read().split()[0]) / 1024
    return out


def results(work, results_dir, date, model, settings):
    closed = grouped(work, "closed-*.json", r"closed-(.+)-c(\d+)-r(\d+)\.json")
    opened = grouped(work, "open-*.json", r"open-(.+)-rate([\d.]+)-r(\d+)\.json")
    swaps = grouped(work, "swap-*.json", r"swap-(steady|reload)-r(\d+)\.json")
    sweep = [dict(server=server, concurrency=int(c), **summarize_reports(reports))
             for (server, c), reports in sorted(closed.items(), key=lambda kv: (kv[0][0], int(kv[0][1])))]
    open_loop = [dict(server=server, rate=float(rate), **summarize_reports(reports))
                 for (server, rate), reports in sorted(opened.items(), key=lambda kv: (kv[0][0], float(kv[0][1])))]
    concurrencies = sorted({p["concurrency"] for p in sweep})
    cdf_concurrency = 16 if 16 in concurrencies else (concurrencies[len(concurrencies) // 2] if concurrencies else None)
    hot_swap = None
    if swaps:
        statuses = []
        for path in glob.glob(os.path.join(work, "swap-reload-r*.status")):
            statuses += [line.strip() for line in open(path) if line.strip()]
        hot_swap = {mode: summarize_reports(reports) for (mode,), reports in swaps.items()}
        hot_swap["reloads"] = {"requested": len(statuses), "succeeded": statuses.count("200"),
                               "statuses": sorted(set(statuses))}
    skipped_path = os.path.join(work, "skipped.txt")
    phases = [line.split() for line in open(os.path.join(work, "phases.txt"))]
    phase_load = {}
    for (name, t0, busy0, own0, load0), (_, t1, busy1, own1, _) in zip(phases, phases[1:]):
        wall = max(float(t1) - float(t0), 1e-3)
        machine_cores = (float(busy1) - float(busy0)) / wall
        own_cores = (float(own1) - float(own0)) / wall
        phase_load[name] = {"seconds": round(wall, 1), "machine_busy_cores": round(machine_cores, 3),
                            "own_commands_cores": round(own_cores, 3),
                            "other_cores": round(machine_cores - own_cores, 3), "load_average_at_start": float(load0)}
    out = {"date": date, "model": os.path.relpath(model), "settings": settings,
           "machine": {"start": load_json(os.path.join(work, "machine-start.json")),
                       "end": load_json(os.path.join(work, "machine-end.json"))},
           "skipped": open(skipped_path).read().splitlines() if os.path.exists(skipped_path) else [],
           "phases": phase_load,
           "engine": engine_results(work),
           "engine_gemma3": engine_results(work, "engine-random-gemma3"),
           "engine_llama": engine_results(work, "engine-random-llama"),
           "teacher": teacher_results(work),
           "serving": {"concurrency_sweep": sweep, "open_loop": open_loop, "idle_rss_mb": idle_rss(work),
                       "cdf": cdf_at(work, cdf_concurrency) if cdf_concurrency else None},
           "hot_swap": hot_swap}
    out["comparisons"] = comparisons(out)
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, f"{date}.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    with open(os.path.join(results_dir, f"{date}.md"), "w") as f:
        f.write(markdown(out))


def fmt(value, digits=None):
    if value is None:
        return "–"
    if digits is not None:
        return f"{value:.{digits}f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def other_load(rows):
    others = [p["machine_busy_cores"] - (p["server_cpu_cores"] or 0) - (p["loadgen_cpu_cores"] or 0)
              for p in rows if p.get("machine_busy_cores") is not None]
    return (statistics.median(others), max(others)) if others else (None, None)


def markdown(r):
    start, end = r["machine"]["start"], r["machine"]["end"]
    sweep, open_loop = r["serving"]["concurrency_sweep"], r["serving"]["open_loop"]
    other_median, other_max = other_load(sweep + open_loop)
    lines = [f"# Benchmarks, {r['date']}", "",
             f"Model `{r['model']}`; {r['settings']}. Every number is the median over repetitions.", "",
             "## Machine", "",
             f"- CPU: {start['cpu_model']}, {start['cores']} cores; memory {start['memory_gib']} GiB; Linux {start['kernel']}",
             f"- {start['swift']}; llama.cpp {start['llama_cpp']}",
             f"- Load average (1/5/15 min) before: {start['load_average_1_5_15']}, after: {end['load_average_1_5_15']}"]
    if other_median is not None:
        quiet = "a quiet machine" if other_max < 0.2 else "**not a quiet machine**: other jobs shared the cores"
        lines.append(f"- CPU used by other processes during the serving runs: median {fmt(other_median)} cores, "
                     f"max {fmt(other_max)} (whole machine minus server and load generator): {quiet}")
    for name in ("engine", "teacher"):
        p = r["phases"].get(name)
        if p and (r["engine"] if name == "engine" else r["teacher"]):
            lines.append(f"- CPU used by other processes during the {name} phase ({p['seconds']} s): "
                         f"{fmt(max(p['other_cores'], 0))} cores (whole machine {fmt(p['machine_busy_cores'])}, "
                         f"the benchmark commands {fmt(p['own_commands_cores'])})")
    lines.append("")
    comparisons_ = r["comparisons"]
    if comparisons_:
        ahead = [c for c in comparisons_ if c["distillery_ahead"]]
        behind = [c for c in comparisons_ if not c["distillery_ahead"]]
        describe = lambda c: (f"{c['measure']}: {fmt(c[OURS])} vs {fmt(c['llama.cpp'])} "
                              f"({c['ratio']:.2f}x, {'lower' if c['lower_is_better'] else 'higher'} is better)")
        lines += ["## Where Distillery is ahead and where it is behind", "",
                  f"**Ahead of llama.cpp** ({len(ahead)} of {len(comparisons_)} measures):", ""]
        lines += [f"- {describe(c)}" for c in ahead] or ["- nowhere"]
        lines += ["", f"**Behind llama.cpp** ({len(behind)} of {len(comparisons_)}):", ""]
        lines += [f"- {describe(c)}" for c in behind] or ["- nowhere"]
        lines.append("")
    else:
        lines += ["## Where Distillery is ahead and where it is behind", "",
                  "Not compared: Distillery's side was skipped (see below).", ""]
    for key, title in (("engine", "the served model"), ("engine_gemma3", "a random gemma3 student "
                       "(d 640, 6 layers, 4 heads, 1 KV head, head size 256, FFN 2048, vocab 16,384, Q8_0)"),
                       ("engine_llama", "a random llama student (d 512, 8 layers, 8 heads, 2 KV heads, FFN 1536, "
                        "vocab 8,192, Q8_0, 35 MB)")):
        e = r.get(key)
        if not e:
            continue
        lines += [f"## Engine on {title} (`distillery bench` vs `llama-bench`, 128 tokens, alternating rounds)", "",
                  "| test | distillery tok/s | llama.cpp tok/s | ratio |", "| --- | ---: | ---: | ---: |"]
        for key, name in (("prefill_tokens_per_second", "prefill pp128"), ("decode_tokens_per_second", "decode tg128")):
            lines.append(f"| {name} | {fmt(e[key][OURS])} | {fmt(e[key]['llama.cpp'])} | {e[key]['ratio']:.2f}x |")
        lines.append("")
    if r["teacher"]:
        t = r["teacher"]["tokens_per_second"]
        lines += ["## Teacher forward for distillation (Gemma-3-270M, full vocabulary, context 512)", "",
                  "`distillery eval` vs `llama-perplexity` on the same 8 KB of held-out text (Python standard library source), "
                  "model loading excluded. Tokens per second count every position run through the model with logits over "
                  "the whole 262k vocabulary (eval's overlapping windows each time, llama-perplexity's chunks x n_ctx). "
                  "Distillation itself needs logits only for the student's vocabulary, which llama.cpp cannot restrict "
                  "to; `distillery distill` reports that rate in its teacher-pass progress.", "",
                  "| | distillery tok/s | llama.cpp tok/s | ratio |", "| --- | ---: | ---: | ---: |",
                  f"| teacher forward | {fmt(t[OURS])} | {fmt(t['llama.cpp'])} | {t['ratio']:.2f}x |", ""]
    lines += ["## Serving, closed loop (each client sends its next request when the last ends)", "",
              "| server | clients | TTFT p50 | TTFT p99 | ITL p50 | ITL p99 | E2E p50 | tokens/s | requests/s | failed "
              "| server CPU | loadgen CPU |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for p in sorted(sweep, key=lambda p: (p["concurrency"], p["server"])):
        lines.append(f"| {p['server']} | {p['concurrency']} | {fmt(p['ttft_ms']['p50'])} | {fmt(p['ttft_ms']['p99'])} "
                     f"| {fmt(p['itl_ms']['p50'])} | {fmt(p['itl_ms']['p99'])} | {fmt(p['e2e_ms']['p50'])} "
                     f"| {fmt(p['tokens_per_second'])} | {fmt(p['requests_per_second'])} | {p['failed']}/{p['requests']} "
                     f"| {fmt(p['server_cpu_cores'])} | {fmt(p['loadgen_cpu_cores'], 3)} |")
    lines += ["", "Latencies in milliseconds; CPU in cores busy over the run.", ""]
    if open_loop:
        lines += ["## Serving, open loop (Poisson arrivals, latency from the scheduled arrival)", "",
                  "| server | requests/s offered | TTFT p50 | TTFT p99 | ITL p50 | ITL p99 | E2E p99 | tokens/s | failed |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for p in sorted(open_loop, key=lambda p: (p["rate"], p["server"])):
            lines.append(f"| {p['server']} | {p['rate']:g} | {fmt(p['ttft_ms']['p50'])} | {fmt(p['ttft_ms']['p99'])} "
                         f"| {fmt(p['itl_ms']['p50'])} | {fmt(p['itl_ms']['p99'])} | {fmt(p['e2e_ms']['p99'])} "
                         f"| {fmt(p['tokens_per_second'])} | {p['failed']}/{p['requests']} |")
        lines.append("")
    if r["hot_swap"]:
        h = r["hot_swap"]
        lines += ["## Hot swap (Distillery, 16 clients; `POST /admin/reload` of the same file every 2 s)", "",
                  f"Reloads: {h['reloads']['succeeded']} of {h['reloads']['requested']} answered 200 "
                  f"(statuses seen: {', '.join(h['reloads']['statuses']) or 'none'}).", "",
                  "| state | TTFT p50 | TTFT p99 | ITL p50 | ITL p99 | ITL max | tokens/s | failed |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for mode in ("steady", "reload"):
            if mode in h:
                p = h[mode]
                lines.append(f"| {'steady state' if mode == 'steady' else 'reloading'} | {fmt(p['ttft_ms']['p50'])} "
                             f"| {fmt(p['ttft_ms']['p99'])} | {fmt(p['itl_ms']['p50'])} | {fmt(p['itl_ms']['p99'])} "
                             f"| {fmt(p['itl_ms']['max'])} | {fmt(p['tokens_per_second'])} | {p['failed']}/{p['requests']} |")
        lines.append("")
    loadgen_max = max([p["loadgen_cpu_cores"] or 0 for p in sweep + open_loop] or [0])
    lines += ["## Is the load generator the bottleneck?", "",
              f"No: across every serving run it used at most {fmt(loadgen_max, 3)} cores (one poll loop on one thread), "
              "while the servers used the cores in the table above; see Benchmarks/README.md for the saturation check.", ""]
    chart_names = ["ttft-vs-concurrency.svg", "itl-vs-concurrency.svg", "throughput-vs-concurrency.svg"]
    if r["serving"]["cdf"]:
        c = r["serving"]["cdf"]["concurrency"]
        chart_names += [f"ttft-cdf-c{c}.svg", f"itl-cdf-c{c}.svg"]
    lines += ["## Charts", ""] + [f"![{name}]({r['date']}/{name})" for name in chart_names] + [""]
    if r["skipped"]:
        lines += ["## Skipped", ""] + [f"- {s}" for s in r["skipped"]] + [""]
    failures = [e for p in sweep + open_loop for e in p["failure_examples"]]
    if failures:
        lines += ["## Failure examples", ""] + [f"- `{e[:200]}`" for e in failures[:8]] + [""]
    return "\n".join(lines)


def readme(summary_path, readme_path, date):
    """Replaces the block between the markers in the README's "Serving latency under load" section (or
    appends the section) with the latest run's headline tables and charts."""
    summary = open(summary_path).read()
    keep = []
    for title in ("## Machine", "## Where Distillery is ahead and where it is behind",
                  "## Serving, closed loop (each client sends its next request when the last ends)"):
        match = re.search(re.escape(title) + r"\n(.*?)(?=\n## |\Z)", summary, re.S)
        if match:
            keep.append("####" + title[2:] + "\n\n" + match.group(1).strip() + "\n")
    block = "\n".join([README_BEGIN, f"### Latest run: {date}", "",
                        f"Full summary: [results/{date}.md](results/{date}.md); medians and CDFs: "
                        f"[results/{date}.json](results/{date}.json).", "",
                        f"![TTFT vs concurrency](results/{date}/ttft-vs-concurrency.svg)",
                        f"![Inter-token latency vs concurrency](results/{date}/itl-vs-concurrency.svg)",
                        f"![Inter-token latency CDF at 16 clients](results/{date}/itl-cdf-c16.svg)", ""]
                       + keep + [README_END])
    text = open(readme_path).read() if os.path.exists(readme_path) else "# Benchmarks\n"
    if README_BEGIN in text and README_END in text:
        head, rest = text.split(README_BEGIN, 1)
        text = head + block + rest.split(README_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Serving latency under load\n\n" + block + "\n"
    with open(readme_path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"machine": machine, "results": results, "readme": readme}[command](*args)
