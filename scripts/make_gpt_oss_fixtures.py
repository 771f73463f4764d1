#!/usr/bin/env python3
"""Tiny random GPT-OSS checkpoints with transformers' float32 reference logits.

What it makes (under Tests/Fixtures/models/, format as in that folder's README.md)
    gpt_oss-base    GptOssForCausalLM, float32: 4 layers sliding,full,sliding,full with a window of 8
                    tokens, attention sinks, q/k/v/o biases, GQA 4/2 with head_dim 16, YaRN RoPE (factor 32
                    over 4096 positions, betas 32/1, truncate false, as the released config), 6 experts top-2
                    with router bias, swiglu_limit 1.5 (so the clamps act), swiglu_alpha 1.702.
    gpt_oss-bf16    the same architecture in bfloat16, another seed, no layer_types in the config written
                    (the family's default alternation applies) and the default truncate.
    gpt_oss-mxfp4   the released layout, and the released swiglu_limit 7 (llama.cpp's gpt-oss graph has it
                    built in, so this fixture's GGUF conversion can match; the clamps rarely act here and
                    are covered by the other two): expert matrices stored as MXFP4 `*_blocks` (uint8, 16 bytes =
                    32 E2M1 values, two per byte, low nibble first) + `*_scales` (uint8 E8M0) in the (rows,
                    cols) orientation, other weights float32; the reference logits come from transformers
                    running the weights its own `convert_moe_packed_tensors` dequantises from those bytes.
    The MXFP4 fixture's reference.json says "experts_dtype": "mxfp4". Every reference.json holds the 12-token prompt + 10 greedy tokens (make_model_fixtures.py's keys) and
    "cases": prompts of 1, 20, 63, 64, 65 and 200 tokens (all but the first longer than the window) with
    the logits of every position.

Checks (asserted; a seed whose margins fail is replaced by the next)
    argmax and router top-k margins (make_model_fixtures.py's), transformers' cached greedy decode against
    its full forward, and that the sinks, the sliding window and the clamps each change the logits.

Install: pip install torch transformers safetensors (written against torch 2.13.0+cpu, transformers 5.25.0)
Run (from the repository root; CPU only, under a minute):
    python3 scripts/make_gpt_oss_fixtures.py
"""

import json
import math
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_model_fixtures as base  # noqa: E402  (margins, greedy reference, reference.json writer)

from safetensors.torch import load_file, save_file  # noqa: E402
from transformers import GptOssConfig, GptOssForCausalLM  # noqa: E402
from transformers.integrations.mxfp4 import FP4_VALUES, convert_moe_packed_tensors  # noqa: E402

OUT = os.path.join(base.ROOT, "Tests", "Fixtures", "models")
CASE_LENGTHS = [1, 20, 63, 64, 65, 200]
WINDOW = 8
YARN = {"rope_type": "yarn", "rope_theta": 150000.0, "factor": 32.0, "beta_fast": 32.0, "beta_slow": 1.0,
        "truncate": False, "original_max_position_embeddings": 4096}
COMMON = dict(vocab_size=96, hidden_size=32, intermediate_size=32, num_hidden_layers=4, num_attention_heads=4,
              num_key_value_heads=2, head_dim=16, num_local_experts=6, num_experts_per_tok=2, sliding_window=WINDOW,
              max_position_embeddings=512, swiglu_limit=1.5, rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2,
              layer_types=["sliding_attention", "full_attention", "sliding_attention", "full_attention"])


def rescale(model, seed):
    """Weights that make a non-trivial model: unit-scale activations, decisive routers, nonzero sinks."""
    g = torch.Generator().manual_seed(seed + 7)

    def randn(*shape):
        return torch.randn(shape, generator=g, dtype=torch.float32)

    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("sinks"):
                new = 1.0 + randn(*p.shape)
            elif name.endswith("router.weight"):
                new = 0.6 * randn(*p.shape)
            elif p.ndim == 1 and "norm" in name:
                new = 1.0 + 0.3 * randn(*p.shape)
            elif "bias" in name:
                new = 0.5 * randn(*p.shape)
            elif "embed_tokens" in name:
                new = randn(*p.shape)
            elif name.startswith("lm_head"):
                new = 3.0 * randn(*p.shape) / math.sqrt(p.shape[-1])
            elif name.endswith("experts.gate_up_proj") or name.endswith("experts.down_proj"):
                new = randn(*p.shape) / math.sqrt(p.shape[1])  # (experts, in, out): fan-in is dim 1
            elif p.ndim == 2:
                gain = 1.5 if ("q_proj" in name or "k_proj" in name) else 1.0
                new = gain * randn(*p.shape) / math.sqrt(p.shape[-1])
            else:
                raise RuntimeError(f"unhandled parameter {name} {tuple(p.shape)}")
            p.copy_(new)


