#!/usr/bin/env python3
"""Tiny random Qwen3-Next and Qwen3.5-MoE checkpoints (hybrid Gated DeltaNet + attention + MoE) with
transformers' float32 reference logits, and their GGUF conversions by llama.cpp's own converter.

What it makes (under Tests/Fixtures/models/, format and rules as in that folder's README.md)
    qwen3_next-base    Qwen3NextForCausalLM, float32: 4 layers (3 linear-attention + 1 full-attention),
                       a dense MLP layer (mlp_only_layers=[1]), 8 experts top-3 + shared expert,
                       GQA 4/2 with head_dim 16 and partial rotary 0.25, 2 key / 4 value DeltaNet heads
                       of different key (8) and value (12) dimensions.
    qwen3_next-bf16    Qwen3NextForCausalLM, bfloat16: 5 layers with two full-attention layers,
                       decoder_sparse_step 2, as many DeltaNet key heads as value heads, tied embeddings.
    qwen3_5_moe-text   Qwen3_5MoeForCausalLM with a `qwen3_5_moe_text` config (separate in_proj_qkv /
                       in_proj_z / in_proj_b / in_proj_a), float32.
    qwen3_5_moe-vl     Qwen3_5MoeForConditionalGeneration (the released layout: nested text_config,
                       weights under model.language_model., fused 3-D experts, a tiny vision tower),
                       bfloat16; reference logits from text-only input ids.
    qwen3_next-allmoe  Qwen3NextForCausalLM, float32, shaped for llama.cpp: every layer MoE (its qwen3next
                       converter maps no dense MLP), value head dim = key head dim (its qwen3next / qwen35moe
                       graphs assume it), tied embeddings.
    Every reference.json holds the generic 12-token prompt + 10 greedy tokens (top-level keys of
    make_model_fixtures.py) and "cases": prompts of 1, 63, 64, 65 and 200 tokens (the DeltaNet chunk is
    64 tokens) with the logits of every position.
    Under Tests/Fixtures/gguf-models/: <fixture>-f32.gguf for qwen3_next-allmoe and qwen3_5_moe-text,
    converted by llama.cpp's convert_hf_to_gguf.py classes (outtype f32, no vocabulary, no MTP).

Checks (asserted; a fixture whose margins fail is rebuilt with the next seed)
    argmax and router top-k margins (1e-3 relative on the 12-token prompt and greedy steps, 1e-4 on every
    position of the long prompts), transformers' token-by-token cached decode (recurrent DeltaNet path)
    against its one-pass forward (chunked path), an independent float64 re-implementation (recurrent
    form, reads only config.json + *.safetensors) against every reference logit, and that the
    linear-attention layers matter (decay spread, the logits move when the DeltaNet output is dropped or
    its state is reset at position 64), and that each GGUF holds the checkpoint's tensors transformed as the
    README says. When llama-cpp-python is importable, llama.cpp runs each GGUF on the 12-token and the
    200-token prompts; its greedy ids go into reference.json as "llama_cpp_greedy_ids".
    Tests/Fixtures/models/README.md gets the fixture rows and the hybrid section (tensor names, config
    keys, forward math, GGUF names and metadata, llama.cpp agreement).

Install (written against torch 2.13.0+cpu, transformers 5.25.0, safetensors 0.8.0, numpy 2.4, gguf-py 0.19,
llama-cpp-python 0.3.36)
    pip install torch transformers safetensors sentencepiece numpy
    pip install llama-cpp-python        # optional: the llama.cpp agreement check
    llama.cpp's source tree (convert_hf_to_gguf.py, conversion/, gguf-py/), e.g. the vendor/llama.cpp
    folder of the llama-cpp-python sdist, passed as LLAMA_CPP.

Run (from the repository root; CPU only, no network, 2-5 minutes on 2 cores)
    LLAMA_CPP=/path/to/llama.cpp python3 scripts/make_hybrid_fixtures.py          # everything
    python3 scripts/make_hybrid_fixtures.py --no-gguf                              # checkpoints only
    python3 scripts/make_hybrid_fixtures.py qwen3_5_moe-text                       # one fixture (+ its GGUF)
"""

import argparse
import copy
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_model_fixtures as base  # noqa: E402  (shared helpers: weight rescaling, margins, reference)

import transformers  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import DynamicCache  # noqa: E402
from transformers.models.qwen3_5_moe import (Qwen3_5MoeConfig, Qwen3_5MoeForCausalLM,  # noqa: E402
                                             Qwen3_5MoeForConditionalGeneration, Qwen3_5MoeTextConfig)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/Fixtures/models"
GGUF_OUT = ROOT / "Tests/Fixtures/gguf-models"
SEQ, NEW = base.SEQ, base.NEW
CASE_LENGTHS = [1, 63, 64, 65, 200]
LONG_GAP = 1e-4  # argmax / router top-k margin required at every position of the long prompts
MAX_TRIES = 60

LINEAR, FULL = "linear_attention", "full_attention"
COMMON = dict(max_position_embeddings=512, hidden_act="silu", rms_norm_eps=1e-6)

# name, model class, weights dtype, config kwargs (text part), vision config or None, seed, description
FIXTURES = [
    ("qwen3_next-base", "Qwen3NextForCausalLM", "float32",
     dict(vocab_size=96, hidden_size=32, intermediate_size=32, moe_intermediate_size=8,
          shared_expert_intermediate_size=16, num_hidden_layers=4, layer_types=[LINEAR, LINEAR, LINEAR, FULL],
          mlp_only_layers=[1], num_experts=8, num_experts_per_tok=3, norm_topk_prob=True,
          num_attention_heads=4, num_key_value_heads=2, head_dim=16,
          rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.25},
          linear_num_key_heads=2, linear_num_value_heads=4, linear_key_head_dim=8, linear_value_head_dim=12,
          linear_conv_kernel_dim=4),
     None, 100,
     "layers linear,linear,linear,full; mlp_only_layers=[1] (dense MLP); 8 experts top-3, norm_topk_prob, "
     "shared expert + gate; gated attention GQA 4/2, head_dim 16, partial rotary 0.25 (4 of 16 dims); "
     "DeltaNet 2 key heads x 8 / 4 value heads x 12, conv kernel 4; untied"),
    ("qwen3_next-bf16", "Qwen3NextForCausalLM", "bfloat16",
     dict(vocab_size=96, hidden_size=48, intermediate_size=32, moe_intermediate_size=12,
          shared_expert_intermediate_size=16, num_hidden_layers=5, layer_types=[LINEAR, FULL, LINEAR, LINEAR, FULL],
          decoder_sparse_step=2, num_experts=6, num_experts_per_tok=2, norm_topk_prob=True,
          num_attention_heads=2, num_key_value_heads=1, head_dim=24, tie_word_embeddings=True,
          rope_parameters={"rope_type": "default", "rope_theta": 1000000.0, "partial_rotary_factor": 0.25},
          linear_num_key_heads=3, linear_num_value_heads=3, linear_key_head_dim=16, linear_value_head_dim=16,
          linear_conv_kernel_dim=4),
     None, 200,
     "5 layers linear,full,linear,linear,full; decoder_sparse_step 2 (layers 1,3 MoE; 0,2,4 dense); 6 experts "
     "top-2; gated attention 2q/1kv, head_dim 24, partial rotary 0.25 (6 dims), rope_theta 1e6; DeltaNet 3 key = "
     "3 value heads x 16; tied embeddings; bf16"),
    ("qwen3_next-allmoe", "Qwen3NextForCausalLM", "float32",
     dict(vocab_size=96, hidden_size=32, intermediate_size=32, moe_intermediate_size=8,
          shared_expert_intermediate_size=16, num_hidden_layers=4, layer_types=[LINEAR, LINEAR, LINEAR, FULL],
          num_experts=8, num_experts_per_tok=3, norm_topk_prob=True, num_attention_heads=4, num_key_value_heads=2, head_dim=16, tie_word_embeddings=True,
          rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.25},
          linear_num_key_heads=2, linear_num_value_heads=4, linear_key_head_dim=8, linear_value_head_dim=8,
          linear_conv_kernel_dim=4),
     None, 250,
     "for the GGUF conversion (llama.cpp's qwen3next has no dense MLP layers and assumes value head dim = key head "
     "dim): every layer MoE (8 experts top-3 + shared expert), DeltaNet 2 key / 4 value heads x 8, layers "
     "linear,linear,linear,full, GQA 4/2, head_dim 16, partial rotary 0.25, tied embeddings"),
    ("qwen3_5_moe-text", "Qwen3_5MoeForCausalLM", "float32",
     dict(vocab_size=96, hidden_size=32, moe_intermediate_size=8, shared_expert_intermediate_size=16,
          num_hidden_layers=4, layer_types=[LINEAR, LINEAR, LINEAR, FULL], num_experts=8, num_experts_per_tok=2,
          num_attention_heads=4, num_key_value_heads=2, head_dim=16,
          rope_parameters={"rope_type": "default", "rope_theta": 10000000.0, "partial_rotary_factor": 0.25,
                           "mrope_section": [1, 1, 0], "mrope_interleaved": True},
          linear_num_key_heads=2, linear_num_value_heads=6, linear_key_head_dim=8, linear_value_head_dim=8,
          linear_conv_kernel_dim=4),
     None, 300,
     "qwen3_5_moe_text config saved by Qwen3_5MoeForCausalLM: separate in_proj_qkv/in_proj_z/in_proj_b/in_proj_a; "
     "every layer MoE (8 experts top-2, always renormalised) + shared expert; layers linear,linear,linear,full; "
     "GQA 4/2, head_dim 16, partial rotary 0.25 (4 dims), rope_theta 1e7, interleaved mrope_section [1,1,0]; "
     "DeltaNet 2 key / 6 value heads x 8"),
    ("qwen3_5_moe-vl", "Qwen3_5MoeForConditionalGeneration", "bfloat16",
     dict(vocab_size=96, hidden_size=48, moe_intermediate_size=12, shared_expert_intermediate_size=16,
          num_hidden_layers=4, layer_types=[LINEAR, LINEAR, LINEAR, FULL], num_experts=6, num_experts_per_tok=3,
          num_attention_heads=2, num_key_value_heads=1, head_dim=32,
          rope_parameters={"rope_type": "default", "rope_theta": 10000000.0, "partial_rotary_factor": 0.25,
                           "mrope_section": [2, 1, 1], "mrope_interleaved": True},
          linear_num_key_heads=2, linear_num_value_heads=4, linear_key_head_dim=12, linear_value_head_dim=8,
          linear_conv_kernel_dim=4),
     dict(depth=1, hidden_size=16, intermediate_size=32, num_heads=2, patch_size=4, spatial_merge_size=2,
          temporal_patch_size=2, out_hidden_size=48, num_position_embeddings=16),
     400,
     "released layout: Qwen3_5MoeForConditionalGeneration, nested text_config (qwen3_5_moe_text) + vision_config, "
     "weights under model.language_model., fused experts (gate_up_proj [E,2I,H], down_proj [E,H,I]), 1-block vision "
     "tower under model.visual. (unused: text-only ids); 6 experts top-3; 2q/1kv, head_dim 32, partial rotary 0.25 "
     "(8 dims), interleaved mrope_section [2,1,1]; DeltaNet 2 key heads x 12 / 4 value heads x 8; bf16"),
]

