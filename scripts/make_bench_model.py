#!/usr/bin/env python3
"""Write a random-weight Hugging Face checkpoint of a realistic shape, for `moe bench`.

The weights are random (the output is meaningless); the shapes, dtypes and file layout are
those of a real checkpoint, so decode speed and memory traffic are realistic.

Install:  pip install numpy
Run:      python3 scripts/make_bench_model.py OUT_DIR [--preset qwen3moe-1b] [--dtype bf16]

Presets:
  qwen3moe-1b  qwen3_moe, hidden 1024, 16 layers, 32 experts top-4, expert FFN 512,
               heads 16/4, head_dim 64, vocab 151936 (1.16 B parameters; 2.3 GB in bf16)
  llama-1b     llama, hidden 2048, 16 layers, FFN 8192, heads 32/8, vocab 128256
  qwen3next-4l Qwen3-Next-80B-A3B's layers at reduced depth: 4 layers (3 gated DeltaNet, 1 gated
               attention), hidden 2048, 512 experts top-10 of width 512 + a gated shared expert,
               vocab 151936 (6.9 B parameters; 13.8 GB in bf16). Experts are stored stacked, as
               transformers v5 saves them. Tensors are generated one at a time, so memory stays
               at one tensor.
  qwen3next-4l-attn  the same, every layer full attention (the all-attention baseline)
"""
import argparse
import json
import os

import numpy as np

PRESETS = {
    "qwen3moe-1b": dict(model_type="qwen3_moe", hidden_size=1024, num_hidden_layers=16,
                        num_attention_heads=16, num_key_value_heads=4, head_dim=64,
                        intermediate_size=3072, moe_intermediate_size=512, num_experts=32,
                        num_experts_per_tok=4, norm_topk_prob=True, vocab_size=151936,
                        rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=False,
                        max_position_embeddings=32768),
    "llama-1b": dict(model_type="llama", hidden_size=2048, num_hidden_layers=16,
                     num_attention_heads=32, num_key_value_heads=8, intermediate_size=8192,
                     vocab_size=128256, rms_norm_eps=1e-5, rope_theta=500000.0,
                     tie_word_embeddings=False, max_position_embeddings=131072),
}
QWEN3NEXT = dict(model_type="qwen3_next", hidden_size=2048, num_hidden_layers=4, num_attention_heads=16,
                 num_key_value_heads=2, head_dim=256, intermediate_size=5120, moe_intermediate_size=512,
                 shared_expert_intermediate_size=512, num_experts=512, num_experts_per_tok=10, norm_topk_prob=True,
                 linear_num_key_heads=16, linear_num_value_heads=32, linear_key_head_dim=128,
                 linear_value_head_dim=128, linear_conv_kernel_dim=4, decoder_sparse_step=1, mlp_only_layers=[],
                 vocab_size=151936, rms_norm_eps=1e-6, tie_word_embeddings=False, max_position_embeddings=262144,
                 rope_parameters=dict(rope_type="default", rope_theta=10000000.0, partial_rotary_factor=0.25))
PRESETS["qwen3next-4l"] = dict(QWEN3NEXT, layer_types=["linear_attention"] * 3 + ["full_attention"])
PRESETS["qwen3next-4l-attn"] = dict(QWEN3NEXT, layer_types=["full_attention"] * 4)
# DeepSeek-V2-Lite's layers at 4 of its 27: latent attention with a plain q_proj, the first layer dense, then
# 64 experts top-6 (greedy softmax) plus two shared experts (moe bench --synthetic deepseek-v2-lite-4l).
PRESETS["deepseek-v2-lite-4l"] = dict(
    model_type="deepseek_v2", hidden_size=2048, num_hidden_layers=4, num_attention_heads=16, num_key_value_heads=16,
    intermediate_size=10944, moe_intermediate_size=1408, n_routed_experts=64, num_experts_per_tok=6, n_shared_experts=2,
    n_group=1, topk_group=1, topk_method="greedy", routed_scaling_factor=1.0, norm_topk_prob=False,
    first_k_dense_replace=1, moe_layer_freq=1, q_lora_rank=None, kv_lora_rank=512, qk_nope_head_dim=128,
    qk_rope_head_dim=64, v_head_dim=128, vocab_size=102400, rms_norm_eps=1e-6, rope_theta=10000.0,
    tie_word_embeddings=False, max_position_embeddings=163840,
    rope_scaling=dict(type="yarn", factor=40, original_max_position_embeddings=4096, beta_fast=32, beta_slow=1,
                      mscale=0.707, mscale_all_dim=0.707))


