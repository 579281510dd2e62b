#!/usr/bin/env python3
"""Writes a random-weight student as Q8_0 GGUF, for speed comparisons with llama.cpp on shapes no trained
student has yet (issue 17). Usage:

    Benchmarks/random-student.py OUT.gguf [--arch gemma3|llama] [--tokenizer FILE.gguf]
        [--embedding C] [--layers L] [--heads H] [--kv-heads KV] [--head-size HS] [--ffn F]
        [--vocab V] [--context N] [--window W] [--seed S]

gemma3 (the default, the shape a teacher-initialized student has): d 640, 6 layers, 4 heads, 1 KV head, head
size 256, FFN 2048, vocabulary 16,384, tied output, 47 MB; its tokenizer is the teacher's
(models/teacher/gemma-3-270m-q4_k_m.gguf), cut to the first VOCAB tokens (Gemma's byte and special tokens come
first). Layer roles are written as the per-layer bool array `gemma3.attention.sliding_window_pattern` (Gemma 3's
pattern: every sixth layer global).

llama: the ~35M grouped-query shape: d 512, 8 layers, 8 heads, 2 KV heads, FFN 1536, vocabulary 8,192, untied
output, 35 MB; its tokenizer is the 7.6M fixture's (Tests/EngineTests/Fixtures/student-s-q8_0.gguf).

llama.cpp and Distillery both load and serve either file. Needs numpy and the gguf-py package that llama.cpp's
source ships (Benchmarks/llama-cpp/build.sh fetches it).
"""
import argparse
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "Benchmarks/.cache/llama-cpp-0.3.36/src/vendor/llama.cpp/gguf-py"))
import numpy as np  # noqa: E402
import gguf  # noqa: E402
from gguf.quants import quantize  # noqa: E402


SHAPES = {
    "gemma3": dict(embedding=640, layers=6, heads=4, kv_heads=1, head_size=256, ffn=2048, vocab=16384,
                   context=8192, window=512, tokenizer="models/teacher/gemma-3-270m-q4_k_m.gguf"),
    "llama": dict(embedding=512, layers=8, heads=8, kv_heads=2, head_size=64, ffn=1536, vocab=8192,
                  context=2048, window=0, tokenizer="Tests/EngineTests/Fixtures/student-s-q8_0.gguf"),
}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--arch", choices=SHAPES, default="gemma3")
    p.add_argument("--tokenizer", "--teacher", help="GGUF whose tokenizer the student takes (cut to --vocab)")
    for name in ["embedding", "layers", "heads", "kv-heads", "head-size", "ffn", "vocab", "context", "window", "seed"]:
        p.add_argument("--" + name, type=int)
    a = p.parse_args()
    for key, default in dict(SHAPES[a.arch], seed=17).items():
        if getattr(a, key) is None:
            setattr(a, key, os.path.join(root, default) if key == "tokenizer" else default)
    c, hs, ff, v = a.embedding, a.head_size, a.ffn, a.vocab
    gemma = a.arch == "gemma3"
    rng = np.random.default_rng(a.seed)

    source = gguf.GGUFReader(a.tokenizer)
    w = gguf.GGUFWriter(a.out, a.arch)
    w.add_name(f"random {a.arch} student d{c} L{a.layers}")
    w.add_context_length(a.context)
    w.add_embedding_length(c)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(ff)
    w.add_head_count(a.heads)
    w.add_head_count_kv(a.kv_heads)
    if gemma:
        w.add_key_length(hs)
        w.add_value_length(hs)
        w.add_layer_norm_rms_eps(1e-6)
        w.add_rope_freq_base(1_000_000.0)
        w.add_sliding_window(a.window)
        w.add_array("gemma3.attention.sliding_window_pattern", [l % 6 < 5 for l in range(a.layers)])
    else:
        if hs * a.heads != c:
            p.error("a llama student's head size is its embedding width / heads")
        w.add_rope_dimension_count(hs)
        w.add_layer_norm_rms_eps(1e-5)
        w.add_rope_freq_base(10_000.0)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)

    fields = source.fields
    tokens = fields["tokenizer.ggml.tokens"]
    if len(tokens.data) < v:
        p.error(f"{a.tokenizer} has {len(tokens.data)} tokens, fewer than --vocab {v}")
    w.add_tokenizer_model(bytes(fields["tokenizer.ggml.model"].parts[-1]).decode())
    w.add_token_list([bytes(tokens.parts[i]) for i in tokens.data[:v]])
    w.add_token_scores([float(fields["tokenizer.ggml.scores"].parts[i][0]) for i in fields["tokenizer.ggml.scores"].data[:v]])
    w.add_token_types([int(fields["tokenizer.ggml.token_type"].parts[i][0]) for i in fields["tokenizer.ggml.token_type"].data[:v]])
    for key, add in [("bos_token_id", w.add_bos_token_id), ("eos_token_id", w.add_eos_token_id),
                     ("unknown_token_id", w.add_unk_token_id), ("padding_token_id", w.add_pad_token_id)]:
        if "tokenizer.ggml." + key in fields:
            add(int(fields["tokenizer.ggml." + key].parts[-1][0]))
    if gemma:
        w.add_add_bos_token(True)
        w.add_add_eos_token(False)
        w.add_add_space_prefix(False)

    def matrix(name, rows, cols):   # ggml shape [cols, rows]
        values = (rng.standard_normal((rows, cols)) * (1 / np.sqrt(cols))).astype(np.float32)
        w.add_tensor(name, quantize(values, gguf.GGMLQuantizationType.Q8_0), raw_dtype=gguf.GGMLQuantizationType.Q8_0)

    def norm(name, n):
        w.add_tensor(name, (1 + 0.1 * rng.standard_normal(n)).astype(np.float32))

    matrix("token_embd.weight", v, c)   # gemma3: also the output, tied
    if not gemma:
        matrix("output.weight", v, c)
    norm("output_norm.weight", c)
    for l in range(a.layers):
        norm(f"blk.{l}.attn_norm.weight", c)
        matrix(f"blk.{l}.attn_q.weight", a.heads * hs, c)
        matrix(f"blk.{l}.attn_k.weight", a.kv_heads * hs, c)
        matrix(f"blk.{l}.attn_v.weight", a.kv_heads * hs, c)
        matrix(f"blk.{l}.attn_output.weight", c, a.heads * hs)
        norm(f"blk.{l}.ffn_norm.weight", c)
        matrix(f"blk.{l}.ffn_gate.weight", ff, c)
        matrix(f"blk.{l}.ffn_up.weight", ff, c)
        matrix(f"blk.{l}.ffn_down.weight", c, ff)
        if gemma:
            norm(f"blk.{l}.attn_q_norm.weight", hs)
            norm(f"blk.{l}.attn_k_norm.weight", hs)
            norm(f"blk.{l}.post_attention_norm.weight", c)
            norm(f"blk.{l}.post_ffw_norm.weight", c)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {a.out} ({os.path.getsize(a.out) / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