# qwen3_next-base / -bf16 have dense MLP layers, which llama.cpp's qwen3next converter cannot map
# ("Can not map tensor 'model.layers.1.mlp.down_proj.weight'"); qwen3_next-allmoe stands in for them.
GGUF_FIXTURES = ["qwen3_next-allmoe", "qwen3_5_moe-text"]

MODEL_CLASSES = {
    "Qwen3NextForCausalLM": transformers.Qwen3NextForCausalLM,
    "Qwen3_5MoeForCausalLM": Qwen3_5MoeForCausalLM,
    "Qwen3_5MoeForConditionalGeneration": Qwen3_5MoeForConditionalGeneration,
}


# ----------------------------------------------------------------------------------------------
# Model construction
# ----------------------------------------------------------------------------------------------
def make_config(cls_name, text_kw, vision_kw):
    kw = dict(COMMON, **text_kw)
    if cls_name == "Qwen3NextForCausalLM":
        return transformers.Qwen3NextConfig(**kw)
    if cls_name == "Qwen3_5MoeForCausalLM":
        return Qwen3_5MoeTextConfig(**kw)
    return Qwen3_5MoeConfig(text_config=kw, vision_config=vision_kw)


def text_config(cfg):
    return cfg.text_config if hasattr(cfg, "text_config") and cfg.text_config is not None else cfg


class _GenericParameters:
    """The model as make_model_fixtures.rescale_weights sees it, minus the parameters it has no rule for."""

    def __init__(self, model, skip):
        self.model, self.skip, self.config = model, skip, text_config(model.config)

    def modules(self):
        return self.model.modules()

    def named_parameters(self):
        return ((n, p) for n, p in self.model.named_parameters() if not self.skip(n))


def rescale_hybrid(model, seed):
    """make_model_fixtures' rescaling, then the hybrid-specific parameters.

    * zero-centred RMSNorms (`Qwen3NextRMSNorm`, `Qwen3_5MoeRMSNorm`: y = (1 + w) * x / rms) store
      w = 0.3*randn, i.e. the same effective 1 + 0.3*randn scale as the other fixtures' norms;
      the DeltaNet output norm (RMSNormGated, y = w * x / rms * silu(z)) keeps w = 1 + 0.3*randn.
    * A_log = log(A), A log-uniform in [0.01, 1] per value head (stratified: one head in each 1/vh of the
      log range); dt_bias ~ N(0, 0.5^2); in_proj_a / in_proj_b (in_proj_ba) std 1/sqrt(hidden), so a, b ~ N(0, 1):
      the decay exp(-A softplus(a + dt_bias)) spreads from ~0.3 to ~0.995 (memories from one token to a few
      chunks), beta = sigmoid(b) over ~0.2..0.8.
    * conv1d weights std 1/sqrt(kernel), the other DeltaNet projections std 1/sqrt(fan_in) (generic rule).
    """
    base.rescale_weights(_GenericParameters(model, lambda n: n.endswith(".A_log")), seed)
    g = torch.Generator().manual_seed(seed + 11)
    with torch.no_grad():
        for mod in model.modules():
            kind = type(mod).__name__
            if kind.endswith("RMSNorm"):  # zero-centred: (1 + w)
                mod.weight.sub_(1.0)
            elif kind.endswith("GatedDeltaNet"):
                n = mod.A_log.shape[0]
                lo, hi = math.log(0.01), math.log(1.0)
                strata = (torch.arange(n) + torch.rand(n, generator=g)) / n  # one head per log-stratum
                mod.A_log.copy_((lo + (hi - lo) * strata)[torch.randperm(n, generator=g)])
                mod.dt_bias.copy_(0.5 * torch.randn(n, generator=g))


def build_model(cls_name, cfg, seed):
    torch.manual_seed(seed)
    model = MODEL_CLASSES[cls_name]._from_config(cfg, attn_implementation="eager", dtype=torch.float32)
    rescale_hybrid(model, seed)
    return model.eval()


def load(path, cls_name):
    m = MODEL_CLASSES[cls_name].from_pretrained(path, dtype=torch.float32, attn_implementation="eager")
    return m.eval()


def file_keys(path):
    keys = {}
    for fn in sorted(os.listdir(path)):
        if fn.endswith(".safetensors"):
            with safe_open(os.path.join(path, fn), "pt") as f:
                for k in f.keys():
                    sl = f.get_slice(k)
                    keys[k] = (sl.get_shape(), sl.get_dtype())
    return keys


