#!/usr/bin/env python3
"""Where `distillery generate --reference` matches llama.cpp (issue 19): new goldens from llama-server on prompts
of several lengths, and our llama.cpp arithmetic against them.

    Benchmarks/llama-cpp/parity.py -m MODEL --text FILE [--lengths 1,2,8,32,128,600] [--greedy 16] --out OUT.json

The prompts are the first L tokens (BOS first) of FILE under the model's own tokenizer (`distillery tokenize`).
For each: llama-server's top-10 log-probabilities of the next token and its greedy continuation (temperature 0,
`n_probs` 10, no prompt cache), then `distillery generate --reference --json --top-logprobs 10` on the same ids.
Reports per length: the largest difference over the ids both top-10 lists hold (and how many of llama.cpp's are
missing from ours), how many greedy ids agree before the first
difference, and whether that difference is a near-tie (llama.cpp's top two within NEAR_TIE nats there).
OUT.json keeps the goldens (ids, top-10, greedy) and the comparison, so a test can replay them.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DISTILLERY = os.path.join(ROOT, ".build/release/distillery")
NEAR_TIE = 0.1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.load(response)


def top_of(entry):
    """{id: logprob} of one generated position, in either of llama-server's response shapes."""
    alternatives = entry.get("top_logprobs") or entry.get("probs") or []
    out = {}
    for a in alternatives:
        if "logprob" in a:
            out[a["id"]] = a["logprob"]
        else:
            import math
            out[a["id"]] = math.log(max(a["prob"], 1e-30))
    return out


def llama_cpp(args, prompts):
    bin_dir = subprocess.run(["bash", os.path.join(ROOT, "Benchmarks/llama-cpp/build.sh")], capture_output=True,
                             text=True, check=True).stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen([os.path.join(bin_dir, "llama-server"), "-m", args.model, "--port", str(port), "-c",
                               str(max(len(p) for p in prompts) + args.greedy + 8), "-t", str(args.threads), "-np", "1",
                               "--no-warmup"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except Exception:
                time.sleep(0.5)
        goldens = []
        for ids in prompts:
            reply = post(port, "/completion", {"prompt": ids, "n_predict": args.greedy, "temperature": 0,
                                               "n_probs": 10, "cache_prompt": False, "return_tokens": True})
            steps = reply["completion_probabilities"]
            greedy = [s["id"] for s in steps]
            goldens.append({"prompt_ids": ids, "top10": [top_of(s) for s in steps], "greedy": greedy})
        return goldens
    finally:
        server.terminate()
        server.wait()


def ours(args, ids):
    result = subprocess.run([DISTILLERY, "generate", "-m", args.model, "--prompt-ids", ",".join(map(str, ids)),
                             "-n", str(args.greedy), "--temperature", "0", "--top-logprobs", "10", "--reference",
                             "--json"], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"parity: distillery generate failed: {result.stderr[-1000:]}")
    report = json.loads(result.stdout)
    steps = report["steps"]
    return [t["id"] for t in steps], [{a["id"]: a["logprob"] for a in t["top_logprobs"]} for t in steps]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-m", "--model", required=True)
    parser.add_argument("--text", required=True)
    parser.add_argument("--lengths", default="1,2,8,32,128,600")
    parser.add_argument("--greedy", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    tokenized = json.loads(subprocess.run([DISTILLERY, "tokenize", "-m", args.model, "--file", args.text, "--json"],
                                          capture_output=True, text=True, check=True).stdout)["ids"]
    lengths = [int(n) for n in args.lengths.split(",")]
    if max(lengths) > len(tokenized):
        sys.exit(f"parity: {args.text} is {len(tokenized)} tokens, shorter than {max(lengths)}")
    prompts = [tokenized[:n] for n in lengths]
    goldens = llama_cpp(args, prompts)
    rows = []
    for length, golden in zip(lengths, goldens):
        started = time.time()
        ids, tops = ours(args, golden["prompt_ids"])
        def difference(step):
            theirs, mine = golden["top10"][step], tops[step]
            shared = [i for i in theirs if i in mine]
            return max(abs(mine[i] - theirs[i]) for i in shared), len(theirs) - len(shared)

        worst, missing = difference(0)
        # later steps only while the greedy ids agree (after a difference the contexts differ)
        agree_first = next((k for k, (a, b) in enumerate(zip(ids, golden["greedy"])) if a != b), len(golden["greedy"]))
        later = max([difference(k)[0] for k in range(1, min(agree_first + 1, len(tops), len(golden["top10"])))],
                    default=0.0)
        agree = next((k for k, (a, b) in enumerate(zip(ids, golden["greedy"])) if a != b), len(golden["greedy"]))
        near_tie = None
        if agree < len(golden["greedy"]):
            top = sorted(golden["top10"][agree].values(), reverse=True)
            near_tie = len(top) > 1 and top[0] - top[1] < NEAR_TIE
        rows.append({"length": length, "top10_max_difference": worst, "top10_not_shared": missing,
                     "later_steps_top10_max_difference": later,
                     "greedy_agree": agree,
                     "greedy_total": len(golden["greedy"]), "diverges_at_near_tie": near_tie,
                     "seconds": time.time() - started})
        print(f"parity: {length:4d} tokens: next token top-10 max |diff| {worst:.4f} ({missing} of llama.cpp's top 10 "
              f"not in ours), later steps {later:.4f}, greedy {agree}/{len(golden['greedy'])}"
              + ("" if near_tie is None else f", first difference {'at a near-tie' if near_tie else 'NOT a near-tie'}"),
              file=sys.stderr)
    with open(args.out, "w") as f:
        json.dump({"model": os.path.basename(args.model), "text": os.path.basename(args.text), "goldens": goldens,
                   "comparison": rows}, f, indent=1)


if __name__ == "__main__":
    main()
