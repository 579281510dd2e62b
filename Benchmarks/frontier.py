#!/usr/bin/env python3
"""The quality/speed frontier (issue 18): held-out bits per byte and line-completion exact match of each model,
against its decode speed, measured in one run on this machine.

    Benchmarks/frontier.py --held-out models/corpus/held-out --out Benchmarks/results/frontier \
        teacher=models/teacher/gemma-3-270m-q4_k_m.gguf student=models/python-student.gguf ...

For every LABEL=FILE:
- quality: `distillery eval -m FILE --data HELD_OUT --ctx CTX --line-completion --lines LINES --json` (CTX, or the
  model's own context when shorter), or the numbers given with `--known LABEL=BPB,EM,EDIT`;
- speed: `distillery bench -t THREADS -p 0 -n 128` and `llama-bench -t THREADS -p 0 -n 128` on the same file, in
  ROUNDS alternating rounds, the median of each (llama.cpp's points share the quality of Distillery's: the same
  weights; Distillery's teacher runs with its weights requantized to Q8_0, `--quantize`).
Writes OUT.json (every measurement), OUT.md (the table) and OUT.svg (two panels: bits per byte and exact match
against decode tokens/s, log scale). Needs a release build (`make build`) and llama.cpp
(`Benchmarks/llama-cpp/build.sh`, which this script runs).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DISTILLERY = os.path.join(ROOT, ".build/release/distillery")


def run_json(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"frontier: {' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


def quality(path, args):
    report = run_json([DISTILLERY, "eval", "-m", path, "--data", args.held_out, "--ctx", str(context(path, args)),
                       "--line-completion", "--lines", str(args.lines), "--json", "--quiet"])
    lines = report["line_completion"]
    return {"bits_per_byte": report["bits_per_byte"], "exact_match": lines["exact_match"],
            "edit_similarity": lines["edit_similarity"], "lines": lines["lines"]}


def inspect(path):
    return run_json([DISTILLERY, "inspect", path, "--json"])


def context(path, args):
    """--ctx, or the model's own context when it is shorter (the 7.6M llama student has 256)."""
    trained = [v for k, v in inspect(path).get("metadata", {}).items() if k.endswith(".context_length")]
    return min([args.ctx] + trained)


def is_q8_0_only(path):
    return all(t.get("type") in ("Q8_0", "F32") for t in inspect(path).get("tensors", []))


def speeds(path, args, llama_bench):
    ours, theirs = [], []
    extra = [] if is_q8_0_only(path) else ["--quantize"]
    for _ in range(args.rounds):
        report = run_json([DISTILLERY, "bench", "-m", path, "-t", str(args.threads), "-p", "0", "-n", "128",
                           "-r", "3", "--json"] + extra)
        ours.append(report["decode_tok_s"])
        rows = run_json([llama_bench, "-m", path, "-t", str(args.threads), "-p", "0", "-n", "128", "-r", "3",
                         "-o", "json"])
        theirs.append(statistics.median(rows[0]["samples_ts"]))
    return {"distillery_tok_s": statistics.median(ours), "llama_cpp_tok_s": statistics.median(theirs),
            "distillery_rounds": ours, "llama_cpp_rounds": theirs}