def fuse_experts(path):
    """Rewrites save_pretrained's per-expert tensors into the released Qwen3.5-MoE layout:
    `mlp.experts.gate_up_proj` [E, 2*I, H] (gate rows, then up rows) and `mlp.experts.down_proj` [E, H, I]."""
    fn = os.path.join(path, "model.safetensors")
    with safe_open(fn, "pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    out, experts = {}, {}
    for k, v in tensors.items():
        if ".mlp.experts." in k:
            pre, rest = k.split(".mlp.experts.")
            e, proj = rest.split(".", 1)
            experts.setdefault(pre, {}).setdefault(proj, {})[int(e)] = v
        else:
            out[k] = v
    for pre, d in experts.items():
        E = len(d["gate_proj.weight"])
        gate = torch.stack([d["gate_proj.weight"][e] for e in range(E)])
        up = torch.stack([d["up_proj.weight"][e] for e in range(E)])
        out[pre + ".mlp.experts.gate_up_proj"] = torch.cat([gate, up], dim=1).contiguous()
        out[pre + ".mlp.experts.down_proj"] = torch.stack([d["down_proj.weight"][e] for e in range(E)]).contiguous()
    save_file(out, fn, metadata=meta)


# ----------------------------------------------------------------------------------------------
# References
# ----------------------------------------------------------------------------------------------
def forward_logits(model, ids):
    with torch.no_grad():
        return model(torch.tensor([ids]), use_cache=False).logits[0].float()


def cached_decode_logits(model, ids):
    """transformers' token-by-token decode with a cache: the first token goes through the chunked DeltaNet
    kernel (no state yet), every later one through the recurrent kernel on the cached state."""
    cache = DynamicCache(config=model.config)
    rows = []
    with torch.no_grad():
        for t in ids:
            out = model(torch.tensor([[t]]), cache=cache, use_cache=True)
            rows.append(out.logits[0, -1].float())
    return torch.stack(rows)


def case_ids(vocab, length, seed):
    g = torch.Generator().manual_seed(seed * 7919 + length)
    return torch.randint(0, vocab, (length,), generator=g).tolist()


def long_cases(model, vocab, seed):
    """Reference logits for the long prompts + their minimum argmax / router margins."""
    cases, lm_gap, router_gap = [], float("inf"), float("inf")
    for length in CASE_LENGTHS:
        ids = case_ids(vocab, length, seed)
        rec = base.RouterRecorder(model)
        logits = forward_logits(model, ids)
        rec.remove()
        _, r = base.topk_margin_ok(logits, 1)
        lm_gap = min(lm_gap, r)
        for k, rl in rec.logits:
            router_gap = min(router_gap, base.topk_margin_ok(rl, k)[1])
        cases.append({"input_ids": ids, "logits": logits})
    return cases, lm_gap, router_gap


def write_reference(path, family, wdtype, ids, logits, greedy, cases, llama_cpp_greedy=None):
    def rows(t, indent):
        return (",\n" + indent).join("[" + ",".join(base.fmt_float(v) for v in row) + "]" for row in t.tolist())

    head = ('{"family": %s, "weights_dtype": %s,\n "input_ids": %s,\n "greedy_ids": %s,\n'
            % (json.dumps(family), json.dumps(wdtype), json.dumps(ids), json.dumps(greedy)))
    if llama_cpp_greedy is not None:
        head += ' "llama_cpp_greedy_ids": %s,\n' % json.dumps(llama_cpp_greedy)
    parts = [head + ' "logits": [\n  %s\n ],\n "cases": [\n' % rows(logits, "  ")]
    parts.append(",\n".join('  {"input_ids": %s,\n   "logits": [\n    %s\n   ]}'
                            % (json.dumps(c["input_ids"]), rows(c["logits"], "    ")) for c in cases))
    parts.append("\n ]}\n")
    text = "".join(parts)
    back = json.loads(text)  # round trip: every float32 comes back bit-exact
    assert torch.equal(torch.tensor(back["logits"], dtype=torch.float32), logits)
    for c, b in zip(cases, back["cases"]):
        assert b["input_ids"] == c["input_ids"] and torch.equal(torch.tensor(b["logits"], dtype=torch.float32), c["logits"])
    with open(os.path.join(path, "reference.json"), "w") as f:
        f.write(text)


def read_reference(path):
    with open(os.path.join(path, "reference.json")) as f:
        ref = json.load(f)
    ref["logits"] = torch.tensor(ref["logits"], dtype=torch.float32)
    for c in ref["cases"]:
        c["logits"] = torch.tensor(c["logits"], dtype=torch.float32)
    return ref


def build_fixture(name, cls_name, wdtype, text_kw, vision_kw, seed):
    path = str(OUT / name)
    for attempt in range(MAX_TRIES):
        s = seed + 1000 * attempt
        cfg = make_config(cls_name, text_kw, vision_kw)
        model = build_model(cls_name, cfg, s)
        vocab = text_config(cfg).vocab_size
        g = torch.Generator().manual_seed(s + 1)
        ids = torch.randint(0, vocab, (1, SEQ), generator=g)
        if os.path.exists(path):
            shutil.rmtree(path)
        mem_model = copy.deepcopy(model)
        if wdtype == "bfloat16":
            model = model.to(torch.bfloat16)
        model.save_pretrained(path)
        if cls_name == "Qwen3_5MoeForConditionalGeneration":
            fuse_experts(path)
        ref = load(path, cls_name)
        with torch.no_grad():  # the files load back to the in-memory model (bf16: to its rounded weights)
            if wdtype == "bfloat16":
                mem_model.load_state_dict({k: v.float() for k, v in model.state_dict().items()})
            d = (forward_logits(mem_model, ids[0].tolist()) - forward_logits(ref, ids[0].tolist())).abs().max().item()
            assert d < 1e-4, d
        logits, greedy, ok, info = base.compute_reference(ref, ids)
        cases, lm_long, router_long = long_cases(ref, vocab, s)
        info["lm_gap_long"], info["router_gap_long"] = lm_long, router_long
        ok = ok and lm_long > LONG_GAP and router_long > LONG_GAP
        print(f"  {name} attempt {attempt} seed {s}: ok={ok} {info}", flush=True)
        if not ok:
            continue
        checks = verify(name, cls_name, ref, path, ids[0].tolist(), logits, cases)
        write_reference(path, family_of(cls_name), wdtype, ids[0].tolist(), logits, greedy, cases)
        with open(os.path.join(path, "config.json")) as f:
            saved = json.load(f)
        assert saved["dtype"] == wdtype and saved["model_type"] == model_type_of(cls_name)
        return dict(seed=s, info=info, checks=checks)
    raise RuntimeError(f"{name}: no seed with clear margins")


def verify(name, cls_name, model, path, ids, logits, cases):
    """transformers' recurrent decode vs its chunked forward, the file layout, and the CausalLM view of the
    VL checkpoint."""
    checks = {}
    step = cached_decode_logits(model, ids)
    scale = logits.abs().max().item()
    d = (step - logits).abs().max().item()
    assert d < 1e-4 * max(scale, 1.0), (name, d)  # float32 rounding only (the float64 check's bound)
    assert torch.equal(step.argmax(-1), logits.argmax(-1))
    checks["cached_decode_12"] = d
    long = cases[-1]
    step = cached_decode_logits(model, long["input_ids"])
    d = (step - long["logits"]).abs().max().item()
    assert d < 1e-4 * max(long["logits"].abs().max().item(), 1.0), (name, d)
    checks["cached_decode_200"] = d
    keys = file_keys(path)
    fused = any(k.endswith("mlp.experts.gate_up_proj") for k in keys)
    per_expert = any(".mlp.experts.0.gate_proj.weight" in k for k in keys)
    if cls_name == "Qwen3_5MoeForConditionalGeneration":
        assert fused and not per_expert and all(k.startswith(("model.language_model.", "model.visual.", "lm_head."))
                                                  for k in keys)
        # AutoModelForCausalLM maps qwen3_5_moe to Qwen3_5MoeForCausalLM (the language model alone)
        lm = transformers.AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager")
        assert type(lm).__name__ == "Qwen3_5MoeForCausalLM"
        d = (forward_logits(lm.eval(), ids) - logits).abs().max().item()
        assert d < 1e-5 * max(scale, 1.0), d
        checks["causal_lm_view"] = d
    else:
        assert per_expert and not fused
    return checks


# ----------------------------------------------------------------------------------------------
# Independent re-implementation (float64, recurrent DeltaNet, only config.json + *.safetensors)
# ----------------------------------------------------------------------------------------------
def independent_logits(path, ids, stats=None, drop_linear=False, reset_state_at=None, routers=None):
    cfg = json.load(open(os.path.join(path, "config.json")))
    tc = cfg.get("text_config") or cfg
    T = base.read_tensors(path)
    pre = "model.language_model." if any(k.startswith("model.language_model.") for k in T) else "model."
    H, nh, nkv, L = tc["hidden_size"], tc["num_attention_heads"], tc["num_key_value_heads"], tc["num_hidden_layers"]
    hd, eps = tc["head_dim"], tc["rms_norm_eps"]
    rp = tc["rope_parameters"]
    rdim = int(hd * rp.get("partial_rotary_factor", 1.0))
    kh, vh = tc["linear_num_key_heads"], tc["linear_num_value_heads"]
    dk, dv, K = tc["linear_key_head_dim"], tc["linear_value_head_dim"], tc["linear_conv_kernel_dim"]
    rep = vh // kh
    E, topk = tc["num_experts"], tc["num_experts_per_tok"]
    qwen3_next = cfg["model_type"] == "qwen3_next"
    n = len(ids)

    def rms(x, w, centred=True):
        y = x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps)
        return y * (1.0 + w) if centred else y * w

    def lin(x, key):
        return x @ T[key].T

    def swiglu(x, p):
        return lin(F.silu(lin(x, p + "gate_proj.weight")) * lin(x, p + "up_proj.weight"), p + "down_proj.weight")

    # partial rotary: rotate-half rope on the first rdim dims of each head, with positions 0..n-1
    # (text-only multimodal rope gives every section the same position, i.e. plain rope)
    inv = (1.0 / (rp["rope_theta"] ** (torch.arange(0, rdim, 2, dtype=torch.int64).float() / rdim))).double()
    ang = torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)

    def rope(x):  # [n, heads, hd]
        xr, xp = x[..., :rdim], x[..., rdim:]
        rot = torch.cat([-xr[..., rdim // 2:], xr[..., :rdim // 2]], -1)
        return torch.cat([xr * cos[:, None] + rot * sin[:, None], xp], -1)

    def l2(x):
        return x / torch.sqrt((x * x).sum(-1, keepdim=True) + 1e-6)

    x = T[pre + "embed_tokens.weight"][ids]
    for l in range(L):
        p = f"{pre}layers.{l}."
        h = rms(x, T[p + "input_layernorm.weight"])
        if tc["layer_types"][l] == "full_attention":
            a = p + "self_attn."
            qg = lin(h, a + "q_proj.weight").view(n, nh, 2 * hd)  # per head: [query (hd) | gate (hd)]
            q, gate = qg[..., :hd], qg[..., hd:].reshape(n, nh * hd)
            q = rope(rms(q, T[a + "q_norm.weight"]))
            k = rope(rms(lin(h, a + "k_proj.weight").view(n, nkv, hd), T[a + "k_norm.weight"]))
            v = lin(h, a + "v_proj.weight").view(n, nkv, hd)
            k, v = k.repeat_interleave(nh // nkv, 1), v.repeat_interleave(nh // nkv, 1)
            sc = torch.einsum("qhd,khd->hqk", q, k) * hd ** -0.5
            sc = sc.masked_fill(~torch.ones(n, n, dtype=torch.bool).tril(), float("-inf")).softmax(-1)
            o = torch.einsum("hqk,khd->qhd", sc, v).reshape(n, nh * hd) * torch.sigmoid(gate)
            x = x + lin(o, a + "o_proj.weight")
        else:
            la = p + "linear_attn."
            if la + "in_proj_qkvz.weight" in T:  # Qwen3-Next: grouped per key head
                P = lin(h, la + "in_proj_qkvz.weight").view(n, kh, 2 * dk + 2 * rep * dv)
                q, k = P[..., :dk], P[..., dk:2 * dk]
                v = P[..., 2 * dk:2 * dk + rep * dv].reshape(n, vh * dv)
                z = P[..., 2 * dk + rep * dv:].reshape(n, vh, dv)
                BA = lin(h, la + "in_proj_ba.weight").view(n, kh, 2 * rep)
                b, al = BA[..., :rep].reshape(n, vh), BA[..., rep:].reshape(n, vh)
                mixed = torch.cat([q.reshape(n, kh * dk), k.reshape(n, kh * dk), v], -1)
            else:  # Qwen3.5: [q | k | v] rows, then z, b, a
                mixed = lin(h, la + "in_proj_qkv.weight")
                z = lin(h, la + "in_proj_z.weight").view(n, vh, dv)
                b, al = lin(h, la + "in_proj_b.weight"), lin(h, la + "in_proj_a.weight")
            w = T[la + "conv1d.weight"][:, 0, :]  # [channels, K], causal depthwise
            xp = torch.cat([torch.zeros(K - 1, mixed.shape[1], dtype=mixed.dtype), mixed], 0)
            conv = sum(w[:, j] * xp[j:j + n] for j in range(K))
            mixed = F.silu(conv)
            q = l2(mixed[:, :kh * dk].view(n, kh, dk)) * dk ** -0.5
            k = l2(mixed[:, kh * dk:2 * kh * dk].view(n, kh, dk))
            v = mixed[:, 2 * kh * dk:].view(n, vh, dv)
            q, k = q.repeat_interleave(rep, 1), k.repeat_interleave(rep, 1)  # value head j reads key head j // rep
            beta = torch.sigmoid(b)
            decay = torch.exp(-torch.exp(T[la + "A_log"]) * F.softplus(al + T[la + "dt_bias"]))
            if stats is not None:
                stats.setdefault(l, []).append(decay)
            S = torch.zeros(vh, dk, dv, dtype=torch.float64)
            o = torch.zeros(n, vh, dv, dtype=torch.float64)
            for t in range(n):
                if reset_state_at is not None and t == reset_state_at:
                    S = torch.zeros_like(S)
                S = S * decay[t][:, None, None]
                delta = (v[t] - torch.einsum("hkv,hk->hv", S, k[t])) * beta[t][:, None]
                S = S + k[t][:, :, None] * delta[:, None, :]
                o[t] = torch.einsum("hkv,hk->hv", S, q[t])
            o = rms(o, T[la + "norm.weight"], centred=False) * F.silu(z)
            if not drop_linear:
                x = x + lin(o.reshape(n, vh * dv), la + "out_proj.weight")
        h = rms(x, T[p + "post_attention_layernorm.weight"])
        moe = (not qwen3_next) or (l not in (tc.get("mlp_only_layers") or []) and E > 0
                                   and (l + 1) % tc.get("decoder_sparse_step", 1) == 0)
        if not moe:
            m = swiglu(h, p + "mlp.")
        else:
            b_ = p + "mlp."
            r = lin(h, b_ + "gate.weight")
            if routers is not None:
                routers.append(r)
            pr = r.softmax(-1)
            tv, ti = pr.topk(topk, -1)
            if tc.get("norm_topk_prob", True):  # Qwen3.5 always renormalises
                tv = tv / tv.sum(-1, keepdim=True)
            fused = b_ + "experts.gate_up_proj" in T
            m = torch.zeros_like(h)
            for t in range(n):
                for wgt, e in zip(tv[t], ti[t].tolist()):
                    if fused:
                        gu = T[b_ + "experts.gate_up_proj"][e] @ h[t]
                        I = gu.shape[0] // 2
                        y = T[b_ + "experts.down_proj"][e] @ (F.silu(gu[:I]) * gu[I:])
                    else:
                        y = swiglu(h[t:t + 1], f"{b_}experts.{e}.")[0]
                    m[t] += wgt * y
            m = m + torch.sigmoid(lin(h, b_ + "shared_expert_gate.weight")) * swiglu(h, b_ + "shared_expert.")
        x = x + m
    x = rms(x, T[pre + "norm.weight"])
    tied = "lm_head.weight" not in T
    assert tied == bool(cfg.get("tie_word_embeddings") or tc.get("tie_word_embeddings"))
    return x @ (T[pre + "embed_tokens.weight"] if tied else T["lm_head.weight"]).T


def independent_check(name, cls_name):
    """Every reference logit and greedy id from the files alone (float64), plus the linear-attention checks and
    transformers' float32 router-logit error on the 200-token prompt (against the LONG_GAP margin)."""
    path = str(OUT / name)
    ref = read_reference(path)
    err = 0.0
    stats = {}
    for ids, R, st in [(ref["input_ids"], ref["logits"], None)] + [(c["input_ids"], c["logits"], stats)
                                                                   for c in ref["cases"]]:
        lg = independent_logits(path, ids, stats=st)
        e = (lg - R.double()).abs().max().item()
        assert e / R.abs().max().item() < 1e-4, (name, len(ids), e)
        assert lg.argmax(-1).tolist() == R.argmax(-1).tolist(), (name, len(ids))
        err = max(err, e)
    seq = list(ref["input_ids"])
    for _ in range(NEW):
        seq.append(int(independent_logits(path, seq)[-1].argmax()))
    assert seq[SEQ:] == ref["greedy_ids"], (name, seq[SEQ:], ref["greedy_ids"])
    # the DeltaNet layers matter: decays spread, and the logits move when their output is dropped or their
    # state is reset at the chunk boundary (position 64) of the 200-token prompt
    long = ref["cases"][-1]
    routers64 = []
    independent_logits(path, long["input_ids"], routers=routers64)
    model = load(path, cls_name)
    rec = base.RouterRecorder(model)
    forward_logits(model, long["input_ids"])
    rec.remove()
    assert len(rec.logits) == len(routers64)
    router_err = max(((r32.double() - r64).abs().max() / r64.abs().max()).item()
                     for (_, r32), r64 in zip(rec.logits, routers64))
    assert router_err < LONG_GAP / 10, (name, router_err)
    R = long["logits"].double()
    spread = R.std(-1).mean().item()
    drop = (independent_logits(path, long["input_ids"], drop_linear=True) - R).abs().max(-1).values
    reset = (independent_logits(path, long["input_ids"], reset_state_at=64) - R).abs().max(-1).values
    assert reset[:64].max().item() < 1e-3 and reset[64:].mean().item() > 0.05 * spread, (name, reset[64:].mean())
    assert drop.mean().item() > 0.3 * spread, (name, drop.mean())
    layers = {}
    for l, ds in sorted(stats.items()):
        d = torch.cat([x.flatten() for x in ds])
        q = torch.quantile(d, torch.tensor([0.05, 0.5, 0.95], dtype=torch.float64)).tolist()
        per_head = torch.cat(ds, 0).median(0).values.tolist()
        assert q[0] < 0.9 and q[2] > 0.9 and max(per_head) > 0.95 and min(per_head) < 0.9, (name, l, q, per_head)
        layers[l] = (q, per_head)
    return dict(err=err, router_err=router_err, logit_std=spread, drop=drop.mean().item(), reset=reset[64:].mean().item(),
                reset_max=reset[64:].max().item(), decays=layers)


# ----------------------------------------------------------------------------------------------
# GGUF (llama.cpp's converter) and llama.cpp
# ----------------------------------------------------------------------------------------------
def llama_cpp_modules(llama_cpp):
    sys.path.insert(0, str(Path(llama_cpp) / "gguf-py"))
    sys.path.insert(0, str(llama_cpp))
    import gguf
    import convert_hf_to_gguf as convert
    from conversion.base import ModelBase, ModelType
    return gguf, convert, ModelBase, ModelType


def convert_gguf(llama_cpp, name, target, vocab_none=False):
    """llama.cpp's converter class for the fixture's architecture, outtype f32 (F32 tensors only), without
    the MTP block (the fixtures have none) and without a vocabulary (the fixtures have no tokenizer); with
    vocab_none, the file says `tokenizer.ggml.model = none` + `<arch>.vocab_size`, which llama.cpp needs to
    load a vocabulary-less model."""
    gguf, convert, ModelBase, ModelType = llama_cpp_modules(llama_cpp)
    folder = OUT / name
    hparams = ModelBase.load_hparams(folder, False)
    arch = convert.get_model_architecture(hparams, ModelType.TEXT)
    cls = convert.get_model_class(arch, mmproj=False)
    vocab = (hparams.get("text_config") or hparams)["vocab_size"]

    class WithoutVocabulary(cls):
        model_arch = cls.model_arch
        no_mtp = True

        def set_vocab(self):
            if vocab_none:
                self.gguf_writer.add_tokenizer_model("none")
                self.gguf_writer.add_vocab_size(vocab)

    model = WithoutVocabulary(folder, gguf.LlamaFileType.ALL_F32, Path(target), eager=True)
    model.write()
    return arch


def gguf_summary(llama_cpp, path):
    gguf, *_ = llama_cpp_modules(llama_cpp)
    r = gguf.GGUFReader(str(path))
    meta = []
    for k, f in r.fields.items():
        if k.startswith("GGUF.") or k.startswith("tokenizer.ggml.tokens"):
            continue
        v = f.contents()
        meta.append((k, v))
    tensors = [(t.name, [int(x) for x in t.shape], t.tensor_type.name) for t in r.tensors]
    assert all(t[2] == "F32" for t in tensors), "outtype f32 writes F32 tensors only"
    return meta, tensors


def check_gguf_tensors(llama_src, name, path):
    """The tensor transformations the README lists, checked on the converted file against the checkpoint."""
    gguf, *_ = llama_cpp_modules(llama_src)
    G = {t.name: torch.from_numpy(t.data.copy()).double() for t in gguf.GGUFReader(str(path)).tensors}
    folder = str(OUT / name)
    T = base.read_tensors(folder)
    cfg = json.load(open(os.path.join(folder, "config.json")))
    tc = cfg.get("text_config") or cfg
    kh, vh, dk, dv = (tc["linear_num_key_heads"], tc["linear_num_value_heads"], tc["linear_key_head_dim"],
                      tc["linear_value_head_dim"])
    rep, H = vh // kh, tc["hidden_size"]

    def same(a, b):
        assert a.shape == b.shape and torch.equal(a, b), (name, a.shape, b.shape)

    def tiled(t, width):  # value heads grouped by key head -> tiled (llama.cpp's Qwen3.5 reorder)
        if rep == 1:
            return t
        return t.reshape(kh, rep, width, *t.shape[1:]).transpose(0, 1).reshape(t.shape)

    same(G["token_embd.weight"], T["model.embed_tokens.weight"])
    same(G["output_norm.weight"], 1 + T["model.norm.weight"])
    for l, kind in enumerate(tc["layer_types"]):
        p, b = f"model.layers.{l}.", f"blk.{l}."
        same(G[b + "attn_norm.weight"], 1 + T[p + "input_layernorm.weight"])
        same(G[b + "post_attention_norm.weight"], 1 + T[p + "post_attention_layernorm.weight"])
        if kind == "full_attention":
            a = p + "self_attn."
            same(G[b + "attn_q.weight"], T[a + "q_proj.weight"])  # query + gate rows, interleaved per head
            same(G[b + "attn_q_norm.weight"], 1 + T[a + "q_norm.weight"])
            same(G[b + "attn_k_norm.weight"], 1 + T[a + "k_norm.weight"])
            for g_, h_ in (("attn_k", "k_proj"), ("attn_v", "v_proj"), ("attn_output", "o_proj")):
                same(G[b + g_ + ".weight"], T[a + h_ + ".weight"])
            continue
        la = p + "linear_attn."
        same(G[b + "ssm_norm.weight"], T[la + "norm.weight"])
        if la + "in_proj_qkvz.weight" in T:  # Qwen3-Next: regrouped, value heads stay grouped, ba untouched
            W = T[la + "in_proj_qkvz.weight"].view(kh, 2 * dk + 2 * rep * dv, H)
            q, k = W[:, :dk].reshape(-1, H), W[:, dk:2 * dk].reshape(-1, H)
            v, z = W[:, 2 * dk:2 * dk + rep * dv].reshape(-1, H), W[:, 2 * dk + rep * dv:].reshape(-1, H)
            same(G[b + "attn_qkv.weight"], torch.cat([q, k, v]))
            same(G[b + "attn_gate.weight"], z)
            same(G[b + "ssm_ba.weight"], T[la + "in_proj_ba.weight"])
            same(G[b + "ssm_a"], -torch.exp(T[la + "A_log"].float()).double())
            same(G[b + "ssm_dt.bias"], T[la + "dt_bias"])
            same(G[b + "ssm_conv1d.weight"], T[la + "conv1d.weight"][:, 0])
            same(G[b + "ssm_out.weight"], T[la + "out_proj.weight"])
        else:  # Qwen3.5: separate projections, value heads reordered grouped -> tiled when kh < vh
            W = T[la + "in_proj_qkv.weight"]
            same(G[b + "attn_qkv.weight"], torch.cat([W[:2 * kh * dk], tiled(W[2 * kh * dk:], dv)]))
            same(G[b + "attn_gate.weight"], tiled(T[la + "in_proj_z.weight"], dv))
            same(G[b + "ssm_beta.weight"], tiled(T[la + "in_proj_b.weight"], 1))
            same(G[b + "ssm_alpha.weight"], tiled(T[la + "in_proj_a.weight"], 1))
            same(G[b + "ssm_a"], tiled(-torch.exp(T[la + "A_log"].float()).double(), 1))
            same(G[b + "ssm_dt.bias"], tiled(T[la + "dt_bias"], 1))
            c = T[la + "conv1d.weight"][:, 0]
            same(G[b + "ssm_conv1d.weight"], torch.cat([c[:2 * kh * dk], tiled(c[2 * kh * dk:], dv)]))
            same(G[b + "ssm_out.weight"], tiled(T[la + "out_proj.weight"].T, dv).T)
    for l in range(len(tc["layer_types"])):
        p, b = f"model.layers.{l}.mlp.", f"blk.{l}."
        for proj in ("gate", "up", "down"):
            same(G[b + f"ffn_{proj}_exps.weight"],
                 torch.stack([T[p + f"experts.{e}.{proj}_proj.weight"] for e in range(tc["num_experts"])]))
            same(G[b + f"ffn_{proj}_shexp.weight"], T[p + f"shared_expert.{proj}_proj.weight"])
        same(G[b + "ffn_gate_inp.weight"], T[p + "gate.weight"])
        same(G[b + "ffn_gate_inp_shexp.weight"], T[p + "shared_expert_gate.weight"])
    assert ("output.weight" in G) == ("lm_head.weight" in T)
    if "lm_head.weight" in T:
        same(G["output.weight"], T["lm_head.weight"])


def run_llama_cpp(path, ids, n_new):
    """llama.cpp's logits for `ids` (one batch, float32 KV cache) and its greedy continuation (one token per
    decode)."""
    import numpy as np
    from llama_cpp import Llama
    # float32 KV cache (type 0 = GGML_TYPE_F32; llama.cpp's default f16 cache adds ~1e-3 to the logits here)
    m = Llama(model_path=str(path), n_ctx=len(ids) + n_new + 8, n_batch=256, n_ubatch=256, logits_all=True,
              n_threads=2, n_threads_batch=2, type_k=0, type_v=0, verbose=False)
    m.reset()
    m.eval(ids)
    logits = torch.tensor(np.array(m.scores[:len(ids)]), dtype=torch.float32)
    greedy = []
    nxt = int(logits[-1].argmax())
    for _ in range(n_new):
        greedy.append(nxt)
        m.eval([nxt])
        nxt = int(np.argmax(m.scores[m.n_tokens - 1]))
    m.close()
    return logits, greedy


def print_gguf_summary(path, arch, meta, tensors):
    print(f"{path.relative_to(ROOT)} ({path.stat().st_size} bytes) from {arch}:")
    for k, v in meta:
        print(f"  {k} = {v!r}")
    for t, shp, ty in tensors:
        print(f"  {t}  {shp}  {ty}")


def gguf_stage(llama_src, names):
    GGUF_OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("GGML_NO_BACKTRACE", "1")  # a failed GGML_ASSERT aborts instead of waiting on gdb
    try:
        import llama_cpp  # noqa: F401
        have_llama = True
    except ImportError:
        have_llama = False
        print("llama-cpp-python not importable: skipping the llama.cpp run", flush=True)
    out = {}
    for name in names:
        target = GGUF_OUT / f"{name}-f32.gguf"
        arch = convert_gguf(llama_src, name, target)
        meta, tensors = gguf_summary(llama_src, target)
        print_gguf_summary(target, arch, meta, tensors)
        check_gguf_tensors(llama_src, name, target)
        entry = dict(arch=arch, meta=meta, tensors=tensors, size=target.stat().st_size)
        if have_llama:
            ref = read_reference(str(OUT / name))
            with tempfile.TemporaryDirectory() as tmp:
                tmp_path = Path(tmp) / "model.gguf"
                convert_gguf(llama_src, name, tmp_path, vocab_none=True)
                lg, greedy = run_llama_cpp(tmp_path, ref["input_ids"], NEW)
                long = ref["cases"][-1]
                lg_long, _ = run_llama_cpp(tmp_path, long["input_ids"], 0)
            rel = (torch.linalg.vector_norm(lg - ref["logits"], dim=-1)
                   / torch.linalg.vector_norm(ref["logits"], dim=-1)).max().item()
            entry.update(llama_max_abs=(lg - ref["logits"]).abs().max().item(), llama_rel_l2=rel,
                         llama_greedy=greedy, llama_argmax_equal=lg.argmax(-1).tolist() == ref["logits"].argmax(-1).tolist(),
                         llama_long_max_abs=(lg_long - long["logits"]).abs().max().item(),
                         llama_long_argmax=(lg_long.argmax(-1) == long["logits"].argmax(-1)).float().mean().item())
            print(f"  llama.cpp {name}: 12 tokens max |dlogit| {entry['llama_max_abs']:.3g} (rel L2 {rel:.3g}), greedy "
                  f"{greedy} (transformers {ref['greedy_ids']}); 200 tokens max |dlogit| "
                  f"{entry['llama_long_max_abs']:.3g}, argmax agreement {entry['llama_long_argmax']:.3f}", flush=True)
            write_reference(str(OUT / name), ref["family"], ref["weights_dtype"], ref["input_ids"], ref["logits"],
                            ref["greedy_ids"], ref["cases"], llama_cpp_greedy=greedy)
        out[name] = entry
    return out


# ----------------------------------------------------------------------------------------------
# README
# ----------------------------------------------------------------------------------------------
SECTION = "## Hybrid linear-attention fixtures (Qwen3-Next, Qwen3.5-MoE)"


def table_rows():
    return [f"| `{name}` | {family_of(cls_name)} | {wdtype} | {desc} |"
            for name, cls_name, wdtype, _, _, _, desc in FIXTURES]


def model_type_of(cls_name):
    return {"Qwen3NextForCausalLM": "qwen3_next", "Qwen3_5MoeForCausalLM": "qwen3_5_moe_text",
            "Qwen3_5MoeForConditionalGeneration": "qwen3_5_moe"}[cls_name]


def family_of(cls_name):
    """The architecture a fixture covers: Qwen3.5-MoE's text-only checkpoints (`qwen3_5_moe_text`)
    and its released multimodal layout (`qwen3_5_moe`) are one family in two layouts."""
    return {"qwen3_5_moe_text": "qwen3_5_moe"}.get(model_type_of(cls_name), model_type_of(cls_name))


def update_readme(results, indep, ggufs):
    """Adds this script's rows to the fixtures table and (re)writes its section after base.README_KEEP_MARKER
    (make_model_fixtures.py keeps both when it regenerates the README)."""
    path = OUT / "README.md"
    head = path.read_text().partition("\n" + base.README_KEEP_MARKER + "\n")[0]
    names = {f"`{f[0]}`" for f in FIXTURES}
    lines = [ln for ln in head.rstrip("\n").split("\n")
             if not (ln.startswith("| `") and ln.split(" | ")[0][2:] in names)]
    last_row = max(i for i, ln in enumerate(lines) if ln.startswith("| `"))
    lines[last_row + 1:last_row + 1] = table_rows()
    # Sections other scripts append after this one (make_deepseek_fixtures.py's) are kept.
    later = path.read_text().partition("\n## DeepSeek latent-attention fixtures")
    tail = later[1] + later[2] if later[1] else ""
    path.write_text("\n".join(lines) + "\n\n" + base.README_KEEP_MARKER + "\n\n" + hybrid_section(results, indep, ggufs) + tail)


def tensor_block(name, pick):
    rows = base.layer_tensor_listing(str(OUT / name))
    lines = ["```"]
    for k, shp, dt in rows:
        if pick(k):
            lines.append(f"{k}  {shp}  {dt}")
    lines.append("```")
    return "\n".join(lines)


def hybrid_section(results, indep, ggufs):
    L = [SECTION, "", HYBRID_INTRO.strip(), "", "Verified while generating (asserted in the script):", ""]
    for name, *_ in FIXTURES:
        r, ind = results[name], indep[name]
        i, c = r["info"], r["checks"]
        L.append(f"- `{name}` (seed {r['seed']}): margins lm {i['lm_gap']:.3g} / router {i['router_gap']:.3g} "
                 f"(12-token prompt + greedy), lm {i['lm_gap_long']:.3g} / router {i['router_gap_long']:.3g} "
                 f"(every position of the long prompts); cached decode vs one-pass forward max |dlogit| "
                 f"{c['cached_decode_12']:.2g} (12 tokens), {c['cached_decode_200']:.2g} (200 tokens)"
                 + ("; AutoModelForCausalLM (Qwen3_5MoeForCausalLM, the language model alone) reproduces it "
                    + ("bit-identically" if c["causal_lm_view"] == 0 else f"to {c['causal_lm_view']:.2g}")
                    if "causal_lm_view" in c else "")
                 + f"; float64 re-implementation max |dlogit| {ind['err']:.2g} (router logits on the 200-token "
                 f"prompt: max relative error {ind['router_err']:.1g}); logits std {ind['logit_std']:.2f}, "
                 f"dropping the DeltaNet outputs moves them by {ind['drop']:.2f} (mean max per position), resetting "
                 f"the DeltaNet state at position 64 by {ind['reset']:.2f} (max {ind['reset_max']:.2f}); decay "
                 "quantiles 5/50/95% per linear layer: "
                 + ", ".join(f"L{l} {q[0]:.2f}/{q[1]:.2f}/{q[2]:.3f}" for l, (q, _) in ind["decays"].items()))
    L.append("")
    L.append(HYBRID_NAMES.strip())
    L.append("")
    shown = [("qwen3_next-base", "layer 0 linear-attention + MoE, layer 1 linear-attention + dense MLP, layer 3 "
              "full attention (its MoE as layer 0)",
              lambda k: (".layers." not in k or ".layers.0." in k or ".layers.1." in k or
                         (".layers.3." in k and ".mlp." not in k)) and (".experts." not in k or ".experts.0." in k)),
             ("qwen3_5_moe-text", "layer 0 linear-attention + MoE, layer 3 full attention",
              lambda k: (".layers." not in k or ".layers.0." in k or (".layers.3." in k and ".mlp." not in k))
              and (".experts." not in k or ".experts.0." in k)),
             ("qwen3_5_moe-vl", "layer 0 linear-attention + fused MoE, layer 3 full attention, the vision tower",
              lambda k: (".layers." not in k or ".layers.0." in k or (".layers.3." in k and ".mlp." not in k)))]
    for name, what, pick in shown:
        L.append(f"### `{name}` — {what}")
        L.append("")
        L.append(tensor_block(name, pick))
        if name != "qwen3_5_moe-vl":
            L.append("(`experts.0` shown; `experts.1` … `experts.{E-1}` follow the same pattern.)")
        L.append("")
    L.append(HYBRID_CONFIG.strip())
    L.append("")
    L.append(HYBRID_MATH.strip())
    L.append("")
    if ggufs:
        L.append(gguf_section(ggufs))
    return "\n".join(L) + "\n"


def gguf_section(ggufs):
    L = ["### GGUF conversions (`Tests/Fixtures/gguf-models/<fixture>-f32.gguf`)", "", GGUF_INTRO.strip(), ""]
    for name, g in ggufs.items():
        meta = dict(g["meta"])
        L.append(f"#### `{name}-f32.gguf` — `{meta['general.architecture']}` (from `{g['arch']}`, {g['size']} bytes)")
        L.append("")
        if "llama_max_abs" in g:
            ref = read_reference(str(OUT / name))
            same = g["llama_greedy"] == ref["greedy_ids"]
            L.append(f"llama.cpp on the 12-token prompt: max |logit - transformers| {g['llama_max_abs']:.2g}, max "
                     f"relative L2 per position {g['llama_rel_l2']:.2g}, argmax "
                     f"{'equal at every position' if g['llama_argmax_equal'] else 'DIFFERS at some position'}; "
                     f"greedy (`llama_cpp_greedy_ids`) {g['llama_greedy']} "
                     + ("= transformers'" if same else f"(transformers {ref['greedy_ids']})")
                     + f". On the 200-token prompt: max |logit - transformers| {g['llama_long_max_abs']:.2g}, argmax "
                     f"equal at {100 * g['llama_long_argmax']:.0f}% of the positions.")
            L.append("")
        L.append("```")
        for k, v in g["meta"]:
            L.append(f"{k} = {json.dumps(v) if not isinstance(v, float) else repr(v)}")
        L.append("```")
        L.append("")
        recurrent = next(v for k, v in g["meta"] if k.endswith(".attention.recurrent_layers"))
        full = recurrent.index(False)
        L.append("```")
        for t, shp, ty in g["tensors"]:
            if not t.startswith("blk.") or t.startswith(("blk.0.", f"blk.{full}.")):
                L.append(f"{t}  {shp}  {ty}")
        L.append("```")
        L.append(f"(globals, block 0 (DeltaNet) and block {full} (full attention); the other blocks repeat these "
                 "names; GGUF shapes list the fastest dimension first, i.e. PyTorch's reversed)")
        L.append("")
    return "\n".join(L)


HYBRID_INTRO = """
Made by `scripts/make_hybrid_fixtures.py` (transformers 5.25.0, torch 2.13.0, CPU, float32, eager attention;
GGUF: llama.cpp's convert_hf_to_gguf.py and gguf-py of llama-cpp-python 0.3.36). Same rules as above (random
weights rescaled by make_model_fixtures.py's `rescale_weights`, seeds bumped until the margins hold, reference =
`from_pretrained(folder, dtype=float32, attn_implementation="eager")` on the saved folder), plus:

* `reference.json` also has `"cases": [{"input_ids": [...], "logits": [[vocab floats] per position]}, ...]`:
  one-pass forwards (`model(ids, use_cache=False)`, no cache, so transformers runs its chunked DeltaNet kernel)
  of prompts of 1, 63, 64, 65 and 200 random tokens (the chunk is 64 tokens: 63/64/65 sit on the first boundary,
  200 = 3 chunks + 8). Floats as in `"logits"` (float32, 9 significant digits). GGUF-converted fixtures also have
  `"llama_cpp_greedy_ids"`: llama.cpp's greedy continuation of `input_ids` (see below).
* Margins: as above (1e-3 relative) on the 12-token prompt and the greedy steps; 1e-4 relative for the argmax and
  every router's top-k at every position of the long prompts (1e-3 cannot hold at ~400 positions x 3-4 routers;
  transformers' float32 router logits are within ~4e-6 relative of the float64 re-implementation's, asserted
  < 1e-5, so a float32 engine keeps every expert choice; a flipped one would move every later position through
  the attention and the DeltaNet state).
* transformers' token-by-token cached decode (first token: chunked kernel on one token; then the recurrent kernel
  on the cached conv and recurrent states) reproduces the one-pass logits of the 12-token prompt and of the
  200-token prompt (asserted, not stored).
* Weights of the linear-attention layers (chosen so they matter): `A_log = log A` with A log-uniform in
  [0.01, 1] per value head (stratified: one head in each 1/vh of the log range), `dt_bias ~ N(0, 0.5^2)`, `in_proj_a` / `in_proj_b` (`in_proj_ba`) std 1/sqrt(hidden) (a, b ~ N(0,1)),
  so the per-token decay `exp(-A softplus(a + dt_bias))` spans ~0.3 to ~0.995 (memories from 1 token to a few
  chunks; `0.99^64 = 0.53`, so the state crosses chunk boundaries) and `beta = sigmoid(b)` ~0.2..0.8; conv1d
  weights std 1/sqrt(kernel); other projections std 1/sqrt(fan_in). Zero-centred RMSNorm weights (every
  RMSNorm of these families except the DeltaNet output norm, see below) are stored as `0.3*randn` so that the
  effective scale `1 + w` matches the other fixtures' `1 + 0.3*randn`; the DeltaNet output norm (`w * x/rms`)
  has `1 + 0.3*randn`.
* An independent float64 re-implementation of the math below (recurrent DeltaNet, reads only config.json +
  *.safetensors) reproduces every logit of `"logits"` and `"cases"` and the greedy ids; with it the script checks
  that the DeltaNet layers matter: dropping their output, or resetting their state at position 64 of the
  200-token prompt, moves the logits (identical before 64).
* The generic `ModelFixture` loader reads the top-level keys; `"family"` is the architecture: the config's
  `model_type`, except that Qwen3.5-MoE's two layouts (`qwen3_5_moe_text`, `qwen3_5_moe`) are both `qwen3_5_moe`.
* `generate(..., pad_token_id=0)` (make_model_fixtures.py's reference call) masks prompt tokens equal to 0 as
  padding (the DeltaNet layers then zero their inputs too); seeds where that changes the greedy ids fail the
  full-forward consistency check and are skipped, so every stored greedy id is the plain argmax.
"""

HYBRID_NAMES = """
### Weight names (transformers 5.25 `save_pretrained`)

* In memory every family keeps fused experts (`mlp.experts.gate_up_proj [E, 2I, H]`, gate rows first;
  `mlp.experts.down_proj [E, H, I]`). `save_pretrained` writes **per-expert** tensors
  (`mlp.experts.e.{gate,up,down}_proj.weight`) for `qwen3_next` (conversion mapping qwen3_next -> qwen2_moe) **and**
  for `qwen3_5_moe_text` / `qwen3_5_moe` (mapping qwen3_5_moe_text = qwen3_5_text prefix change + qwen2_moe).
  The released Qwen3.5-MoE checkpoints (Qwen/Qwen3.5-35B-A3B etc.) store the **fused** form under
  `model.language_model.layers.L.mlp.experts.gate_up_proj` / `.down_proj` (no `.weight` suffix), so the script
  rewrites `qwen3_5_moe-vl` into that layout (asserted: transformers loads it back to the same logits). Engines
  should accept both layouts for every family.
* Qwen3-Next linear attention: `linear_attn.in_proj_qkvz.weight [kh*(2dk + 2(vh/kh)dv), H]` **grouped per key
  head**: rows of key head g are `[q_g (dk) | k_g (dk) | v_g ((vh/kh)*dv) | z_g ((vh/kh)*dv)]`, g = 0..kh-1
  (not `[all q | all k | all v | all z]`); `linear_attn.in_proj_ba.weight [2*vh, H]` likewise grouped:
  `[b_g (vh/kh) | a_g (vh/kh)]` per key head. Value head j = g*(vh/kh) + i belongs to key head g = j / (vh/kh).
* Qwen3.5 linear attention: separate `in_proj_qkv.weight [2*kh*dk + vh*dv, H]` (rows `[all q | all k | all v]`,
  head-major), `in_proj_z.weight [vh*dv, H]`, `in_proj_b.weight [vh, H]`, `in_proj_a.weight [vh, H]`.
* Both: `conv1d.weight [2*kh*dk + vh*dv, 1, K]` (channels in `[q | k | v]` order, no bias), `A_log [vh]`,
  `dt_bias [vh]` (no `.weight` suffix on either), `norm.weight [dv]` (shared by all value heads),
  `out_proj.weight [H, vh*dv]`.
* Full attention: `self_attn.q_proj.weight [2*nh*hd, H]` holds query **and output gate interleaved per head**:
  rows `h*2hd .. h*2hd+hd-1` are head h's query, the next hd rows its gate (not `[all queries | all gates]`);
  `k_proj [nkv*hd, H]`, `v_proj [nkv*hd, H]`, `o_proj [H, nh*hd]`, `q_norm` / `k_norm [hd]`.
* MoE: `mlp.gate.weight [E, H]`, experts as above, `mlp.shared_expert.{gate,up,down}_proj.weight`,
  `mlp.shared_expert_gate.weight [1, H]`; dense layers `mlp.{gate,up,down}_proj.weight` with `intermediate_size`.
* `qwen3_5_moe` (VL): everything of the language model under `model.language_model.` (`embed_tokens`, `layers`,
  `norm`), `lm_head.weight` at the top, the vision tower under `model.visual.` (skip it for text).
* Tied embeddings (`qwen3_next-bf16`, `qwen3_next-allmoe`): no `lm_head.weight`.
"""

HYBRID_CONFIG = """
### Config keys

* `qwen3_next` (top level) and `qwen3_5_moe_text` (top level, or `text_config` of `qwen3_5_moe`):
  `hidden_size`, `num_hidden_layers`, `layer_types` (list of `"linear_attention"` / `"full_attention"`; hub configs
  may instead only have `full_attention_interval` (default 4): layer l is full attention iff (l+1) % interval == 0),
  `num_attention_heads`, `num_key_value_heads`, `head_dim`, `rope_parameters: {"rope_type": "default",
  "rope_theta", "partial_rotary_factor"}` (rotary dims = int(head_dim * factor); hub v4 configs put
  `rope_theta` / `partial_rotary_factor` at the top level), `rms_norm_eps`, `vocab_size`, `tie_word_embeddings`,
  `linear_num_key_heads` (kh), `linear_num_value_heads` (vh, a multiple of kh), `linear_key_head_dim` (dk),
  `linear_value_head_dim` (dv), `linear_conv_kernel_dim` (K), `num_experts`, `num_experts_per_tok`,
  `moe_intermediate_size`, `shared_expert_intermediate_size`.
* `qwen3_next` only: `norm_topk_prob`, `decoder_sparse_step`, `mlp_only_layers`, `intermediate_size` (dense layers).
  `qwen3_5_moe_text` has none of these: every layer is MoE and top-k weights are always renormalised.
* `qwen3_5_moe`: `text_config` (above, `model_type: qwen3_5_moe_text`), `vision_config`, `image_token_id`,
  `video_token_id`, `vision_start_token_id`, `vision_end_token_id`, top-level `tie_word_embeddings`. Its
  `rope_parameters` may have `mrope_section` (sums to rotary_dims/2) and `mrope_interleaved`: multimodal rope,
  which for text-only input (all sections at the same position) is plain rope.
"""

HYBRID_MATH = r"""
### Forward math (verified against modeling_qwen3_next.py / modeling_qwen3_5_moe.py by the float64 re-implementation)

* Zero-centred RMSNorm (input/post-attention layernorms, final norm, q_norm, k_norm):
  `y = (1 + w) * x / sqrt(mean(x^2) + eps)` (float32). The DeltaNet output norm is **not** zero-centred.
* Decoder layer: `h += Mixer(RMSNorm(h))` with Mixer = DeltaNet or gated attention by `layer_types[l]`, then
  `h += MLP(RMSNorm(h))`; `logits = lm_head(RMSNorm(h))`.
* Gated full attention: `[q_h | g_h] = rows of Wq x` per head (interleaved, above); `q_h = RMSNorm_c(q_h; q_norm)`,
  `k = RMSNorm_c(Wk x; k_norm)` per head, `v = Wv x`; rope (rotate-half, positions 0..n-1,
  `inv_freq[i] = theta^(-2i/r)`, i < r/2) on the first r = int(head_dim * partial_rotary_factor) dims of each
  q/k head only, the rest pass through; causal softmax(q.k / sqrt(head_dim)) with GQA (query head h uses kv head
  h / (nh/nkv)); `o = concat_h(attn_h) * sigmoid(concat_h(g_h))`; `out = Wo o`.
* Gated DeltaNet (per token t; x = the normed hidden state):
  1. projections: Qwen3-Next splits `in_proj_qkvz x` / `in_proj_ba x` per key-head group (above) and concatenates
     `mixed = [q (kh*dk) | k (kh*dk) | v (vh*dv)]`; Qwen3.5: `mixed = in_proj_qkv x`, `z = in_proj_z x`,
     `b = in_proj_b x`, `a = in_proj_a x`.
  2. causal depthwise conv over time, per channel c: `mixed'_t[c] = silu(sum_{j<K} w[c, j] * mixed_{t-K+1+j}[c])`
     (zeros before the first token; the decode state is the last K-1 inputs `mixed`, before the conv).
  3. split mixed' into q [kh, dk], k [kh, dk], v [vh, dv]; `q = q / sqrt(|q|^2 + 1e-6) / sqrt(dk)`,
     `k = k / sqrt(|k|^2 + 1e-6)` per head (L2, eps inside the root); value head j uses key head j / (vh/kh)
     (repeat_interleave: consecutive value heads share a key head).
  4. `beta = sigmoid(b)`, `decay = exp(-exp(A_log) * softplus(a + dt_bias))` per value head (float32).
  5. state S_j [dk, dv] (zeros at the start): `S = decay * S`; `delta = beta * (v_j - S^T k)`;
     `S = S + k delta^T`; `o_j = S^T q` (q already scaled by 1/sqrt(dk)).
     (transformers' one-pass kernel computes the same in chunks of 64 tokens; the two agree to float32
     rounding, <= ~3e-5 relative on these logits.)
  6. `o_j = norm.weight * o_j / sqrt(mean(o_j^2) + eps) * silu(z_j)` per value head (z_j = rows j*dv.. of z),
     `out = out_proj concat_j(o_j)`.
* MoE: `p = softmax(Wg x)` (float32) over all experts, top-k by p, weights `p_topk / sum(p_topk)` (Qwen3-Next:
  only if `norm_topk_prob`; Qwen3.5: always), `y = sum w_e * down_e(silu(gate_e x) * up_e x) +
  sigmoid(shared_expert_gate . x) * shared_expert(x)`. Qwen3-Next layer l is MoE iff `l not in mlp_only_layers`
  and `(l+1) % decoder_sparse_step == 0` (else a dense SwiGLU MLP of `intermediate_size`); Qwen3.5: every layer.
"""

GGUF_INTRO = """
`convert_gguf` in scripts/make_hybrid_fixtures.py: llama.cpp's converter classes (Qwen3NextModel -> `qwen3next`,
Qwen3_5MoeTextModel -> `qwen35moe`), outtype f32 (every tensor F32), no MTP block (`no_mtp`: the fixtures have none
and the class otherwise asserts one), no vocabulary (`set_vocab` skipped, as in make_gguf_model_fixtures.py).
What the converter does to the tensors (each checked on the files by `check_gguf_tensors`):

* zero-centred norm weights are stored as `1 + w` (`attn_norm`, `post_attention_norm`, `output_norm`,
  `attn_q_norm`, `attn_k_norm`); `ssm_norm` (the DeltaNet output norm) is copied as is.
* `ssm_a = -exp(A_log)`; `dt_bias` -> `ssm_dt.bias`; `conv1d.weight [C,1,K]` -> `ssm_conv1d.weight` (GGUF [K, C]).
* `attn_q` = `q_proj` unchanged (query and gate rows interleaved per head, 2*nh*hd rows).
* Qwen3-Next: `in_proj_qkvz` is regrouped into `attn_qkv` = `[all q | all k | all v]` (value heads keep the
  grouped order j = g*(vh/kh) + i) + `attn_gate` (z, same order); `in_proj_ba` is copied unchanged as `ssm_ba`
  (still grouped per key head: `[b_g | a_g]` for g = 0..kh-1).
* Qwen3.5: `in_proj_qkv` -> `attn_qkv`, `in_proj_z` -> `attn_gate`, `in_proj_b` -> `ssm_beta`, `in_proj_a` ->
  `ssm_alpha`; when kh < vh the value heads of the v rows of `attn_qkv`, of `attn_gate`, `ssm_beta`, `ssm_alpha`,
  `ssm_a`, `ssm_dt.bias`, of the v channels of `ssm_conv1d` and of the columns of `ssm_out` are reordered from
  grouped (`[g0v0, g0v1, g1v0, g1v1]`) to tiled (`[g0v0, g1v0, g0v1, g1v1]`): in a qwen35moe GGUF value head j uses
  key head j % kh (in the safetensors, j / (vh/kh)).
* experts stacked into `ffn_{gate,up,down}_exps` (fused `gate_up_proj` is split the same way), shared expert
  `ffn_{gate,up,down}_shexp`, `shared_expert_gate` -> `ffn_gate_inp_shexp` (GGUF [H, 1]); tied embeddings: no
  `output.weight`.
* metadata: `ssm.state_size` = dk, `ssm.group_count` = kh, `ssm.time_step_rank` = vh, `ssm.inner_size` = vh*dv
  (so dv = inner_size / time_step_rank), `ssm.conv_kernel` = K, `attention.recurrent_layers` (from
  `layer_types`; `full_attention_interval` is written as 4 whatever the layers), `rope.dimension_count` =
  int(head_dim * partial_rotary_factor), `feed_forward_length` = `intermediate_size` (unused when every layer is
  MoE); qwen35moe adds `rope.dimension_sections` (`mrope_section` + a 0, or [11, 11, 10, 0] when the config has
  none).

Limits met on the way (why the converted fixtures are `qwen3_next-allmoe` and `qwen3_5_moe-text`):

* `qwen3_next-base` / `-bf16` do not convert: the qwen3next converter maps no dense MLP layer
  ("Can not map tensor 'model.layers.1.mlp.down_proj.weight'"; llama.cpp's qwen3next graph has MoE in every layer).
* llama.cpp's qwen3next and qwen35moe graphs take the value head dim from `ssm.state_size` (= dk), so they need
  dv == dk; the converter writes dv != dk files (e.g. from `qwen3_5_moe-vl`: state_size 12, inner_size 32 = 4 x 8)
  that llama.cpp cannot load. Both converted fixtures have dv == dk.
* without `mrope_section`, the converter writes `dimension_sections = [11, 11, 10, 0]`, which llama.cpp rejects
  for fewer than 32 rotary dims (`GGML_ASSERT(sect_dims <= ne0)` in its rope): `qwen3_5_moe-text` has
  `mrope_section: [1, 1, 0]` like the released configs have theirs.
* `qwen3_5_moe-vl` converts too (prefix `model.language_model.` dropped, `model.visual.` skipped, fused experts
  split), not committed.

llama.cpp (llama-cpp-python 0.3.36) runs a temporary copy of each file with `tokenizer.ggml.model = "none"` and
`<arch>.vocab_size` (it needs a tokenizer model to load), one batch for the prompt, float32 KV cache (its default
f16 cache adds ~1e-3 here), then one token per decode for the greedy continuation.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-gguf", action="store_true", help="skip the GGUF conversion and the llama.cpp run")
    ap.add_argument("names", nargs="*", help="only these fixtures (and their GGUFs); README.md is not rewritten")
    a = ap.parse_args()
    results, indep = {}, {}
    for name, cls_name, wdtype, text_kw, vision_kw, seed, _ in FIXTURES:
        if a.names and name not in a.names:
            continue
        print(f"[{name}] {cls_name} {wdtype}", flush=True)
        results[name] = build_fixture(name, cls_name, wdtype, text_kw, vision_kw, seed)
        indep[name] = independent_check(name, cls_name)
        print(f"  independent float64 check: {indep[name]}", flush=True)
    ggufs = {}
    if not a.no_gguf:
        if "LLAMA_CPP" not in os.environ:
            sys.exit("set LLAMA_CPP to llama.cpp's source tree (or pass --no-gguf)")
        ggufs = gguf_stage(os.environ["LLAMA_CPP"], [n for n in GGUF_FIXTURES if n in results])
    if not a.names:
        update_readme(results, indep, ggufs)
    print("done")


if __name__ == "__main__":
    main()