def mxfp4_pack(weight, g, gain):
    """Random MXFP4 bytes for a transformers (experts, in, out) matrix: the released (experts, out, in/32, 16)
    blocks and (experts, out, in/32) scales, with magnitudes near gain / sqrt(in)."""
    experts, cols, rows = weight.shape
    codes = torch.randint(0, 16, (experts, rows, cols // 32, 32), generator=g, dtype=torch.uint8)
    target = math.log2(2.5 * math.sqrt(cols) / gain)  # mean |E2M1| ~ 2.5
    scales = (127 - round(target) + torch.randint(-1, 1, (experts, rows, cols // 32), generator=g)).to(torch.uint8)
    blocks = codes[..., 0::2] | (codes[..., 1::2] << 4)
    return blocks.contiguous(), scales.contiguous()


def cases(model, seed, vocab):
    g = torch.Generator().manual_seed(seed + 3)
    out = []
    with torch.no_grad():
        for n in CASE_LENGTHS:
            ids = torch.randint(0, vocab, (1, n), generator=g)
            logits = model(ids).logits[0].float()
            ok, ratio = base.topk_margin_ok(logits, 1)
            if not ok and ratio < 1e-4:
                return None
            out.append({"input_ids": ids[0].tolist(), "logits": logits})
    return out


def feature_checks(model, clamps):
    """The sinks, the window and (when `clamps`) the clamps each move the logits."""
    notes = []
    with torch.no_grad():
        long_ids = torch.arange(40)[None, :] % model.config.vocab_size
        full = model(long_ids).logits[0]
        saved = [l.self_attn.sinks.clone() for l in model.model.layers]
        for l in model.model.layers:
            l.self_attn.sinks.fill_(-1e9)
        d = (model(long_ids).logits[0] - full).abs().max().item()
        for l, s in zip(model.model.layers, saved):
            l.self_attn.sinks.copy_(s)
        assert d > 1e-2, f"sinks do not matter ({d})"
        notes.append(f"sinks: {d:.3g}")
        for l in model.model.layers:
            l.self_attn.sliding_window = None
        cfg = model.config
        types = cfg.layer_types
        cfg.layer_types = ["full_attention"] * cfg.num_hidden_layers
        d = (model(long_ids).logits[0] - full).abs().max().item()
        cfg.layer_types = types
        for l, t in zip(model.model.layers, types):
            l.self_attn.sliding_window = WINDOW if t == "sliding_attention" else None
        assert d > 1e-2, f"the sliding window does not matter ({d})"
        notes.append(f"window: {d:.3g}")
        limit = model.model.layers[0].mlp.experts.limit
        for l in model.model.layers:
            l.mlp.experts.limit = 1e9
        d = (model(long_ids).logits[0] - full).abs().max().item()
        for l in model.model.layers:
            l.mlp.experts.limit = limit
        assert d > 1e-2 or not clamps, f"the clamps do not matter ({d})"
        notes.append(f"clamps: {d:.3g}")
        assert (model(long_ids).logits[0] - full).abs().max().item() == 0
    return notes


def write_cases(path, found, extra):
    ref = os.path.join(path, "reference.json")
    with open(ref) as f:
        text = f.read().rstrip()
    assert text.endswith("}")
    parts = []
    for c in found:
        rows = ",\n   ".join("[" + ",".join(base.fmt_float(v) for v in row) + "]" for row in c["logits"].tolist())
        parts.append('  {"input_ids": %s,\n   "logits": [\n   %s\n  ]}' % (json.dumps(c["input_ids"]), rows))
    text = text[:-1] + "".join(',\n %s: %s' % (json.dumps(k), json.dumps(v)) for k, v in extra.items())
    text += ',\n "cases": [\n' + ",\n".join(parts) + "\n ]}\n"
    back = json.loads(text)
    assert len(back["cases"]) == len(found)
    with open(ref, "w") as f:
        f.write(text)


def to_mxfp4(path, model, seed):
    """Replaces the saved expert matrices by MXFP4 blocks/scales and loads their dequantised values into
    `model`; returns the config's quantization_config."""
    g = torch.Generator().manual_seed(seed + 11)
    file = os.path.join(path, "model.safetensors")
    tensors = load_file(file)
    state = {}
    for key in list(tensors):
        if key.endswith("experts.gate_up_proj") or key.endswith("experts.down_proj"):
            blocks, scales = mxfp4_pack(tensors.pop(key), g, gain=1)
            tensors[key + "_blocks"], tensors[key + "_scales"] = blocks, scales
            state[key] = convert_moe_packed_tensors(blocks, scales, dtype=torch.float32)
    save_file(tensors, file, metadata={"format": "pt"})
    with torch.no_grad():
        params = dict(model.named_parameters())
        for key, value in state.items():
            assert params[key].shape == value.shape, (key, params[key].shape, value.shape)
            params[key].copy_(value)
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    cfg["quantization_config"] = {"quant_method": "mxfp4",
                                  "modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router",
                                                             "model.embed_tokens", "lm_head"]}
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    assert len(FP4_VALUES) == 16


def build(name, wdtype, seed, kw, mxfp4=False):
    path = os.path.join(OUT, name)
    for attempt in range(base.MAX_TRIES):
        s = seed + 1000 * attempt
        torch.manual_seed(s)
        cfg = GptOssConfig(**dict(COMMON, **kw))
        model = GptOssForCausalLM(cfg).eval()
        model.config._attn_implementation = "eager"
        rescale(model, s)
        if wdtype == "bfloat16":
            model = model.to(torch.bfloat16).float()
        if os.path.exists(path):
            shutil.rmtree(path)
        (model.to(torch.bfloat16) if wdtype == "bfloat16" else model).save_pretrained(path)
        model = model.float().eval()
        model.model.rotary_emb = type(model.model.rotary_emb)(cfg)  # float32 inv_freq again after .to(bf16)
        if mxfp4:
            to_mxfp4(path, model, s)
        if kw.get("layer_types", COMMON["layer_types"]) is None:
            with open(os.path.join(path, "config.json")) as f:
                saved = json.load(f)
            saved.pop("layer_types", None)
            saved["rope_parameters"].pop("truncate", None)
            with open(os.path.join(path, "config.json"), "w") as f:
                json.dump(saved, f, indent=2)
        ids = torch.randint(0, cfg.vocab_size, (1, base.SEQ), generator=torch.Generator().manual_seed(s + 1))
        logits, greedy, ok, info = base.compute_reference(model, ids)
        found = cases(model, s, cfg.vocab_size) if ok else None
        print(f"  {name} attempt {attempt} seed {s}: ok={ok and found is not None} {info}", flush=True)
        if ok and found is not None:
            notes = feature_checks(model, clamps=not mxfp4)
            base.write_reference(path, "gpt_oss", wdtype, ids[0].tolist(), logits, greedy)
            write_cases(path, found, {"experts_dtype": "mxfp4"} if mxfp4 else {})
            print(f"  {name}: {', '.join(notes)}")
            return
    raise RuntimeError(f"{name}: no robust seed found")


def split_layout_vectors():
    """Tests/Fixtures/mxfp4/split-layout.json: random MXFP4 bytes in OpenAI's split layout (3 rows of 2
    blocks, exponents spanning subnormal to large) and transformers' dequantised values, for a bit-exact
    test of the regrouping into ggml blocks."""
    g = torch.Generator().manual_seed(9)
    rows, per_row = 3, 2
    blocks = torch.randint(0, 256, (1, rows, per_row, 16), generator=g, dtype=torch.uint8)
    scales = torch.tensor([[[0, 1], [120, 127], [130, 254]]], dtype=torch.uint8)
    values = convert_moe_packed_tensors(blocks, scales, dtype=torch.float32).transpose(1, 2)[0]  # (rows, cols)
    path = os.path.join(base.ROOT, "Tests", "Fixtures", "mxfp4")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "split-layout.json"), "w") as f:
        json.dump({"rows": rows, "blocks_per_row": per_row, "blocks": blocks.flatten().tolist(),
                   "scales": scales.flatten().tolist(), "values": [repr(float(v)) for v in values.flatten()]}, f)
        f.write("\n")


def main():
    split_layout_vectors()
    build("gpt_oss-base", "float32", 500, dict(rope_parameters=dict(YARN)))
    kw = dict(rope_parameters={k: v for k, v in YARN.items() if k != "truncate"})
    build("gpt_oss-bf16", "bfloat16", 600, dict(kw, layer_types=None))
    build("gpt_oss-mxfp4", "float32", 700, dict(rope_parameters=dict(YARN), swiglu_limit=7.0), mxfp4=True)


if __name__ == "__main__":
    main()
