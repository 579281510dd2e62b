#!/usr/bin/env python3
"""Drives `distillery serve` with the official `openai` Python client (pip install openai) and exits
non-zero on any mismatch.

    # against a server this script starts (and stops) itself:
    python3 Tests/openai_client_check.py --binary .build/release/distillery \
        --model Tests/EngineTests/Fixtures/student-s-q8_0.gguf
    # against a server that is already running:
    python3 Tests/openai_client_check.py --base-url http://127.0.0.1:8080/v1 [--api-key KEY]

Checks: the model list, a greedy completion streamed and not (equal texts), include_usage, n with seeds,
legacy logprobs, echo, stop sequences, and the client's typed errors (400, 401, 404).
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

try:
    import openai
    from openai import OpenAI
except ImportError:
    sys.exit("the openai package is missing: pip install openai")

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)


def start_server(binary, model, api_key):
    command = [binary, "serve", "-m", model, "--port", "0", "--slots", "4", "--no-access-log"]
    if api_key:
        command += ["--api-key", api_key]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.time() + 60
    while time.time() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        found = re.search(r"listening on http://[^:]+:(\d+)", line)
        if found:
            port = int(found.group(1))
        if line.startswith("distillery: serving"):
            return process, f"http://127.0.0.1:{port}/v1"
    process.kill()
    sys.exit(f"the server did not start: {process.stderr.read()}")


def run_checks(client, api_key):
    models = client.models.list().data
    check(len(models) == 1, f"one model listed, got {len(models)}")
    model = models[0].id
    check(re.fullmatch(r"[0-9a-f]{12}", model) is not None, f"the model id is the version: {model}")

    greedy = dict(model=model, prompt="Once upon a time", max_tokens=24, temperature=0,
                  extra_body={"ignore_eos": True})
    whole = client.completions.create(**greedy)
    check(whole.object == "text_completion", f"object {whole.object}")
    check(whole.model == model, "the response names the version")
    check(whole.choices[0].finish_reason == "length", f"finish_reason {whole.choices[0].finish_reason}")
    check(whole.usage.completion_tokens == 24, f"usage {whole.usage}")
    check(whole.usage.total_tokens == whole.usage.prompt_tokens + 24, "total = prompt + completion")

    chunks = list(client.completions.create(**greedy, stream=True, stream_options={"include_usage": True}))
    streamed = "".join(c.choices[0].text for c in chunks if c.choices)
    check(streamed == whole.choices[0].text, f"streamed text {streamed!r} != {whole.choices[0].text!r}")
    check(chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 24, "include_usage chunk last")
    check(not chunks[-1].choices, "the usage chunk has no choices")

    sampled = dict(model=model, prompt="Hello", max_tokens=12, temperature=0.9, seed=123, n=3,
                   extra_body={"ignore_eos": True})
    first = client.completions.create(**sampled)
    second = client.completions.create(**sampled)
    check([c.text for c in first.choices] == [c.text for c in second.choices], "a seed reproduces")
    check(sorted(c.index for c in first.choices) == [0, 1, 2], "n=3 gives three choices")
    streamed_n = {}
    for chunk in client.completions.create(**sampled, stream=True):
        for choice in chunk.choices:
            streamed_n[choice.index] = streamed_n.get(choice.index, "") + choice.text
    check([streamed_n.get(i) for i in range(3)] == [c.text for c in first.choices], "streamed n=3 matches")

    scored = client.completions.create(model=model, prompt="The", max_tokens=4, temperature=0, logprobs=2, echo=True)
    logprobs = scored.choices[0].logprobs
    check(scored.choices[0].text.startswith("The"), "echo puts the prompt first")
    check(len(logprobs.tokens) == len(logprobs.token_logprobs) == len(logprobs.text_offset)
          == len(logprobs.top_logprobs), "logprobs lists line up")
    check(logprobs.token_logprobs[0] is None, "the first prompt token has no log-probability")
    check(all(v <= 0 for v in logprobs.token_logprobs[1:]), "log-probabilities are at most 0")

    text = whole.choices[0].text
    stop = text[len(text) // 2: len(text) // 2 + 2] if len(text) > 4 else None
    if stop and stop.strip():
        stopped = client.completions.create(**greedy, stop=[stop])
        check(stopped.choices[0].text == text[: text.find(stop)], f"stop {stop!r} cuts the text")
        check(stopped.choices[0].finish_reason == "stop", "finish_reason stop")
        streamed_stop = "".join(c.choices[0].text for c in client.completions.create(**greedy, stop=[stop], stream=True))
        check(streamed_stop == stopped.choices[0].text, "streamed stop matches")

    try:
        client.completions.create(model=model, prompt="x", temperature=5)
        check(False, "temperature 5 accepted")
    except openai.BadRequestError as error:
        check(error.status_code == 400, "400 for a bad temperature")
    try:
        client.completions.create(model="no-such-model", prompt="x")
        check(False, "an unknown model accepted")
    except openai.NotFoundError:
        pass
    if api_key:
        wrong = OpenAI(base_url=str(client.base_url), api_key="wrong-key", max_retries=0)
        try:
            wrong.models.list()
            check(False, "a wrong API key accepted")
        except openai.AuthenticationError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url")
    parser.add_argument("--binary")
    parser.add_argument("--model")
    parser.add_argument("--api-key", default=None)
    args = parser.parse_args()
    process = None
    api_key = args.api_key
    if args.base_url:
        base_url = args.base_url
    elif args.binary and args.model:
        api_key = api_key or "check-key"
        process, base_url = start_server(args.binary, args.model, api_key)
    else:
        parser.error("give --base-url, or --binary and --model")
    try:
        client = OpenAI(base_url=base_url, api_key=api_key or "unused", max_retries=0, timeout=60)
        run_checks(client, api_key)
    finally:
        if process:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
            check(code == 0, f"the server exits 0 after SIGTERM, got {code}")
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("openai client check: all passed")


if __name__ == "__main__":
    main()