def random_matrix(rng, rows, cols, dtype):
    """Weights of standard deviation about 1/sqrt(cols). bf16 bits are drawn directly (random
    sign and mantissa, exponent spread over a factor of 4 around the scale), which is many times
    faster than drawing normals for multi-GB checkpoints."""
    scale = 1.0 / np.sqrt(cols)
    if dtype == "bf16":
        exponent = int(np.floor(np.log2(scale))) + 127
        bits = rng.integers(0, 1 << 16, size=(rows, cols), dtype=np.uint16)
        sign_mantissa = bits & np.uint16(0x807F)
        exponents = (np.uint16(exponent - 1) + ((bits >> 7) & np.uint16(1))) << np.uint16(7)
        return sign_mantissa | exponents
    w = rng.standard_normal((rows, cols), dtype=np.float32) * np.float32(scale)
    return w if dtype == "f32" else w.astype(np.float16)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--preset", default="qwen3moe-1b", choices=sorted(PRESETS))
    p.add_argument("--dtype", default="bf16", choices=["bf16", "f16", "f32"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--q-lora-rank", type=int, default=None,
                   help="DeepSeek presets: a query bottleneck of this rank instead of q_proj (llama.cpp loads a "
                        "deepseek2 file without one only at V2-Lite's 26 or 27 layers)")
    a = p.parse_args()
    c = dict(PRESETS[a.preset])
    if a.q_lora_rank:
        c["q_lora_rank"] = a.q_lora_rank
    rng = np.random.default_rng(a.seed)
    h, d = c["hidden_size"], c.get("head_dim", c["hidden_size"] // c["num_attention_heads"])
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d
    t = {}  # name -> (shape, dtype, function making the array)
    store = {"bf16": np.uint16, "f16": np.float16, "f32": np.float32}[a.dtype]
    m = lambda r, k: ((r, k), store, lambda: random_matrix(rng, r, k, a.dtype))
    stacked = lambda n, r, k: ((n, r, k), store, lambda: np.stack([random_matrix(rng, r, k, a.dtype) for _ in range(n)]))
    ones = lambda n: ((n,), np.float32, lambda: np.ones(n, dtype=np.float32))
    small = lambda shape, scale: (shape, np.float32, lambda: rng.standard_normal(shape, dtype=np.float32) * np.float32(scale))
    t["model.embed_tokens.weight"] = m(c["vocab_size"], h)
    t["lm_head.weight"] = m(c["vocab_size"], h)
    t["model.norm.weight"] = ones(h)
    for i in range(c["num_hidden_layers"]):
        L = f"model.layers.{i}"
        t[f"{L}.input_layernorm.weight"] = ones(h)
        t[f"{L}.post_attention_layernorm.weight"] = ones(h)
        if c["model_type"] == "qwen3_next":
            add_qwen3next_layer(t, c, i, m, stacked, ones, small)
            continue
        if c["model_type"] == "deepseek_v2":
            add_deepseek_layer(t, c, i, m, ones, small)
            continue
        t[f"{L}.self_attn.q_proj.weight"] = m(q, h)
        t[f"{L}.self_attn.k_proj.weight"] = m(kv, h)
        t[f"{L}.self_attn.v_proj.weight"] = m(kv, h)
        t[f"{L}.self_attn.o_proj.weight"] = m(h, q)
        if c["model_type"] == "qwen3_moe":
            t[f"{L}.self_attn.q_norm.weight"] = ones(d)
            t[f"{L}.self_attn.k_norm.weight"] = ones(d)
            f = c["moe_intermediate_size"]
            t[f"{L}.mlp.gate.weight"] = small((c["num_experts"], h), 0.05)
            for e in range(c["num_experts"]):
                t[f"{L}.mlp.experts.{e}.gate_proj.weight"] = m(f, h)
                t[f"{L}.mlp.experts.{e}.up_proj.weight"] = m(f, h)
                t[f"{L}.mlp.experts.{e}.down_proj.weight"] = m(h, f)
        else:
            f = c["intermediate_size"]
            t[f"{L}.mlp.gate_proj.weight"] = m(f, h)
            t[f"{L}.mlp.up_proj.weight"] = m(f, h)
            t[f"{L}.mlp.down_proj.weight"] = m(h, f)
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "model.safetensors")
    write_safetensors(t, path, bf16=a.dtype == "bf16")
    classes = {"qwen3_moe": "Qwen3MoeForCausalLM", "qwen3_next": "Qwen3NextForCausalLM", "llama": "LlamaForCausalLM",
               "deepseek_v2": "DeepseekV2ForCausalLM"}
    config = dict(c, architectures=[classes[c["model_type"]]],
                  torch_dtype={"bf16": "bfloat16", "f16": "float16", "f32": "float32"}[a.dtype])
    with open(os.path.join(a.out, "config.json"), "w") as fh:
        json.dump(config, fh, indent=2)
    print(f"wrote {a.out} ({os.path.getsize(path) / 2**30:.2f} GiB)")


def add_qwen3next_layer(t, c, i, m, stacked, ones, small):
    """One Qwen3-Next layer: gated DeltaNet or gated attention, then the sparse MoE block."""
    L, h = f"model.layers.{i}", c["hidden_size"]
    t[f"{L}.input_layernorm.weight"] = ones(h)
    t[f"{L}.post_attention_layernorm.weight"] = ones(h)
    if c["layer_types"][i] == "linear_attention":
        kh, vh, kd, vd = (c["linear_num_key_heads"], c["linear_num_value_heads"], c["linear_key_head_dim"],
                          c["linear_value_head_dim"])
        channels = 2 * kh * kd + vh * vd
        t[f"{L}.linear_attn.in_proj_qkvz.weight"] = m(2 * kh * kd + 2 * vh * vd, h)
        t[f"{L}.linear_attn.in_proj_ba.weight"] = m(2 * vh, h)
        t[f"{L}.linear_attn.conv1d.weight"] = small((channels, 1, c["linear_conv_kernel_dim"]), 0.5)
        t[f"{L}.linear_attn.A_log"] = small((vh,), 0.5)
        t[f"{L}.linear_attn.dt_bias"] = ones(vh)
        t[f"{L}.linear_attn.norm.weight"] = ones(vd)
        t[f"{L}.linear_attn.out_proj.weight"] = m(h, vh * vd)
    else:
        d, heads, kv = c["head_dim"], c["num_attention_heads"], c["num_key_value_heads"]
        t[f"{L}.self_attn.q_proj.weight"] = m(2 * heads * d, h)
        t[f"{L}.self_attn.k_proj.weight"] = m(kv * d, h)
        t[f"{L}.self_attn.v_proj.weight"] = m(kv * d, h)
        t[f"{L}.self_attn.o_proj.weight"] = m(h, heads * d)
        t[f"{L}.self_attn.q_norm.weight"] = ones(d)
        t[f"{L}.self_attn.k_norm.weight"] = ones(d)
    e, f, s = c["num_experts"], c["moe_intermediate_size"], c["shared_expert_intermediate_size"]
    t[f"{L}.mlp.gate.weight"] = small((e, h), 0.05)
    t[f"{L}.mlp.experts.gate_up_proj"] = stacked(e, 2 * f, h)
    t[f"{L}.mlp.experts.down_proj"] = stacked(e, h, f)
    t[f"{L}.mlp.shared_expert.gate_proj.weight"] = m(s, h)
    t[f"{L}.mlp.shared_expert.up_proj.weight"] = m(s, h)
    t[f"{L}.mlp.shared_expert.down_proj.weight"] = m(h, s)
    t[f"{L}.mlp.shared_expert_gate.weight"] = small((1, h), 0.05)


def add_deepseek_layer(t, c, i, m, ones, small):
    """One DeepSeek-V2 layer: latent attention (plain q_proj, or the --q-lora-rank bottleneck), then a dense
    MLP or the sparse block."""
    L, h, heads = f"model.layers.{i}", c["hidden_size"], c["num_attention_heads"]
    r, nope, rope, v = c["kv_lora_rank"], c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
    if c["q_lora_rank"]:
        t[f"{L}.self_attn.q_a_proj.weight"] = m(c["q_lora_rank"], h)
        t[f"{L}.self_attn.q_a_layernorm.weight"] = ones(c["q_lora_rank"])
        t[f"{L}.self_attn.q_b_proj.weight"] = m(heads * (nope + rope), c["q_lora_rank"])
    else:
        t[f"{L}.self_attn.q_proj.weight"] = m(heads * (nope + rope), h)
    t[f"{L}.self_attn.kv_a_proj_with_mqa.weight"] = m(r + rope, h)
    t[f"{L}.self_attn.kv_a_layernorm.weight"] = ones(r)
    t[f"{L}.self_attn.kv_b_proj.weight"] = m(heads * (nope + v), r)
    t[f"{L}.self_attn.o_proj.weight"] = m(h, heads * v)
    if i < c["first_k_dense_replace"]:
        f = c["intermediate_size"]
        t[f"{L}.mlp.gate_proj.weight"] = m(f, h)
        t[f"{L}.mlp.up_proj.weight"] = m(f, h)
        t[f"{L}.mlp.down_proj.weight"] = m(h, f)
        return
    f, s = c["moe_intermediate_size"], c["moe_intermediate_size"] * c["n_shared_experts"]
    t[f"{L}.mlp.gate.weight"] = small((c["n_routed_experts"], h), 0.05)
    for e in range(c["n_routed_experts"]):
        t[f"{L}.mlp.experts.{e}.gate_proj.weight"] = m(f, h)
        t[f"{L}.mlp.experts.{e}.up_proj.weight"] = m(f, h)
        t[f"{L}.mlp.experts.{e}.down_proj.weight"] = m(h, f)
    t[f"{L}.mlp.shared_experts.gate_proj.weight"] = m(s, h)
    t[f"{L}.mlp.shared_experts.up_proj.weight"] = m(s, h)
    t[f"{L}.mlp.shared_experts.down_proj.weight"] = m(h, s)


def write_safetensors(tensors, path, bf16):
    """Write the safetensors layout: u64 header length, JSON header padded to 8, raw data.
    `tensors` maps names to (shape, numpy dtype, function making the array), called one at a time."""
    kinds = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16", np.dtype(np.uint16): "BF16" if bf16 else "U16"}
    header, offset = {}, 0
    for name, (shape, dtype, _) in tensors.items():
        nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
        header[name] = {"dtype": kinds[np.dtype(dtype)], "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as fh:
        fh.write(len(text).to_bytes(8, "little"))
        fh.write(text)
        for shape, dtype, make in tensors.values():
            array = make()
            assert array.shape == tuple(shape) and array.dtype == np.dtype(dtype)
            fh.write(np.ascontiguousarray(array).tobytes())
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
