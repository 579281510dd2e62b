#!/usr/bin/env python3
"""Writes a random-weight gemma3 student as Q8_0 GGUF, the shape a teacher-initialized student has, for
speed comparisons with llama.cpp until a trained one exists (issue 17). Usage:

    Benchmarks/random-gemma3-student.py OUT.gguf [--teacher models/teacher/gemma-3-270m-q4_k_m.gguf]
        [--embedding 640] [--layers 6] [--heads 4] [--kv-heads 1] [--head-size 256] [--ffn 2048]
        [--vocab 16384] [--context 8192] [--window 512] [--seed 17]

The tokenizer is the teacher's, cut to the first VOCAB tokens (Gemma's byte and special tokens come first),
so llama.cpp and Distillery both load and serve the file. Layer roles are written as the per-layer bool array
`gemma3.attention.sliding_window_pattern` (Gemma 3's pattern: every sixth layer global). Needs numpy and the
gguf-py package that llama.cpp's source ships (Benchmarks/llama-cpp/build.sh fetches it).
"""
import argparse
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "Benchmarks/.cache/llama-cpp-0.3.36/src/vendor/llama.cpp/gguf-py"))
import numpy as np  # noqa: E402
import gguf  # noqa: E402
from gguf.quants import quantize  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--teacher", default=os.path.join(root, "models/teacher/gemma-3-270m-q4_k_m.gguf"))
    for name, default in [("embedding", 640), ("layers", 6), ("heads", 4), ("kv-heads", 1), ("head-size", 256),
                          ("ffn", 2048), ("vocab", 16384), ("context", 8192), ("window", 512), ("seed", 17)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    c, hs, ff, v = a.embedding, a.head_size, a.ffn, a.vocab
    rng = np.random.default_rng(a.seed)

    teacher = gguf.GGUFReader(a.teacher)
    w = gguf.GGUFWriter(a.out, "gemma3")
    w.add_name(f"random gemma3 student d{c} L{a.layers}")
    w.add_context_length(a.context)
    w.add_embedding_length(c)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(ff)
    w.add_head_count(a.heads)
    w.add_head_count_kv(a.kv_heads)
    w.add_key_length(hs)
    w.add_value_length(hs)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(1_000_000.0)
    w.add_sliding_window(a.window)
    w.add_array("gemma3.attention.sliding_window_pattern", [l % 6 < 5 for l in range(a.layers)])
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)

    # the teacher's tokenizer, cut to the student's vocabulary
    fields = teacher.fields
    w.add_tokenizer_model(bytes(fields["tokenizer.ggml.model"].parts[-1]).decode())
    tokens = fields["tokenizer.ggml.tokens"]
    w.add_token_list([bytes(tokens.parts[i]) for i in tokens.data[:v]])
    w.add_token_scores([float(fields["tokenizer.ggml.scores"].parts[i][0]) for i in fields["tokenizer.ggml.scores"].data[:v]])
    w.add_token_types([int(fields["tokenizer.ggml.token_type"].parts[i][0]) for i in fields["tokenizer.ggml.token_type"].data[:v]])
    for key, add in [("bos_token_id", w.add_bos_token_id), ("eos_token_id", w.add_eos_token_id),
                     ("unknown_token_id", w.add_unk_token_id), ("padding_token_id", w.add_pad_token_id)]:
        add(int(fields["tokenizer.ggml." + key].parts[-1][0]))
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(False)

    def matrix(name, rows, cols):   # ggml shape [cols, rows]
        values = (rng.standard_normal((rows, cols)) * (1 / np.sqrt(cols))).astype(np.float32)
        w.add_tensor(name, quantize(values, gguf.GGMLQuantizationType.Q8_0), raw_dtype=gguf.GGMLQuantizationType.Q8_0)

    def norm(name, n):
        w.add_tensor(name, (1 + 0.1 * rng.standard_normal(n)).astype(np.float32))

    matrix("token_embd.weight", v, c)   # tied output, as Gemma's
    norm("output_norm.weight", c)
    for l in range(a.layers):
        norm(f"blk.{l}.attn_norm.weight", c)
        matrix(f"blk.{l}.attn_q.weight", a.heads * hs, c)
        matrix(f"blk.{l}.attn_k.weight", a.kv_heads * hs, c)
        matrix(f"blk.{l}.attn_v.weight", a.kv_heads * hs, c)
        norm(f"blk.{l}.attn_q_norm.weight", hs)
        norm(f"blk.{l}.attn_k_norm.weight", hs)
        matrix(f"blk.{l}.attn_output.weight", c, a.heads * hs)
        norm(f"blk.{l}.post_attention_norm.weight", c)
        norm(f"blk.{l}.ffn_norm.weight", c)
        matrix(f"blk.{l}.ffn_gate.weight", ff, c)
        matrix(f"blk.{l}.ffn_up.weight", ff, c)
        matrix(f"blk.{l}.ffn_down.weight", c, ff)
        norm(f"blk.{l}.post_ffw_norm.weight", c)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {a.out} ({os.path.getsize(a.out) / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
