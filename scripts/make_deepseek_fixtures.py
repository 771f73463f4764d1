#!/usr/bin/env python3
"""Tiny random DeepSeek-V3 and DeepSeek-V2 checkpoints (multi-head latent attention, grouped routing, shared
experts) with transformers' float32 reference logits, and their GGUF conversions by llama.cpp's converter.

What it makes (under Tests/Fixtures/models/, format as in that folder's README.md)
    deepseek_v3-qlora-yarn   DeepseekV3ForCausalLM: q_lora_rank 24, YaRN (factor 4, mscale = mscale_all_dim = 1,
                             so only the softmax scale changes), rope_interleave, 8 experts in 4 groups
                             (topk_group 2) top-3 with a random e_score_correction_bias, 2 shared experts,
                             first_k_dense_replace 1, and one multi-token-prediction layer (model.layers.3.*)
                             added to the file as released checkpoints carry it.
    deepseek_v3-qproj-mscale-bf16  DeepseekV3ForCausalLM, bfloat16 weights: q_lora_rank null (plain q_proj), rotate-half rotary
                             (rope_interleave false), YaRN with mscale 0.8 / mscale_all_dim 0.6 (cos/sin scaled
                             too), one group, norm_topk_prob false, every layer MoE.
    deepseek_v3-halfrope     DeepseekV3ForCausalLM: rotate-half rotary (rope_interleave false) without YaRN,
                             2 groups of which 1 is chosen (moe quantize pairs its rotary rows for llama.cpp).
    deepseek_v2-lite         DeepseekV2ForCausalLM shaped like V2-Lite: q_lora_rank null, topk_method greedy,
                             2 shared experts, first_k_dense_replace 1, plain RoPE.
    deepseek_v2-grouped-bf16  DeepseekV2ForCausalLM, bfloat16 weights: q_lora_rank 24, group_limited_greedy (4 groups, topk_group 2),
                             routed_scaling_factor 1.5, YaRN with mscale = mscale_all_dim = 0.707.
    Every reference.json holds the generic 12-token prompt + 10 greedy tokens and "cases": prompts of 1, 20
    and 70 tokens with the logits of every position. Tests/Fixtures/models/README.md gets the fixture rows and
    the DeepSeek section (kept at the end: make_hybrid_fixtures.py keeps it when it rewrites its own).
    Under Tests/Fixtures/gguf-models/: deepseek_v3-qlora-yarn-f32.gguf and deepseek_v2-lite-f32.gguf, written by
    llama.cpp's convert_hf_to_gguf.py classes (outtype f32, no vocabulary, no MTP).

Checks (asserted; a fixture whose margins fail is rebuilt with the next seed)
    argmax margins (1e-3 relative on the 12-token prompt and greedy steps, 1e-4 on every position of the
    cases) and routing margins (group choice and expert choice, 1e-4 relative), transformers' cached
    token-by-token decode against its one-pass forward, and that the GGUF holds kv_b_proj split into
    attn_k_b (transposed per head) and attn_v_b. When llama-cpp-python is importable, llama.cpp runs the V3 GGUF
    on the 12-token prompt; its greedy ids go into reference.json as "llama_cpp_greedy_ids" (llama.cpp does not
    load the V2 fixture: it requires q_lora_rank unless a model has V2-Lite's 27 layers).

Install (written against torch 2.13.0+cpu, transformers 5.25.0, safetensors 0.8.0, gguf-py 0.19,
llama-cpp-python 0.3.36)
    pip install torch transformers safetensors numpy
    pip install llama-cpp-python        # optional: the llama.cpp agreement check
    llama.cpp's source tree (convert_hf_to_gguf.py, conversion/, gguf-py/) passed as LLAMA_CPP.

Run (from the repository root; CPU only, no network, about a minute on 2 cores)
    LLAMA_CPP=/path/to/llama.cpp python3 scripts/make_deepseek_fixtures.py      # everything
    python3 scripts/make_deepseek_fixtures.py --no-gguf                          # checkpoints only
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_model_fixtures as base  # noqa: E402  (weight rescaling, margins, float format)
import make_hybrid_fixtures as hybrid  # noqa: E402  (reference.json with cases, llama.cpp conversion and runs)

from transformers import (AutoModelForCausalLM, DeepseekV2Config, DeepseekV2ForCausalLM,  # noqa: E402
                          DeepseekV3Config, DeepseekV3ForCausalLM, DynamicCache)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/Fixtures/models"
GGUF_OUT = ROOT / "Tests/Fixtures/gguf-models"
SEQ, NEW = base.SEQ, base.NEW
CASE_LENGTHS = [1, 20, 70]
GAP = 1e-4
MAX_TRIES = 80

COMMON = dict(vocab_size=160, hidden_size=48, intermediate_size=64, moe_intermediate_size=16, num_attention_heads=4,
              num_key_value_heads=4, kv_lora_rank=16, qk_nope_head_dim=8, qk_rope_head_dim=8, v_head_dim=12, max_position_embeddings=256,
              hidden_act="silu", rms_norm_eps=1e-6, tie_word_embeddings=False, n_routed_experts=8,
              num_experts_per_tok=3)


def yarn(mscale, mscale_all_dim):
    return dict(rope_type="yarn", rope_theta=10000.0, factor=4.0, original_max_position_embeddings=64,
                mscale=mscale, mscale_all_dim=mscale_all_dim, beta_fast=32.0, beta_slow=1.0)


# name, class, config, extra config.json keys (as released checkpoints write them), MTP layers, seed, GGUF
FIXTURES = [
    ("deepseek_v3-qlora-yarn", DeepseekV3ForCausalLM,
     dict(COMMON, num_hidden_layers=3, q_lora_rank=24, n_group=4, topk_group=2, n_shared_experts=2,
          first_k_dense_replace=1, norm_topk_prob=True, routed_scaling_factor=2.5, rope_interleave=True,
          rope_parameters=yarn(1.0, 1.0)),
     dict(scoring_func="sigmoid", topk_method="noaux_tc", num_nextn_predict_layers=1), 1, 3100, True),
    ("deepseek_v3-qproj-mscale-bf16", DeepseekV3ForCausalLM,
     dict(COMMON, num_hidden_layers=2, q_lora_rank=None, n_group=1, topk_group=1, n_shared_experts=1,
          first_k_dense_replace=0, norm_topk_prob=False, routed_scaling_factor=1.8, rope_interleave=False,
          rope_parameters=yarn(0.8, 0.6)),
     dict(scoring_func="sigmoid"), 0, 3200, False),
    ("deepseek_v3-halfrope", DeepseekV3ForCausalLM,
     dict(COMMON, num_hidden_layers=2, q_lora_rank=16, n_group=2, topk_group=1, n_shared_experts=1,
          first_k_dense_replace=0, norm_topk_prob=True, routed_scaling_factor=1.0, rope_interleave=False,
          rope_parameters=dict(rope_type="default", rope_theta=10000.0)),
     dict(scoring_func="sigmoid"), 0, 3500, False),
    ("deepseek_v2-lite", DeepseekV2ForCausalLM,
     dict(COMMON, num_hidden_layers=3, q_lora_rank=None, topk_method="greedy", n_group=1, topk_group=1,
          n_shared_experts=2, first_k_dense_replace=1, norm_topk_prob=False, routed_scaling_factor=1.0,
          rope_parameters=dict(rope_type="default", rope_theta=10000.0)),
     {}, 0, 3300, True),
    ("deepseek_v2-grouped-bf16", DeepseekV2ForCausalLM,
     dict(COMMON, num_hidden_layers=2, q_lora_rank=24, topk_method="group_limited_greedy", n_group=4, topk_group=2,
          n_shared_experts=1, first_k_dense_replace=0, norm_topk_prob=False, routed_scaling_factor=1.5,
          rope_parameters=yarn(0.707, 0.707)),
     {}, 0, 3400, False),
]


def build_model(cls, kw, seed):
    torch.manual_seed(seed)
    config_cls = DeepseekV3Config if cls is DeepseekV3ForCausalLM else DeepseekV2Config
    model = cls(config_cls(**kw)).eval()
    base.rescale_weights(model, seed)
    g = torch.Generator().manual_seed(seed + 11)
    with torch.no_grad():
        for name, mod in model.named_modules():
            if type(mod).__name__.endswith("TopkRouter"):
                mod.weight.copy_(0.6 * torch.randn(mod.weight.shape, generator=g))
                if hasattr(mod, "e_score_correction_bias"):
                    mod.e_score_correction_bias.copy_(0.1 * torch.randn(mod.e_score_correction_bias.shape, generator=g))
    return model


def routing_margin(router, logits):
    """The smallest relative gap, over rows, at the group cut (k-th vs next group) and the expert cut (k-th vs
    next expert among the allowed groups), in the quantities transformers chooses by (V2: the logits, which
    order the experts as their softmax does)."""
    e = logits.shape[-1]
    if hasattr(router, "e_score_correction_bias"):  # V3: sigmoid + bias, groups by their two best
        choice = logits.sigmoid() + router.e_score_correction_bias
        groups, top = router.num_group, router.topk_group
        group_scores = choice.view(-1, groups, e // groups).topk(2, dim=-1)[0].sum(-1)
    else:  # V2: softmax, groups by their best (the same order as the logits, whose gaps are measured)
        choice = logits
        groups, top = (router.num_group, router.topk_group) if router.topk_method == "group_limited_greedy" else (1, 1)
        group_scores = choice.view(-1, groups, e // groups).max(-1).values
    gaps = []
    if top < groups:
        s = group_scores.sort(-1, descending=True).values
        gaps.append(((s[:, top - 1] - s[:, top]) / s.abs().max(-1).values).min().item())
        keep = torch.zeros_like(group_scores).scatter_(1, group_scores.topk(top, -1)[1], 1)
        mask = keep.unsqueeze(-1).expand(-1, groups, e // groups).reshape(-1, e).bool()
        choice = choice.masked_fill(~mask, float("-inf"))
    s = choice.sort(-1, descending=True).values
    k = router.top_k
    gaps.append(((s[:, k - 1] - s[:, k]) / s[:, 0].abs().clamp_min(1e-6)).min().item())
    return min(gaps)


class RoutingRecorder:
    """The smallest routing margin of every router call while active."""

    def __init__(self, model):
        self.gap = float("inf")
        self.handles = [m.register_forward_hook(self.hook) for m in model.modules()
                        if type(m).__name__.endswith("TopkRouter")]

    def hook(self, mod, inp, out):
        self.gap = min(self.gap, routing_margin(mod, out[0].detach().float()))

    def remove(self):
        for h in self.handles:
            h.remove()


def forward_logits(model, ids):
    with torch.no_grad():
        return model(torch.tensor([ids]), use_cache=False).logits[0].float()


def cached_decode_logits(model, ids):
    cache = DynamicCache(config=model.config)
    rows = []
    with torch.no_grad():
        for t in ids:
            rows.append(model(torch.tensor([[t]]), cache=cache, use_cache=True).logits[0, -1].float())
    return torch.stack(rows)


def add_prediction_layers(path, count, layers):
    """Appends `count` multi-token-prediction layers past the last decoder layer, named as DeepSeek-V3's
    released checkpoint names them (a copy of the last layer's attention plus eh_proj / enorm / hnorm)."""
    file = os.path.join(path, "model.safetensors")
    tensors = load_file(file)
    g = torch.Generator().manual_seed(99)
    for i in range(count):
        p = f"model.layers.{layers + i}."
        last = f"model.layers.{layers - 1}."
        for k in [k for k in list(tensors) if k.startswith(last + "self_attn.")]:
            tensors[p + k[len(last):]] = tensors[k].clone()
        h = tensors["model.norm.weight"].shape[0]
        tensors[p + "eh_proj.weight"] = torch.randn(h, 2 * h, generator=g)
        tensors[p + "enorm.weight"] = torch.ones(h)
        tensors[p + "hnorm.weight"] = torch.ones(h)
    save_file(tensors, file, metadata={"format": "pt"})


def build_fixture(name, cls, kw, extra, mtp, seed):
    path = str(OUT / name)
    wdtype = "bfloat16" if name.endswith("-bf16") else "float32"
    for attempt in range(MAX_TRIES):
        s = seed + 1000 * attempt
        model = build_model(cls, kw, s)
        g = torch.Generator().manual_seed(s + 1)
        ids = torch.randint(0, kw["vocab_size"], (1, SEQ), generator=g)
        if os.path.exists(path):
            shutil.rmtree(path)
        saved_model = model.to(torch.bfloat16) if wdtype == "bfloat16" else model
        saved_model.save_pretrained(path)
        model = saved_model.float()  # the reference runs the stored (rounded) weights in float32
        with open(os.path.join(path, "config.json")) as f:
            saved = json.load(f)
        saved.update(extra)
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump(saved, f, indent=2)
        if mtp:
            add_prediction_layers(path, mtp, kw["num_hidden_layers"])
        ref = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager").eval()
        assert type(ref) is cls
        d = (forward_logits(model, ids[0].tolist()) - forward_logits(ref, ids[0].tolist())).abs().max().item()
        assert d < 1e-4, d
        rec = RoutingRecorder(ref)
        logits, greedy, ok, info = base.compute_reference(ref, ids)
        cases, lm_gap = [], float("inf")
        for length in CASE_LENGTHS:
            case = hybrid.case_ids(kw["vocab_size"], length, s)
            case_logits = forward_logits(ref, case)
            lm_gap = min(lm_gap, base.topk_margin_ok(case_logits, 1)[1])
            cases.append({"input_ids": case, "logits": case_logits})
        rec.remove()
        info["lm_gap_cases"], info["routing_gap"] = lm_gap, rec.gap
        ok = ok and lm_gap > GAP and rec.gap > GAP
        print(f"  {name} attempt {attempt} seed {s}: ok={ok} {info}", flush=True)
        if not ok:
            continue
        for case in [ids[0].tolist(), cases[-1]["input_ids"]]:
            full = forward_logits(ref, case)
            step = cached_decode_logits(ref, case)
            assert (step - full).abs().max().item() < 1e-4 * max(full.abs().max().item(), 1.0), name
        hybrid.write_reference(path, saved["model_type"], wdtype, ids[0].tolist(), logits, greedy, cases)
        return dict(seed=s, info=info)
    raise RuntimeError(f"{name}: no seed with clear margins")


def check_split_kv_b(llama_src, name, path):
    """attn_k_b / attn_v_b of every layer are kv_b_proj split per head, the key half transposed."""
    gguf, *_ = hybrid.llama_cpp_modules(llama_src)
    reader = gguf.GGUFReader(str(path))
    tensors = {t.name: torch.tensor(t.data.copy()) for t in reader.tensors}
    hf = load_file(str(OUT / name / "model.safetensors"))
    cfg = json.load(open(OUT / name / "config.json"))
    heads, nope, v, r = cfg["num_attention_heads"], cfg["qk_nope_head_dim"], cfg["v_head_dim"], cfg["kv_lora_rank"]
    for layer in range(cfg["num_hidden_layers"]):
        kv_b = hf[f"model.layers.{layer}.self_attn.kv_b_proj.weight"].view(heads, nope + v, r)
        assert torch.equal(tensors[f"blk.{layer}.attn_k_b.weight"], kv_b[:, :nope].transpose(1, 2).contiguous())
        assert torch.equal(tensors[f"blk.{layer}.attn_v_b.weight"], kv_b[:, nope:].contiguous())
    assert not any(n.startswith(f"blk.{cfg['num_hidden_layers']}.") for n in tensors), "MTP layers are skipped"


def gguf_stage(llama_src, names):
    GGUF_OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("GGML_NO_BACKTRACE", "1")
    for name in names:
        target = GGUF_OUT / f"{name}-f32.gguf"
        hybrid.convert_gguf(llama_src, name, target)
        check_split_kv_b(llama_src, name, target)
        print(f"  {target.relative_to(ROOT)}: {target.stat().st_size} bytes", flush=True)
        if not name.startswith("deepseek_v3"):
            continue
        try:
            import llama_cpp  # noqa: F401
        except ImportError:
            print("llama-cpp-python not importable: skipping the llama.cpp run", flush=True)
            continue
        ref = hybrid.read_reference(OUT / name)
        with tempfile.TemporaryDirectory() as tmp:
            runnable = Path(tmp) / "model.gguf"  # llama.cpp loads a vocabulary-less file only with tokenizer model "none"
            hybrid.convert_gguf(llama_src, name, runnable, vocab_none=True)
            logits, greedy = hybrid.run_llama_cpp(runnable, ref["input_ids"], NEW)
        d = (logits - ref["logits"]).abs().max().item()
        print(f"  llama.cpp on {name}: max |logit - transformers| {d:.2e}, greedy {greedy} (transformers {ref['greedy_ids']})")
        assert greedy == ref["greedy_ids"], "llama.cpp's greedy continuation differs from transformers'"
        hybrid.write_reference(OUT / name, ref["family"], ref["weights_dtype"], ref["input_ids"], ref["logits"],
                               ref["greedy_ids"], ref["cases"], llama_cpp_greedy=greedy)


SECTION = "## DeepSeek latent-attention fixtures (DeepSeek-V3, DeepSeek-V2)"
ROWS = {
    "deepseek_v3-qlora-yarn": "q_lora_rank 24, YaRN (mscale = mscale_all_dim), rope_interleave, 4 groups (2 chosen) top-3 "
                              "with e_score_correction_bias, 2 shared experts, first_k_dense_replace 1, an MTP layer",
    "deepseek_v3-qproj-mscale-bf16": "q_lora_rank null, rotate-half rotary, YaRN mscale 0.8 / mscale_all_dim 0.6, "
                                     "norm_topk_prob false, bf16",
    "deepseek_v3-halfrope": "rotate-half rotary without YaRN, 2 groups (1 chosen), q_lora_rank 16",
    "deepseek_v2-lite": "V2-Lite shape: q_lora_rank null, greedy softmax top-3, 2 shared experts, first layer dense",
    "deepseek_v2-grouped-bf16": "group_limited_greedy (4 groups, 2 chosen), routed_scaling_factor 1.5, YaRN mscale 0.707, bf16",
}
SECTION_TEXT = """
Made by `scripts/make_deepseek_fixtures.py` (transformers 5.25, eager attention, float32 reference). Sizes:
hidden 48, 4 heads, kv_lora_rank 16, qk_nope_head_dim 8, qk_rope_head_dim 8, v_head_dim 12, 8 routed experts of
width 16, vocabulary 160. Besides the generic keys, each reference.json has `"cases"`: prompts of 1, 20 and 70
tokens with the logits of every position. Accepted only with argmax margins (1e-3 relative on the 12-token
prompt and greedy steps, 1e-4 on the cases) and routing margins of 1e-4 relative at the group cut and at the
expert cut, in the quantities transformers chooses by (V3: sigmoid + bias; V2: the logits).

Tensor names: `self_attn.{q_a_proj, q_a_layernorm, q_b_proj | q_proj, kv_a_proj_with_mqa, kv_a_layernorm,
kv_b_proj, o_proj}`, `mlp.gate.weight` (+ `mlp.gate.e_score_correction_bias` for V3), `mlp.experts.E.*`,
`mlp.shared_experts.*` (`n_shared_experts` x `moe_intermediate_size` wide); dense layers `mlp.{gate,up,down}_proj`.
`deepseek_v3-qlora-yarn` also carries `model.layers.3.*` (a copy of the last attention plus `eh_proj`, `enorm`,
`hnorm`), the multi-token-prediction layer released checkpoints have; transformers ignores it.

Config additions after `save_pretrained` (as the released checkpoints write them, read by llama.cpp's converter):
V3 fixtures get `"scoring_func": "sigmoid"` (the first also `"topk_method": "noaux_tc"` and
`"num_nextn_predict_layers": 1`).

GGUF (Tests/Fixtures/gguf-models): `deepseek_v3-qlora-yarn-f32.gguf` and `deepseek_v2-lite-f32.gguf`, written by
llama.cpp's converter (outtype f32, no vocabulary): `kv_b_proj` split into `attn_k_b` (heads, kv_lora_rank,
qk_nope_head_dim; each head's key rows transposed) and `attn_v_b` (heads, v_head_dim, kv_lora_rank), the MTP
layer dropped, `head_count_kv` 1, `key_length` / `value_length` = kv_lora_rank + rope / kv_lora_rank, the
per-head sizes as `key_length_mla` / `value_length_mla`, `expert_gating_func` 2 from `scoring_func`,
`rope.scaling.yarn_log_multiplier` = 0.1 x mscale_all_dim. llama.cpp (llama-cpp-python 0.3.36) gives the V3
fixture's greedy ids (`llama_cpp_greedy_ids`); it does not load the V2 one (it requires q_lora_rank unless a
model has V2-Lite's 27 layers).
"""


def update_readme():
    """Adds this script's rows to the fixtures table and (re)writes its section at the end of the README."""
    path = OUT / "README.md"
    text = path.read_text().partition("\n" + SECTION + "\n")[0].rstrip("\n")
    names = {f"`{name}`" for name in ROWS}
    lines = [ln for ln in text.split("\n") if not (ln.startswith("| `") and ln.split(" | ")[0][2:] in names)]
    last_row = max(i for i, ln in enumerate(lines) if ln.startswith("| `"))
    family = {name: name.split("-")[0] for name in ROWS}
    rows = [f"| `{name}` | {family[name]} | {'bfloat16' if name.endswith('-bf16') else 'float32'} | {what} |"
            for name, what in ROWS.items()]
    lines[last_row + 1:last_row + 1] = rows
    path.write_text("\n".join(lines) + "\n\n" + SECTION + "\n" + SECTION_TEXT)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="fixtures to build (default: all)")
    parser.add_argument("--no-gguf", action="store_true", help="skip the llama.cpp conversions")
    args = parser.parse_args()
    torch.set_num_threads(2)
    chosen = [f for f in FIXTURES if not args.names or f[0] in args.names]
    for name, cls, kw, extra, mtp, seed, _ in chosen:
        print(name, build_fixture(name, cls, kw, extra, mtp, seed), flush=True)
    update_readme()
    if not args.no_gguf:
        llama_src = os.environ.get("LLAMA_CPP")
        if not llama_src:
            sys.exit("set LLAMA_CPP to llama.cpp's source tree (or pass --no-gguf)")
        gguf_stage(llama_src, [f[0] for f in chosen if f[6]])


if __name__ == "__main__":
    main()