def table(points):
    out = ["| model | file MB | context | held-out bits per byte | line exact match | edit similarity "
           "| decode tok/s, Distillery | decode tok/s, llama.cpp |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for p in points:
        out.append(f"| {p['label']} | {p['megabytes']:.1f} | {p['ctx']} | {p['bits_per_byte']:.4f} "
                   f"| {100 * p['exact_match']:.1f}% "
                   f"| {p['edit_similarity']:.3f} | {p['distillery_tok_s']:,.0f} | {p['llama_cpp_tok_s']:,.0f} |")
    return "\n".join(out) + "\n"


def svg(points):
    """Two scatter panels, decode tok/s (log) on x; Distillery's points filled, llama.cpp's hollow."""
    import math
    width, height, margin = 460, 340, 60
    xs = [v for p in points for v in (p["distillery_tok_s"], p["llama_cpp_tok_s"]) if v > 0]
    lo, hi = math.log10(min(xs) / 1.3), math.log10(max(xs) * 1.3)

    def x(v):
        # the points end 90 px short of the axis's end, which leaves their labels room inside the panel
        return margin + (math.log10(v) - lo) / (hi - lo) * (width - margin - 110)

    def panel(offset, key, title, fmt, scale):
        values = [scale * p[key] for p in points]
        vlo, vhi = min(values), max(values)
        pad = (vhi - vlo) * 0.15 or 0.1
        vlo, vhi = max(0, vlo - pad), vhi + pad

        def y(v):
            return height - margin + 20 - (v - vlo) / (vhi - vlo) * (height - margin - 30)

        parts = [f'<g transform="translate({offset},0)">',
                 f'<text x="{width / 2}" y="18" text-anchor="middle" font-weight="bold">{title}</text>',
                 f'<line x1="{margin}" y1="{height - margin + 20}" x2="{width - 20}" y2="{height - margin + 20}" stroke="black"/>',
                 f'<line x1="{margin}" y1="30" x2="{margin}" y2="{height - margin + 20}" stroke="black"/>',
                 f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle">decode tokens/s (tg128, 2 threads, log scale)</text>']
        for decade in range(math.floor(lo), math.ceil(hi) + 1):
            for m in (1, 2, 5):
                v = m * 10 ** decade
                if lo <= math.log10(v) <= hi:
                    parts.append(f'<text x="{x(v):.1f}" y="{height - margin + 36}" text-anchor="middle" font-size="10">{v:g}</text>')
        for i in range(5):
            v = vlo + (vhi - vlo) * i / 4
            parts.append(f'<text x="{margin - 6}" y="{y(v) + 3:.1f}" text-anchor="end" font-size="10">{fmt % v}</text>')
        for p in points:
            v = scale * p[key]
            parts.append(f'<circle cx="{x(p["distillery_tok_s"]):.1f}" cy="{y(v):.1f}" r="4" fill="#1f77b4"/>')
            parts.append(f'<circle cx="{x(p["llama_cpp_tok_s"]):.1f}" cy="{y(v):.1f}" r="4" fill="none" stroke="#d62728"/>')
            parts.append(f'<text x="{x(p["distillery_tok_s"]) + 6:.1f}" y="{y(v) - 6:.1f}" font-size="10">{p["label"]}</text>')
        parts.append("</g>")
        return parts

    body = panel(0, "bits_per_byte", "held-out bits per byte (lower is better)", "%.2f", 1)
    body += panel(width, "exact_match", "line-completion exact match, % (higher is better)", "%.1f", 100)
    legend = (f'<text x="{margin}" y="{height + 14}" font-size="11">'
              '<tspan fill="#1f77b4">● Distillery</tspan>   <tspan fill="#d62728">○ llama.cpp, same file</tspan></text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * width}" height="{height + 24}" font-family="sans-serif" '
            f'font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(body) + "\n" + legend + "\n</svg>\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--held-out", required=True)
    parser.add_argument("--out", required=True, help="writes OUT.json, OUT.md, OUT.svg")
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--ctx", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--known", action="append", default=[], metavar="LABEL=BPB,EM,EDIT",
                        help="quality measured elsewhere on the same held-out text and settings (e.g. by distill)")
    parser.add_argument("points", nargs="+", metavar="LABEL=FILE")
    args = parser.parse_args()
    if not os.access(DISTILLERY, os.X_OK):
        sys.exit("frontier: build first (make build)")
    for spec in args.points:
        if not os.path.isfile(spec.partition("=")[2]):
            sys.exit(f"frontier: '{spec}' is not LABEL=FILE with an existing file")
    known = {}
    labels = {spec.partition("=")[0] for spec in args.points}
    for spec in args.known:
        label, _, values = spec.partition("=")
        try:
            bpb, em, edit = (float(v) for v in values.split(","))
        except ValueError:
            sys.exit(f"frontier: --known '{spec}' is not LABEL=BPB,EM,EDIT (three numbers, e.g. student=0.747,0.09,0.484)")
        if label not in labels:
            sys.exit(f"frontier: --known names '{label}', which is not one of the points ({', '.join(sorted(labels))})")
        if not (bpb > 0 and 0 <= em <= 1 and 0 <= edit <= 1):
            sys.exit(f"frontier: --known '{spec}': bits per byte must be positive, exact match and edit similarity in 0...1")
        known[label] = {"bits_per_byte": bpb, "exact_match": em, "edit_similarity": edit, "lines": args.lines,
                        "quality_from": "given"}
    llama_bin = subprocess.run(["bash", os.path.join(ROOT, "Benchmarks/llama-cpp/build.sh")], capture_output=True,
                               text=True, check=True).stdout.strip().splitlines()[-1]
    llama_bench = os.path.join(llama_bin, "llama-bench")
    points = []
    for spec in args.points:
        label, _, path = spec.partition("=")
        started = time.time()
        point = {"label": label, "path": path, "megabytes": os.path.getsize(path) / 1e6, "ctx": context(path, args)}
        point.update(known.get(label) or quality(path, args))
        point.update(speeds(path, args, llama_bench))
        point["seconds"] = time.time() - started
        print(f"frontier: {label}: {point['bits_per_byte']:.4f} bits/byte, {100 * point['exact_match']:.1f}% exact, "
              f"{point['distillery_tok_s']:.0f} / {point['llama_cpp_tok_s']:.0f} tok/s", file=sys.stderr)
        points.append(point)
    settings = {"held_out": args.held_out, "lines": args.lines, "ctx": args.ctx, "threads": args.threads,
                "rounds": args.rounds, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "command": " ".join([os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])}
    with open(args.out + ".json", "w") as f:
        json.dump({"settings": settings, "points": points}, f, indent=1)
    with open(args.out + ".md", "w") as f:
        f.write(table(points))
    with open(args.out + ".svg", "w") as f:
        f.write(svg(points))
    print(table(points))


if __name__ == "__main__":
    main()
