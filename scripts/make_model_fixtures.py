#!/usr/bin/env python3
"""Generate tiny random Hugging Face checkpoints + float32 reference logits for swift-moe tests.

What it does
    For every fixture in FIXTURES below it builds a tiny model of one transformers family
    (mixtral, qwen2_moe, qwen3_moe, olmoe, granitemoe, llama, mistral, qwen2, qwen3) from a
    config with a fixed torch seed, rescales the random weights so the model is far from
    uniform (decisive routers, norm weights ~1+0.3*randn, random biases, logits with a spread
    of several units), saves it with `save_pretrained` (hub layout, float32 or bfloat16) into
    Tests/Fixtures/models/<fixture>/, RE-LOADS that folder with
    `from_pretrained(dir, dtype=torch.float32, attn_implementation="eager")` and writes
    reference.json with the float32 logits of one full forward of 12 random input ids and the
    10 greedy continuation ids (EOS disabled).  A fixture is only accepted when every argmax
    (12 prompt positions, 10 greedy steps) and every router top-k decision has a clear margin;
    otherwise the seed is bumped and the fixture rebuilt (automatically).
    It also writes the `-sharded` copy (>= 3 shards + index) and `-v4config` copies
    (transformers-4 style config.json: rope_theta / rope_scaling / torch_dtype), asserting
    transformers loads them to the same logits, and regenerates Tests/Fixtures/models/README.md
    (fixture table + tensor names + per-family forward math).

Install
    pip install torch transformers safetensors        (written against torch 2.15, transformers 5.23.0)

Run (from the repository root; CPU only, no network, about 1 minute on 2 cores)
    python3 scripts/make_model_fixtures.py            # regenerate everything (deterministic, fixed seeds)
    python3 scripts/make_model_fixtures.py NAME ...   # only the named fixtures (README is not rewritten)
"""

import copy
import json
import math
import os
import shutil
import sys
import tempfile

import torch
import transformers
from safetensors import safe_open
from transformers import AutoModelForCausalLM

torch.set_num_threads(2)
torch.use_deterministic_algorithms(True)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "models")
SEQ = 12
NEW = 10
REL_GAP = 1e-3  # required top1-top2 gap, relative to max |logit| (LM head and routers)
MAX_TRIES = 40

# ----------------------------------------------------------------------------------------------
# Fixture definitions
# ----------------------------------------------------------------------------------------------
CFG = {
    "mixtral": transformers.MixtralConfig,
    "qwen2_moe": transformers.Qwen2MoeConfig,
    "qwen3_moe": transformers.Qwen3MoeConfig,
    "olmoe": transformers.OlmoeConfig,
    "granitemoe": transformers.GraniteMoeConfig,
    "llama": transformers.LlamaConfig,
    "mistral": transformers.MistralConfig,
    "qwen2": transformers.Qwen2Config,
    "qwen3": transformers.Qwen3Config,
}

COMMON = dict(max_position_embeddings=128, hidden_act="silu", bos_token_id=1, eos_token_id=2)

# name -> (family, dtype, config kwargs, seed, description)
FIXTURES = [
    # ---------------- mixtral
    ("mixtral-gqa", "mixtral", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
          num_key_value_heads=2, num_local_experts=4, num_experts_per_tok=2, rope_parameters={"rope_type": "default", "rope_theta": 1e6}),
     100, "GQA 4q/2kv heads, 4 experts top-2, untied"),
    ("mixtral-headdim-bf16", "mixtral", "bfloat16",
     dict(vocab_size=160, hidden_size=32, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
          num_key_value_heads=2, head_dim=16, num_local_experts=8, num_experts_per_tok=2),
     200, "explicit head_dim=16 (hidden/heads=8), 8 experts top-2, bf16 weights"),
    ("mixtral-tied", "mixtral", "float32",
     dict(vocab_size=192, hidden_size=32, intermediate_size=40, num_hidden_layers=3, num_attention_heads=4,
          num_key_value_heads=2, num_local_experts=6, num_experts_per_tok=2, tie_word_embeddings=True),
     300, "tie_word_embeddings=true (no lm_head.weight in file), 6 experts, 3 layers"),
    ("mixtral-odd-bf16", "mixtral", "bfloat16",
     dict(vocab_size=250, hidden_size=40, intermediate_size=56, num_hidden_layers=2, num_attention_heads=5,
          num_key_value_heads=1, num_local_experts=5, num_experts_per_tok=2),
     400, "odd sizes hidden 40 / intermediate 56 / vocab 250, 5q/1kv heads (head_dim 8), 5 experts, bf16"),
    # ---------------- qwen2_moe
    ("qwen2_moe-sparse2", "qwen2_moe", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=64, moe_intermediate_size=32,
          shared_expert_intermediate_size=48, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4,
          num_experts=4, num_experts_per_tok=2, norm_topk_prob=False, decoder_sparse_step=2),
     500, "shared expert + sigmoid gate, qkv bias, norm_topk_prob=false, decoder_sparse_step=2 (layers 0,2 dense; 1,3 MoE)"),
    ("qwen2_moe-normtopk-bf16", "qwen2_moe", "bfloat16",
     dict(vocab_size=144, hidden_size=32, intermediate_size=48, moe_intermediate_size=24,
          shared_expert_intermediate_size=40, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
          num_experts=8, num_experts_per_tok=2, norm_topk_prob=True, mlp_only_layers=[1]),
     600, "norm_topk_prob=true, mlp_only_layers=[1] (dense middle layer), GQA 4/2, 8 experts, bf16"),
    ("qwen2_moe-allmoe", "qwen2_moe", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=64, moe_intermediate_size=32,
          shared_expert_intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
          num_experts=4, num_experts_per_tok=2, norm_topk_prob=False),
     550, "every layer MoE (llama.cpp's converter supports no dense layers in qwen2moe), shared expert, GQA 4/2"),
    # ---------------- qwen3_moe
    ("qwen3_moe-allmoe", "qwen3_moe", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=64, moe_intermediate_size=32, num_hidden_layers=2,
          num_attention_heads=4, num_key_value_heads=2, head_dim=16, num_experts=8, num_experts_per_tok=2,
          norm_topk_prob=True),
     750, "every layer MoE (for the GGUF conversion), per-head q/k RMSNorm, head_dim=16, norm_topk_prob=true"),
    ("qwen3_moe-base", "qwen3_moe", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=64, moe_intermediate_size=32, num_hidden_layers=3,
          num_attention_heads=4, num_key_value_heads=2, head_dim=16, num_experts=8, num_experts_per_tok=2,
          norm_topk_prob=True, mlp_only_layers=[0], rope_parameters={"rope_type": "default", "rope_theta": 1e6}),
     700, "per-head q/k RMSNorm, head_dim=16 (hidden/heads=8), GQA 4/2, norm_topk_prob=true, mlp_only_layers=[0]"),
    ("qwen3_moe-sparse2-bf16", "qwen3_moe", "bfloat16",
     dict(vocab_size=160, hidden_size=48, intermediate_size=72, moe_intermediate_size=24, num_hidden_layers=2,
          num_attention_heads=4, num_key_value_heads=1, head_dim=10, num_experts=6, num_experts_per_tok=3,
          norm_topk_prob=True, decoder_sparse_step=2),
     800, "decoder_sparse_step=2 (layer 0 dense, layer 1 MoE), head_dim=10 (hidden/heads=12), 4q/1kv, top-3 of 6, bf16"),
    # ---------------- olmoe
    ("olmoe-base", "olmoe", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
          num_key_value_heads=4, num_experts=8, num_experts_per_tok=2, norm_topk_prob=False),
     900, "q/k RMSNorm over the whole projection, norm_topk_prob=false, 8 experts top-2"),
    ("olmoe-normtopk-bf16", "olmoe", "bfloat16",
     dict(vocab_size=176, hidden_size=48, intermediate_size=40, num_hidden_layers=2, num_attention_heads=6,
          num_key_value_heads=6, num_experts=6, num_experts_per_tok=3, norm_topk_prob=True),
     1000, "norm_topk_prob=true, top-3 of 6, 6 heads, bf16"),
    ("olmoe-clipqkv", "olmoe", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
          num_key_value_heads=4, num_experts=4, num_experts_per_tok=2, clip_qkv=1.5),
     1100, "clip_qkv=1.5 (clamps q,k (after q/k norm) and v; verified to trigger)"),
    # ---------------- granitemoe
    ("granitemoe-mult", "granitemoe", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
          num_key_value_heads=2, num_local_experts=4, num_experts_per_tok=2, embedding_multiplier=4.0,
          residual_multiplier=0.5, attention_multiplier=0.1, logits_scaling=2.5),
     1200, "embedding_multiplier 4, residual_multiplier 0.5, attention_multiplier 0.1, logits_scaling 2.5, GQA 4/2"),
    ("granitemoe-tied-bf16", "granitemoe", "bfloat16",
     dict(vocab_size=160, hidden_size=48, intermediate_size=32, num_hidden_layers=3, num_attention_heads=6,
          num_key_value_heads=2, num_local_experts=8, num_experts_per_tok=2, embedding_multiplier=0.5,
          residual_multiplier=1.5, attention_multiplier=0.25, logits_scaling=0.8, tie_word_embeddings=True),
     1300, "multipliers on the other side of 1 (embedding 0.5, residual 1.5, attention 0.25, logits_scaling 0.8), tied embeddings, 6q/2kv, 8 experts, bf16"),
    # ---------------- llama
    ("llama-gqa-bias", "llama", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
          num_key_value_heads=2, attention_bias=True),
     1400, "GQA 4/2, attention_bias=true (q,k,v AND o_proj biases)"),
    ("llama-llama3rope", "llama", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
          num_key_value_heads=1, tie_word_embeddings=True,
          rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                           "high_freq_factor": 4.0, "original_max_position_embeddings": 16}),
     1500, "llama3 rope scaling (factor 8, low 1, high 4, original_max 16), rope_theta 500000, tied, head_dim 16, GQA 2/1"),
    ("llama-headdim-bf16", "llama", "bfloat16",
     dict(vocab_size=200, hidden_size=48, intermediate_size=96, num_hidden_layers=3, num_attention_heads=4,
          num_key_value_heads=2, head_dim=16),
     1600, "head_dim=16 (hidden/heads=12), GQA 4/2, bf16"),
    # ---------------- mistral
    ("mistral-swa", "mistral", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
          num_key_value_heads=2, sliding_window=5),
     1700, "sliding_window=5 (each query sees itself + 4 previous tokens), GQA 4/2"),
    ("mistral-swa-bf16", "mistral", "bfloat16",
     dict(vocab_size=160, hidden_size=48, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
          num_key_value_heads=1, head_dim=16, sliding_window=4),
     1800, "sliding_window=4, head_dim=16 (hidden/heads=12), 4q/1kv, bf16"),
    # ---------------- qwen2
    ("qwen2-tied", "qwen2", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
          num_key_value_heads=2, tie_word_embeddings=True),
     1900, "q/k/v bias (no o bias), tied embeddings, GQA 4/2"),
    ("qwen2-bf16", "qwen2", "bfloat16",
     dict(vocab_size=176, hidden_size=48, intermediate_size=80, num_hidden_layers=2, num_attention_heads=6,
          num_key_value_heads=2, tie_word_embeddings=False),
     2000, "q/k/v bias, untied, GQA 6/2, bf16"),
    # ---------------- qwen3
    ("qwen3-tied", "qwen3", "float32",
     dict(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
          num_key_value_heads=2, head_dim=16, tie_word_embeddings=True),
     2100, "per-head q/k RMSNorm, head_dim=16 (hidden/heads=8), tied, GQA 4/2"),
    ("qwen3-bf16", "qwen3", "bfloat16",
     dict(vocab_size=192, hidden_size=48, intermediate_size=72, num_hidden_layers=3, num_attention_heads=4,
          num_key_value_heads=2, head_dim=8, tie_word_embeddings=False),
     2200, "per-head q/k RMSNorm, head_dim=8 (hidden/heads=12), untied, bf16"),
]

SHARDED = ("mixtral-sharded", "mixtral-gqa", "80KB")
V4COPIES = [("mixtral-gqa-v4config", "mixtral-gqa"),
            ("llama-llama3rope-v4config", "llama-llama3rope"),
            ("qwen3_moe-base-v4config", "qwen3_moe-base")]


# ----------------------------------------------------------------------------------------------
# Model construction
# ----------------------------------------------------------------------------------------------
def make_config(family, kw):
    kw = dict(COMMON, **kw)
    cfg = CFG[family](**kw)
    return cfg


def rescale_weights(model, seed):
    """Replace the std-0.02 init by weights that make a non-trivial model."""
    g = torch.Generator().manual_seed(seed + 7)
    tied = bool(getattr(model.config, "tie_word_embeddings", False))
    router_params = set()
    for mod in model.modules():
        if type(mod).__name__.endswith("TopKRouter"):
            router_params.add(id(mod.weight))

    def randn(shape):
        return torch.randn(shape, generator=g, dtype=torch.float32)

    with torch.no_grad():
        for name, p in model.named_parameters():  # tied params are visited once
            shape = p.shape
            if id(p) in router_params:
                new = 0.6 * randn(shape)  # 30x the 0.02 init: decisive routing
            elif p.ndim == 1 and "norm" in name:
                new = 1.0 + 0.3 * randn(shape)
            elif name.endswith("bias"):
                new = 0.5 * randn(shape)
            elif "embed_tokens" in name:
                # tied: the same matrix is the LM head; a smaller std keeps the logits from being dominated
                # by <e_tok, e_tok> (which would make every fixture predict a copy of its input token)
                new = (0.5 if tied else 1.0) * randn(shape)
            elif name.startswith("lm_head"):
                new = 3.0 * randn(shape) / math.sqrt(shape[-1])
            elif "shared_expert_gate" in name:
                new = 0.3 * randn(shape)
            elif p.ndim >= 2:
                gain = 1.5 if ("q_proj" in name or "k_proj" in name) else 1.0
                if tied and any(t in name for t in ("o_proj", "down_proj", "output_linear", "w2")):
                    gain = 2.0  # tied: let the residual branches dominate the (self-predicting) embedding
                new = gain * randn(shape) / math.sqrt(shape[-1])  # fan_in is the last dim (also 3-D experts)
            else:
                raise RuntimeError(f"unhandled parameter {name} {tuple(shape)}")
            p.copy_(new)


class RouterRecorder:
    """Records every router-logit tensor produced (prompt forward, generate steps, checks)."""

    def __init__(self, model):
        self.logits = []
        self.handles = []
        for mod in model.modules():
            if type(mod).__name__.endswith("TopKRouter"):
                self.handles.append(mod.register_forward_hook(self._hook(mod.top_k)))

    def _hook(self, k):
        def hook(mod, inp, out):
            self.logits.append((k, out[0].detach().float().reshape(-1, out[0].shape[-1])))
        return hook

    def remove(self):
        for h in self.handles:
            h.remove()


def topk_margin_ok(logits, k):
    """gap between k-th and (k+1)-th largest, relative to max |logit|, for every row."""
    if logits.shape[-1] <= k:
        return True, float("inf")
    s = torch.sort(logits, dim=-1, descending=True).values
    gap = s[:, k - 1] - s[:, k]
    scale = logits.abs().max(dim=-1).values.clamp_min(1e-6)
    ratio = (gap / scale).min().item()
    return ratio > REL_GAP, ratio


def load(path):
    m = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager")
    m.eval()
    return m


def compute_reference(model, ids):
    """Returns (logits [12, V], greedy ids [10], ok, info)."""
    rec = RouterRecorder(model)
    info = {}
    ok = True
    with torch.no_grad():
        logits = model(ids).logits[0].float()
        ok1, r1 = topk_margin_ok(logits, 1)
        gc = copy.deepcopy(model.generation_config)
        gc.eos_token_id = None
        gc.pad_token_id = 0
        gc.bos_token_id = None
        gc.max_new_tokens = NEW
        gc.min_new_tokens = NEW
        gc.do_sample = False
        gc.return_dict_in_generate = True
        gc.output_logits = True
        out = model.generate(ids, generation_config=gc)
        seq = out.sequences[0]
        greedy = seq[SEQ:].tolist()
        assert len(greedy) == NEW, greedy
        step_logits = torch.cat([x.float() for x in out.logits], 0)
        ok2, r2 = topk_margin_ok(step_logits, 1)
        # consistency: the greedy tokens must equal the argmax of a full (uncached) forward
        full = model(seq[None, :-1]).logits[0].float()
        assert torch.equal(full[:SEQ].argmax(-1), logits.argmax(-1))
        if full[SEQ - 1:].argmax(-1).tolist() != greedy:
            ok = False
            info["cache_mismatch"] = True
        assert (full[:SEQ] - logits).abs().max().item() < 1e-4
    rec.remove()
    rratios = []
    for k, rl in rec.logits:
        okr, rr = topk_margin_ok(rl, k)
        rratios.append(rr)
        ok = ok and okr
    # diversity: reject degenerate fixtures (greedy stuck on one token / logits that just copy the input)
    copies = sum(int(a == b) for a, b in zip(logits.argmax(-1).tolist(), ids[0].tolist()))
    if len(set(greedy)) < 4 or copies > 4:
        ok = False
        info["degenerate"] = (len(set(greedy)), copies)
    info["lm_gap"] = min(r1, r2)
    info["router_gap"] = min(rratios) if rratios else None
    ok = ok and ok1 and ok2
    return logits, greedy, ok, info


def fmt_float(x):
    s = f"{x:.9g}"
    assert math.isfinite(x), x
    return s


def write_reference(path, family, wdtype, ids, logits, greedy):
    rows = ",\n  ".join("[" + ",".join(fmt_float(v) for v in row) + "]" for row in logits.tolist())
    text = ('{"family": %s, "weights_dtype": %s,\n "input_ids": %s,\n "greedy_ids": %s,\n "logits": [\n  %s\n ]}\n'
            % (json.dumps(family), json.dumps(wdtype), json.dumps(ids), json.dumps(greedy), rows))
    # round-trip check
    back = json.loads(text)
    assert torch.equal(torch.tensor(back["logits"], dtype=torch.float32), logits.float())
    with open(os.path.join(path, "reference.json"), "w") as f:
        f.write(text)


def feature_checks(name, family, kw, model, ids, logits, path):
    """Verify that the special config features actually change the computation."""
    notes = []
    with torch.no_grad():
        if family == "mistral":
            cfg = copy.deepcopy(model.config)
            cfg.sliding_window = None
            m2 = type(model)(cfg).eval()
            m2.load_state_dict(model.state_dict())
            l2 = m2(ids).logits[0]
            w = kw["sliding_window"]
            d = (l2 - logits).abs().max(-1).values
            assert d[:w].max().item() < 1e-5 and d[w:].min().item() > 1e-3, d
            notes.append(f"sliding window applied: logits equal full-causal for positions < {w}, differ from {w} on")
        if family == "llama" and kw.get("rope_parameters", {}).get("rope_type") == "llama3":
            cfg = copy.deepcopy(model.config)
            cfg.rope_parameters = {"rope_type": "default", "rope_theta": kw["rope_parameters"]["rope_theta"]}
            m2 = type(model)(cfg).eval()
            m2.load_state_dict(model.state_dict())
            d = (m2(ids).logits[0] - logits).abs().max().item()
            assert d > 1e-2, d
            inv = model.model.rotary_emb.inv_freq
            notes.append("llama3 rope changes logits (max diff vs unscaled rope %.3g); inv_freq=%s"
                         % (d, [float(f"{v:.6g}") for v in inv.tolist()]))
        if family == "olmoe" and kw.get("clip_qkv"):
            c = kw["clip_qkv"]
            stats = []

            def hk(mod, inp, out):
                stats.append(((out.abs() > c).float().mean().item()))
            hs = []
            for layer in model.model.layers:
                for mod in (layer.self_attn.q_norm, layer.self_attn.k_norm, layer.self_attn.v_proj):
                    hs.append(mod.register_forward_hook(hk))
            model(ids)
            for h in hs:
                h.remove()
            assert min(stats) > 0.0, stats
            cfg = copy.deepcopy(model.config)
            cfg.clip_qkv = None
            m2 = type(model)(cfg).eval()
            m2.load_state_dict(model.state_dict())
            d = (m2(ids).logits[0] - logits).abs().max().item()
            assert d > 1e-2
            notes.append("clip_qkv triggers: fraction of clamped elements per (q,k,v) per layer = %s; logits change by up to %.3g"
                         % ([round(s, 3) for s in stats], d))
    return notes


HUB_NAMES = {  # tensor-name patterns real hub checkpoints use (layer 0 or 1, expert 0)
    "mixtral": ["block_sparse_moe.gate.weight", "block_sparse_moe.experts.0.w1.weight",
                "block_sparse_moe.experts.0.w2.weight", "block_sparse_moe.experts.0.w3.weight"],
    "qwen2_moe": ["mlp.gate.weight", "mlp.experts.0.gate_proj.weight", "mlp.experts.0.up_proj.weight",
                  "mlp.experts.0.down_proj.weight", "mlp.shared_expert.gate_proj.weight", "mlp.shared_expert_gate.weight"],
    "qwen3_moe": ["mlp.gate.weight", "mlp.experts.0.gate_proj.weight", "mlp.experts.0.up_proj.weight",
                  "mlp.experts.0.down_proj.weight", "self_attn.q_norm.weight"],
    "olmoe": ["mlp.gate.weight", "mlp.experts.0.gate_proj.weight", "mlp.experts.0.up_proj.weight",
              "mlp.experts.0.down_proj.weight", "self_attn.q_norm.weight", "self_attn.k_norm.weight"],
    "granitemoe": ["block_sparse_moe.router.layer.weight", "block_sparse_moe.input_linear.weight",
                   "block_sparse_moe.output_linear.weight"],
}


def check_hub_layout(path, family):
    keys = set()
    for fn in os.listdir(path):
        if fn.endswith(".safetensors"):
            with safe_open(os.path.join(path, fn), "pt") as f:
                keys |= set(f.keys())
    for pat in HUB_NAMES.get(family, []):
        assert any(k.endswith(pat) for k in keys), (family, pat)
    assert not any("gate_up_proj" in k or k.endswith("experts.down_proj") for k in keys), "fused expert layout in file"


def build_fixture(name, family, wdtype, kw, seed):
    path = os.path.join(OUT, name)
    for attempt in range(MAX_TRIES):
        s = seed + 1000 * attempt
        torch.manual_seed(s)
        cfg = make_config(family, kw)
        model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager", dtype=torch.float32)
        rescale_weights(model, s)
        g = torch.Generator().manual_seed(s + 1)
        ids = torch.randint(0, cfg.vocab_size, (1, SEQ), generator=g)
        if os.path.exists(path):
            shutil.rmtree(path)
        if wdtype == "bfloat16":
            model = model.to(torch.bfloat16)
        model.save_pretrained(path)
        ref = load(path)
        check_hub_layout(path, family)
        with torch.no_grad():  # the file round-trip (hub layout -> fused in-memory layout) is lossless
            # (fresh float32 module: model.to(bf16) also rounded the non-persistent rope inv_freq buffer)
            fresh = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager", dtype=torch.float32).eval()
            fresh.load_state_dict({k: v.float() for k, v in model.state_dict().items()})
            mem = fresh(ids).logits[0]
            assert (mem - ref(ids).logits[0]).abs().max().item() < 1e-4
        logits, greedy, ok, info = compute_reference(ref, ids)
        print(f"  {name} attempt {attempt} seed {s}: ok={ok} {info}", flush=True)
        if ok:
            notes = feature_checks(name, family, kw, ref, ids, logits, path)
            write_reference(path, family, wdtype, ids[0].tolist(), logits, greedy)
            with open(os.path.join(path, "config.json")) as f:
                assert json.load(f)["dtype"] == wdtype
            return dict(ids=ids, logits=logits, greedy=greedy, notes=notes, seed=s, info=info)
    raise RuntimeError(f"{name}: no robust seed found")


def build_sharded(name, src, max_shard):
    spath, path = os.path.join(OUT, src), os.path.join(OUT, name)
    if os.path.exists(path):
        shutil.rmtree(path)
    m = load(spath)
    m.save_pretrained(path, max_shard_size=max_shard)
    shards = [f for f in os.listdir(path) if f.endswith(".safetensors")]
    assert len(shards) >= 3 and os.path.exists(os.path.join(path, "model.safetensors.index.json")), shards
    # the tensors must be bit-identical to the single-file fixture
    with safe_open(os.path.join(spath, "model.safetensors"), "pt") as f:
        single = {k: f.get_tensor(k) for k in f.keys()}
    sharded = {}
    for sh in shards:
        with safe_open(os.path.join(path, sh), "pt") as f:
            sharded.update({k: f.get_tensor(k) for k in f.keys()})
    assert single.keys() == sharded.keys() and all(torch.equal(single[k], sharded[k]) for k in single)
    ref = json.load(open(os.path.join(spath, "reference.json")))
    ids = torch.tensor([ref["input_ids"]])
    logits, greedy, ok, _ = compute_reference(load(path), ids)
    assert torch.equal(logits, torch.tensor(ref["logits"], dtype=torch.float32)) and greedy == ref["greedy_ids"]
    shutil.copy(os.path.join(spath, "reference.json"), os.path.join(path, "reference.json"))
    print(f"  {name}: {len(shards)} shards, identical reference to {src}", flush=True)
    return len(shards)


def to_v4_config(cfg):
    """Rewrite a transformers-5 config.json dict into the transformers-4 form found on the hub."""
    out = {}
    for k, v in cfg.items():
        if k == "dtype":
            out["torch_dtype"] = v
        elif k == "rope_parameters":
            rp = dict(v)
            out["rope_theta"] = rp.pop("rope_theta")
            out["rope_scaling"] = None if rp.get("rope_type", "default") == "default" else rp
        elif k == "transformers_version":
            out[k] = "4.51.3"
        elif k == "num_local_experts" and cfg.get("model_type") == "qwen3_moe":
            out["num_experts"] = v  # hub Qwen3-MoE configs use num_experts
        else:
            out[k] = v
    return dict(sorted(out.items()))


def build_v4(name, src):
    spath, path = os.path.join(OUT, src), os.path.join(OUT, name)
    if os.path.exists(path):
        shutil.rmtree(path)
    shutil.copytree(spath, path)
    with open(os.path.join(spath, "config.json")) as f:
        cfg = json.load(f)
    v4 = to_v4_config(cfg)
    assert "rope_parameters" not in v4 and "dtype" not in v4
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(v4, f, indent=2)
        f.write("\n")
    ref = json.load(open(os.path.join(spath, "reference.json")))
    ids = torch.tensor([ref["input_ids"]])
    m5, m4 = load(spath), load(path)
    assert m4.config.rope_parameters == m5.config.rope_parameters, (m4.config.rope_parameters, m5.config.rope_parameters)
    assert torch.equal(m4.model.rotary_emb.inv_freq, m5.model.rotary_emb.inv_freq)
    logits, greedy, ok, _ = compute_reference(m4, ids)
    assert torch.equal(logits, torch.tensor(ref["logits"], dtype=torch.float32)) and greedy == ref["greedy_ids"]
    print(f"  {name}: v4-form config loads to identical logits", flush=True)


# ----------------------------------------------------------------------------------------------
# Independent re-implementation (float64, only safetensors + config.json, following README math)
# ----------------------------------------------------------------------------------------------
def read_tensors(path):
    out = {}
    for fn in sorted(os.listdir(path)):
        if fn.endswith(".safetensors"):
            with safe_open(os.path.join(path, fn), "pt") as f:
                for k in f.keys():
                    out[k] = f.get_tensor(k).to(torch.float64)
    return out


def rope_inv_freq(cfg, hd):
    if "rope_parameters" in cfg:
        rp = dict(cfg["rope_parameters"])
    else:  # transformers-4 form
        rp = dict(cfg.get("rope_scaling") or {"rope_type": "default"})
        rp["rope_theta"] = cfg["rope_theta"]
    rtype = rp.get("rope_type", rp.get("type", "default"))
    # transformers computes inv_freq in float32
    inv = 1.0 / (rp["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    if rtype == "llama3":
        f, lo_f, hi_f, om = rp["factor"], rp["low_freq_factor"], rp["high_freq_factor"], rp["original_max_position_embeddings"]
        wl = 2 * math.pi / inv
        new = torch.where(wl > om / lo_f, inv / f, inv)
        sm = (om / wl - lo_f) / (hi_f - lo_f)
        smoothed = (1 - sm) * new / f + sm * new
        mid = ~(wl < om / hi_f) * ~(wl > om / lo_f)
        inv = torch.where(mid, smoothed, new)
    else:
        assert rtype == "default", rtype
    return inv.to(torch.float64)


def independent_logits(path, ids):
    cfg = json.load(open(os.path.join(path, "config.json")))
    T = read_tensors(path)
    fam = cfg["model_type"]
    H, nh, nkv, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["num_hidden_layers"]
    hd = cfg.get("head_dim") or H // nh
    eps = cfg["rms_norm_eps"]
    n = len(ids)

    def rms(x, w):
        return w * (x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps))

    def lin(x, pre, bias_ok=True):
        y = x @ T[pre + ".weight"].T
        if bias_ok and pre + ".bias" in T:
            y = y + T[pre + ".bias"]
        return y

    def swiglu(x, pre):
        return lin(torch.nn.functional.silu(lin(x, pre + ".gate_proj")) * lin(x, pre + ".up_proj"), pre + ".down_proj")

    inv = rope_inv_freq(cfg, hd)
    ang = torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)

    def rope(x):  # [heads, n, hd]
        rot = torch.cat([-x[..., hd // 2:], x[..., :hd // 2]], -1)
        return x * cos + rot * sin

    mask = torch.ones(n, n, dtype=torch.bool).tril()
    sw = None
    if fam in ("mistral", "mixtral", "qwen3_moe") and cfg.get("sliding_window"):
        sw = cfg["sliding_window"]
    if fam in ("qwen2", "qwen3", "qwen2_moe") and cfg.get("use_sliding_window"):
        raise NotImplementedError
    if sw:
        i = torch.arange(n)
        mask &= (i[None, :] > i[:, None] - sw)
    rm = cfg.get("residual_multiplier", 1.0) if fam == "granitemoe" else 1.0
    scale = cfg["attention_multiplier"] if fam == "granitemoe" else hd ** -0.5

    x = T["model.embed_tokens.weight"][ids]
    if fam == "granitemoe":
        x = x * cfg["embedding_multiplier"]
    for l in range(L):
        p = f"model.layers.{l}."
        h = rms(x, T[p + "input_layernorm.weight"])
        a = p + "self_attn."
        q, k, v = lin(h, a + "q_proj"), lin(h, a + "k_proj"), lin(h, a + "v_proj")
        if fam == "olmoe":
            q, k = rms(q, T[a + "q_norm.weight"]), rms(k, T[a + "k_norm.weight"])
            if cfg.get("clip_qkv") is not None:
                c = cfg["clip_qkv"]
                q, k, v = q.clamp(-c, c), k.clamp(-c, c), v.clamp(-c, c)
        q = q.view(n, nh, hd).transpose(0, 1)
        k = k.view(n, nkv, hd).transpose(0, 1)
        v = v.view(n, nkv, hd).transpose(0, 1)
        if fam in ("qwen3", "qwen3_moe"):
            q, k = rms(q, T[a + "q_norm.weight"]), rms(k, T[a + "k_norm.weight"])
        q, k = rope(q), rope(k)
        g = nh // nkv
        k, v = k.repeat_interleave(g, 0), v.repeat_interleave(g, 0)
        sc = (q @ k.transpose(1, 2)) * scale
        sc = sc.masked_fill(~mask, float("-inf")).softmax(-1)
        o = lin((sc @ v).transpose(0, 1).reshape(n, nh * hd), a + "o_proj")
        x = x + rm * o
        h = rms(x, T[p + "post_attention_layernorm.weight"])
        if fam in ("llama", "mistral", "qwen2", "qwen3"):
            m = swiglu(h, p + "mlp")
        elif fam == "mixtral":
            b = p + "block_sparse_moe."
            pr = (h @ T[b + "gate.weight"].T).softmax(-1)
            tv, ti = pr.topk(cfg["num_experts_per_tok"], -1)
            tv = tv / tv.sum(-1, keepdim=True)
            m = torch.zeros_like(h)
            for t in range(n):
                for w, e in zip(tv[t], ti[t].tolist()):
                    pe = f"{b}experts.{e}."
                    y = (torch.nn.functional.silu(h[t] @ T[pe + "w1.weight"].T) * (h[t] @ T[pe + "w3.weight"].T)) @ T[pe + "w2.weight"].T
                    m[t] += w * y
        elif fam == "granitemoe":
            b = p + "block_sparse_moe."
            r = h @ T[b + "router.layer.weight"].T
            tl, ti = r.topk(cfg["num_experts_per_tok"], -1)
            tv = tl.softmax(-1)
            I = T[b + "output_linear.weight"].shape[-1]
            m = torch.zeros_like(h)
            for t in range(n):
                for w, e in zip(tv[t], ti[t].tolist()):
                    gu = T[b + "input_linear.weight"][e] @ h[t]
                    m[t] += w * (T[b + "output_linear.weight"][e] @ (torch.nn.functional.silu(gu[:I]) * gu[I:]))
        else:  # qwen2_moe, qwen3_moe, olmoe
            E = cfg.get("num_experts", cfg.get("num_local_experts"))
            step = cfg.get("decoder_sparse_step", 1)
            moe = fam == "olmoe" or (l not in (cfg.get("mlp_only_layers") or []) and E > 0 and (l + 1) % step == 0)
            if not moe:
                m = swiglu(h, p + "mlp")
            else:
                b = p + "mlp."
                pr = (h @ T[b + "gate.weight"].T).softmax(-1)
                tv, ti = pr.topk(cfg["num_experts_per_tok"], -1)
                if cfg.get("norm_topk_prob"):
                    tv = tv / tv.sum(-1, keepdim=True)
                m = torch.zeros_like(h)
                for t in range(n):
                    for w, e in zip(tv[t], ti[t].tolist()):
                        m[t] += w * swiglu(h[t:t + 1], f"{b}experts.{e}")[0]
                if fam == "qwen2_moe":
                    m = m + torch.sigmoid(h @ T[b + "shared_expert_gate.weight"].T) * swiglu(h, b + "shared_expert")
        x = x + rm * m
    x = rms(x, T["model.norm.weight"])
    W = T["lm_head.weight"] if "lm_head.weight" in T else T["model.embed_tokens.weight"]
    assert ("lm_head.weight" not in T) == bool(cfg.get("tie_word_embeddings")), "lm_head presence vs tie flag"
    logits = x @ W.T
    if fam == "granitemoe":
        logits = logits / cfg["logits_scaling"]
    return logits


def independent_check(name):
    """Re-derive logits + greedy ids from the files alone (float64) and compare with reference.json."""
    path = os.path.join(OUT, name)
    ref = json.load(open(os.path.join(path, "reference.json")))
    ids = list(ref["input_ids"])
    lg = independent_logits(path, ids)
    R = torch.tensor(ref["logits"], dtype=torch.float64)
    err = (lg - R).abs().max().item()
    rel = err / R.abs().max().item()
    assert rel < 1e-4, (name, err)
    assert lg.argmax(-1).tolist() == R.argmax(-1).tolist()
    seq = ids[:]
    for _ in range(NEW):
        seq.append(int(independent_logits(path, seq)[-1].argmax()))
    assert seq[SEQ:] == ref["greedy_ids"], (name, seq[SEQ:], ref["greedy_ids"])
    return err


# ----------------------------------------------------------------------------------------------
# README
# ----------------------------------------------------------------------------------------------
def layer_tensor_listing(name):
    path = os.path.join(OUT, name)
    files = sorted(f for f in os.listdir(path) if f.endswith(".safetensors"))
    rows = []
    for fn in files:
        with safe_open(os.path.join(path, fn), "pt") as f:
            for k in f.keys():
                sl = f.get_slice(k)
                rows.append((k, sl.get_shape(), sl.get_dtype()))
    rows.sort()
    return rows


# Text of README.md after this line (and fixture-table rows of fixtures not listed here) belongs to other
# generators (scripts/make_hybrid_fixtures.py); readme() keeps it.
README_KEEP_MARKER = "<!-- Written by other generator scripts (kept by make_model_fixtures.py): -->"


def readme(results, nshards, indep):
    path = os.path.join(OUT, "README.md")
    old = open(path).read() if os.path.exists(path) else ""
    old_head, marker, kept = old.partition("\n" + README_KEEP_MARKER + "\n")
    own = {f"`{n}`" for n in [f[0] for f in FIXTURES] + [SHARDED[0]] + [v[0] for v in V4COPIES]}
    other_rows = [ln for ln in old_head.split("\n") if ln.startswith("| `") and ln.split(" | ")[0][2:] not in own]
    lines = []
    lines.append(README_HEAD)
    lines.append("\n## Fixtures\n")
    lines.append("| fixture | family | weights | exercises |")
    lines.append("|---|---|---|---|")
    for name, family, wdtype, kw, seed, desc in FIXTURES:
        lines.append(f"| `{name}` | {family} | {wdtype} | {desc} |")
    lines.append(f"| `{SHARDED[0]}` | mixtral | float32 | same tensors as `{SHARDED[1]}` in {nshards} shards + "
                 f"`model.safetensors.index.json` (max_shard_size {SHARDED[2]}); reference.json identical to `{SHARDED[1]}` |")
    for name, src in V4COPIES:
        lines.append(f"| `{name}` | {src.split('-')[0]} | float32 | same weights/reference as `{src}`; config.json in "
                     "transformers-4 form (`rope_theta`, `rope_scaling`, `torch_dtype`) |")
    lines.extend(other_rows)
    lines.append("")
    lines.append("Verified while generating (asserted in the script):\n")
    for name, r in results.items():
        for n in r["notes"]:
            lines.append(f"- `{name}`: {n}")
    lines.append("- every fixture: min (top1-top2)/max|logit| over 12 prompt positions + 10 greedy steps, and min "
                 "(k-th minus (k+1)-th router logit)/max|router logit| over every router call:")
    for name, r in results.items():
        rg = r["info"]["router_gap"]
        lines.append(f"  - `{name}` (seed {r['seed']}): lm {r['info']['lm_gap']:.3g}" +
                     (f", router {rg:.3g}" if rg is not None else ""))
    lines.append("- every fixture (incl. sharded / v4config): an independent float64 re-implementation of the math "
                 "below, reading only config.json + *.safetensors, reproduces reference.json (all argmaxes, all 10 "
                 "greedy ids by full recompute, max |logit difference| %.2g; per fixture: %s)"
                 % (max(indep.values()), ", ".join(f"{k} {v:.1g}" for k, v in indep.items())))
    lines.append(README_MATH)
    lines.append("\n## Exact tensor names (layer 0 + globals; from `safe_open(...).keys()`)\n")
    shown = {}
    for name, family, *_ in FIXTURES:
        shown.setdefault(family, []).append(name)
    extra = {"qwen2_moe", "qwen3_moe"}  # layer 0 is dense there: show layer 1 (MoE) too
    for family, names in shown.items():
        name = names[0]
        rows = layer_tensor_listing(name)
        lines.append(f"### {family} (`{name}`)" + (" — layer 0 dense, layer 1 MoE" if family in extra else "") + "\n")
        lines.append("```")
        for k, shp, dt in rows:
            if ".layers." in k and not (".layers.0." in k or (family in extra and ".layers.1." in k)):
                continue
            if ".experts." in k and not any(f".experts.{i}." in k for i in (0,)) and "linear" not in k:
                continue
            lines.append(f"{k}  {shp}  {dt}")
        lines.append("```")
        if any(".experts.0." in k for k, _, _ in rows):
            lines.append("(`experts.0` shown; `experts.1` … `experts.{E-1}` follow the same pattern.)")
        lines.append("")
    if marker:
        lines.append("\n" + README_KEEP_MARKER + "\n" + kept.rstrip("\n"))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


README_HEAD = """# Model fixtures (tiny random Hugging Face checkpoints + transformers reference logits)

Generated by `scripts/make_model_fixtures.py` (transformers 5.23.0, torch 2.15, CPU, float32, eager attention).
Regenerate everything (deterministic, fixed seeds, about 1 minute on 2 CPU cores, no network):

    pip install torch transformers safetensors
    python3 scripts/make_model_fixtures.py

Each folder holds exactly what `save_pretrained` writes (`config.json`, `generation_config.json`,
`model.safetensors` or shards + `model.safetensors.index.json`) plus `reference.json`:

    {"family": model_type, "weights_dtype": "float32" | "bfloat16",
     "input_ids": [12 ints], "greedy_ids": [10 ints (new tokens only)],
     "logits": [[vocab floats] x 12]}      # float32, 9 significant digits (round-trips float32)

The hybrid fixtures of scripts/make_hybrid_fixtures.py (section at the end) add two keys:
`"cases": [{"input_ids": [n ints], "logits": [[vocab floats] x n]}, ...]` (one-pass forwards of longer
prompts, same float format) and, for the GGUF-converted ones, `"llama_cpp_greedy_ids": [10 ints]`
(llama.cpp's greedy continuation of `input_ids`). Readers of the generic keys ignore them.

Reference = `from_pretrained(folder, dtype=float32, attn_implementation="eager")` on the saved folder
(bf16 fixtures are upcast to float32 on load, so the reference uses exactly the bf16 values in the file),
`model(input_ids).logits[0]` for one full forward (batch 1, no mask), and
`generate(max_new_tokens=10, min_new_tokens=10, do_sample=False, eos_token_id=None, pad_token_id=0)`
(EOS never stops generation; the Swift test should ignore EOS too). The greedy ids are also checked to be
the argmax of a full uncached forward of the 21-token prefix.

Weights: random init, then rescaled (router weights std 0.6 = 30x init, RMSNorm weights (incl. q/k norms)
1+0.3*randn, biases 0.5*randn, embeddings std 1 (0.5 when tied), lm_head std 3/sqrt(hidden), other matrices
std 1/sqrt(fan_in), q/k 1.5/sqrt(fan_in), o/down projections 2/sqrt(fan_in) when tied, shared_expert_gate
std 0.3). Logits have a per-row std of ~1.2-4.5 units. A fixture is accepted only when, at each of the 12
positions and each greedy step, top1-top2 > 1e-3*max|logit|, and for every router call (every token, every
MoE layer, prompt and generate steps) the k-th vs (k+1)-th router logit gap > 1e-3*max|router logit|, and it
is not degenerate (>= 4 distinct greedy tokens, <= 4 prompt positions whose argmax is the input token);
otherwise the script bumps the seed (weights and input ids together) and retries.

Tolerance guidance: an independent float64 implementation (in the script) matches the float32 references to
<= ~4e-5 absolute on logits of magnitude ~10-40, so a float32 Swift engine should pass with e.g.
`abs <= 1e-3 + 1e-3*|ref|` on logits and exact equality on argmax / greedy ids (argmax margins are asserted).

`generation_config.json` is what save_pretrained writes (it may name an `eos_token_id`); the reference
generation ignores EOS, so the Swift test must too.
"""

README_MATH = r"""
## Weight-name findings (transformers 5.23)

* In memory, transformers 5 keeps MoE experts **fused** (`mlp.experts.gate_up_proj` `[E, 2*I, H]` with gate
  rows first, then up rows; `mlp.experts.down_proj` `[E, H, I]`; Mixtral's block is renamed
  `block_sparse_moe` -> `mlp`, Granite's router `router.layer` -> `router`). But `save_pretrained` runs the
  conversion mapping (`transformers/conversion_mapping.py`) in reverse, so the **files are in the hub layout**
  — the same names real hub checkpoints use — and loading them converts back. Verified: the saved files
  have per-expert tensors for mixtral/qwen2_moe/qwen3_moe/olmoe and Granite's fused 3-D
  `input_linear`/`output_linear` (asserted for every fixture, no fused `gate_up_proj` in any file), and
  reloading them reproduces the in-memory model's logits (asserted; the reference is always computed from
  the re-loaded folder anyway).
* Mixtral: `model.layers.L.block_sparse_moe.gate.weight [E, H]`,
  `...block_sparse_moe.experts.e.w1.weight [I, H]` (gate), `w3 [I, H]` (up), `w2 [H, I]` (down).
* Qwen2-MoE / Qwen3-MoE / OLMoE: `model.layers.L.mlp.gate.weight [E, H]` (router),
  `...mlp.experts.e.gate_proj.weight [I, H]`, `up_proj [I, H]`, `down_proj [H, I]`; Qwen2-MoE adds
  `mlp.shared_expert.{gate,up,down}_proj.weight` and `mlp.shared_expert_gate.weight` of shape **[1, H]**
  (a Linear(H, 1, bias=False) -> one scalar gate per token). Dense layers (mlp_only_layers / sparse step)
  have `mlp.gate_proj/up_proj/down_proj.weight` with `intermediate_size`; MoE experts use `moe_intermediate_size`.
* Granite-MoE: `block_sparse_moe.router.layer.weight [E, H]`, `block_sparse_moe.input_linear.weight
  [E, 2*I, H]` (rows 0..I-1 = gate (silu'd), rows I..2I-1 = up), `block_sparse_moe.output_linear.weight [E, H, I]`.
* Tied embeddings (`tie_word_embeddings: true`): the file has **no** `lm_head.weight`; use
  `model.embed_tokens.weight` as the LM head.
* bf16 fixtures store every tensor (incl. norms, biases, router) as BF16.

## Config keys (exact names in config.json, transformers-5 form)

* common: `hidden_size`, `intermediate_size`, `num_hidden_layers`, `num_attention_heads`,
  `num_key_value_heads`, `head_dim` (written when set; mixtral/mistral/llama/qwen3/qwen3_moe; if absent or
  null use hidden_size/num_attention_heads), `rms_norm_eps`, `vocab_size`, `tie_word_embeddings`,
  `hidden_act` ("silu"), `dtype` (v4: `torch_dtype`),
  `rope_parameters: {"rope_type": ..., "rope_theta": ..., [llama3: "factor", "low_freq_factor",
  "high_freq_factor", "original_max_position_embeddings"]}` (v4: top-level `rope_theta` + `rope_scaling`
  = the same dict minus rope_theta, or null).
* mixtral: `num_local_experts`, `num_experts_per_tok`, `sliding_window` (null here).
* qwen2_moe: `num_experts`, `num_experts_per_tok`, `moe_intermediate_size`, `shared_expert_intermediate_size`,
  `norm_topk_prob`, `decoder_sparse_step`, `mlp_only_layers`, `qkv_bias` (true; v4 hub configs lack it and
  bias is always on), also writes `use_sliding_window: false`, `sliding_window: 0` (!), `layer_types`,
  `max_window_layers` — sliding window is off, ignore them unless `use_sliding_window` is true.
* qwen3_moe: **transformers 5 writes `num_local_experts`** (attribute_map num_experts -> num_local_experts);
  hub / v4 configs use `num_experts` (the `-v4config` fixture has `num_experts`) — accept both.
  `num_experts_per_tok`, `moe_intermediate_size`, `norm_topk_prob`, `decoder_sparse_step`, `mlp_only_layers`,
  `head_dim`, `attention_bias` (false), `use_sliding_window` false / `sliding_window` null.
* olmoe: `num_experts`, `num_experts_per_tok`, `norm_topk_prob`, `clip_qkv` (null or float), `attention_bias`.
* granitemoe: `num_local_experts`, `num_experts_per_tok`, `embedding_multiplier`, `residual_multiplier`,
  `attention_multiplier`, `logits_scaling`, `attention_bias`.
* llama: `attention_bias`, `mlp_bias` (false here), `head_dim`, `rope_parameters` (llama3 above).
* mistral: `sliding_window`, `head_dim`.
* qwen2: no bias key — q/k/v bias is hard-wired on (o_proj has none); `use_sliding_window` false,
  `sliding_window` null, `layer_types` all "full_attention".
* qwen3: `head_dim`, `attention_bias` (false), `use_sliding_window` false, `layer_types`.

## Forward math per family (verified against the installed modeling_*.py)

Shared pieces (all nine families):

* `RMSNorm(x; w) = w * (x / sqrt(mean(x^2) + eps))` computed in float32, eps = `rms_norm_eps`
  (weight multiplies directly; NO `1 + w`).
* RoPE (inv_freq computed in float32 by transformers), "rotate-half" (NeoX) convention on each head vector of size d=head_dim:
  `inv_freq[i] = 1 / theta^(2i/d)`, i = 0..d/2-1; position p: `ang = p*inv_freq`, `cos = cos(cat(ang, ang))`,
  `sin = sin(cat(ang, ang))`; `rope(x) = x*cos + rotate_half(x)*sin`, `rotate_half(x) = cat(-x[d/2:], x[:d/2])`.
  Positions are 0..n-1 (no offset).
* llama3 rope (`rope_type: "llama3"`): with `wavelen = 2*pi/inv_freq`, `lo = orig_max/low_freq_factor`,
  `hi = orig_max/high_freq_factor`: if wavelen < hi keep; if wavelen > lo use inv_freq/factor; else
  `s = (orig_max/wavelen - low_freq_factor)/(high_freq_factor - low_freq_factor)`,
  `inv_freq = (1-s)*inv_freq/factor + s*inv_freq`. attention_scaling stays 1.
* Attention: `q = Wq x (+bq)`, `k = Wk x (+bk)`, `v = Wv x (+bv)`, split into heads
  (`[n, heads*d] -> [n, heads, d]`, head h = columns h*d..h*d+d-1), rope on q,k, GQA: query head h uses kv head
  `h / (n_heads/n_kv_heads)` (repeat_kv = each kv head repeated consecutively), `scores = q.k * scale` with
  `scale = head_dim^-0.5` (granite: `attention_multiplier`), causal mask (+ sliding window where set),
  softmax in float32, `out = Wo concat_heads(attn@v) (+bo)`.
* Decoder layer (all families): `h = h + Attn(RMSNorm(h; input_layernorm))`,
  `h = h + MLP(RMSNorm(h; post_attention_layernorm))`; final `RMSNorm(h; model.norm)`, `logits = lm_head(h)`
  (tied: `embed_tokens.weight`). Granite multiplies each branch by residual_multiplier (below).
* SwiGLU MLP / expert: `down( silu(gate x) * up x )`.

Families:

* **llama**: as above. `attention_bias: true` adds biases to q, k, v **and o_proj**. `mlp_bias` would add
  biases to gate/up/down (off here). head_dim may differ from hidden/heads (q_proj is [heads*head_dim, H],
  o_proj is [H, heads*head_dim]).
* **mistral**: llama without biases + sliding window: query at position i attends to keys j with
  `i - sliding_window < j <= i` (i.e. itself + the previous `sliding_window-1` tokens). Applied by
  transformers with eager attention (`create_sliding_window_causal_mask`, `kv_idx > q_idx - sliding_window`);
  verified by the script: logits equal the no-window model for positions < window and differ after.
* **qwen2**: llama with q/k/v biases (no o bias). No sliding window (use_sliding_window false).
* **qwen3**: no biases; per-head q/k RMSNorm **before rope**: `q = RMSNorm_head(q_h; q_norm)` on every head's
  d-vector (q_norm.weight has shape [head_dim], shared across heads), same for k with k_norm; then rope.
* **mixtral**: attention as mistral (sliding_window null here). MoE on the post-attention-normed x:
  `r = Wg x` (gate.weight [E,H]), `p = softmax(r)` (float32), pick top-k by p (k = num_experts_per_tok),
  `w = p_topk / sum(p_topk)` (always renormalised), `y = sum_j w_j * expert_{i_j}(x)` with
  `expert_e(x) = w2_e( silu(w1_e x) * w3_e x )`. (Equivalently w = softmax over the top-k router logits.)
* **qwen2_moe**: attention with q/k/v bias (o no bias). Layer l is MoE iff `l not in mlp_only_layers` and
  `(l+1) % decoder_sparse_step == 0`; otherwise dense SwiGLU MLP of `intermediate_size`. MoE:
  `p = softmax(Wg x)` (float32), top-k by p, `w = p_topk` if `norm_topk_prob` false (NOT renormalised, so
  weights sum < 1), else `p_topk / sum(p_topk)`; `y = sum_j w_j expert_{i_j}(x) + sigmoid(shared_expert_gate . x)
  * shared_expert(x)` where shared_expert is a SwiGLU MLP of `shared_expert_intermediate_size` and
  shared_expert_gate.weight is [1, H] (a scalar per token).
* **qwen3_moe**: qwen3 attention (per-head q/k norm before rope, no bias, explicit head_dim) + qwen2_moe-style
  routing without shared expert: `p = softmax(Wg x)`, top-k, renormalise iff `norm_topk_prob`
  (true in real Qwen3 MoE checkpoints and here). Same MoE/dense layer rule (`mlp_only_layers`,
  `decoder_sparse_step`), dense layers use `intermediate_size`, experts `moe_intermediate_size`.
* **olmoe**: attention: `q = RMSNorm(Wq x; q_norm)` over the **whole** projection (q_norm.weight
  [heads*head_dim] = [hidden]), `k = RMSNorm(Wk x; k_norm)` over the whole k projection
  (k_norm.weight [kv_heads*head_dim]); `v = Wv x`; if `clip_qkv` is set: `q,k,v = clamp(., -clip_qkv, clip_qkv)`
  (after the norms, before the head split and rope); then heads, rope, softmax(q.k/sqrt(d)) as usual, no biases.
  MoE: `p = softmax(Wg x)`, top-k, renormalise iff `norm_topk_prob` (false by default / in OLMoE-1B-7B),
  no shared expert, every layer is MoE.
* **granitemoe**: `h0 = embed(ids) * embedding_multiplier`; attention scale = `attention_multiplier`
  (replaces 1/sqrt(head_dim)); each residual branch scaled: `h = h + residual_multiplier * Attn(...)`,
  `h = h + residual_multiplier * MoE(...)`; `logits = lm_head(RMSNorm(h)) / logits_scaling`.
  Routing: `r = W_router x` (float32), take top-k **logits** first, then `w = softmax(r_topk)` over just those
  k (identical to mixtral's renormalised top-k softmax). Expert e: `gu = input_linear[e] @ x` ([2I]),
  `gate = gu[:I]`, `up = gu[I:]`, `y_e = output_linear[e] @ (silu(gate) * up)`. No biases (attention_bias false).

Surprises / notes

* qkv bias: qwen2 and qwen2_moe always (q,k,v only). llama only with `attention_bias` (and then o_proj
  too). qwen3/qwen3_moe/olmoe/granitemoe/mistral/mixtral: none here.
* q/k norm: qwen3 & qwen3_moe per head ([head_dim] weights); olmoe over the whole projection ([hidden]
  and [kv_heads*head_dim] weights) — do not mix these up. Both before rope.
* Router softmax/top-k: mixtral/qwen*/olmoe softmax over all experts then top-k; granite top-k of logits
  then softmax over k. Ties never matter in these fixtures (margins asserted).
* qwen2_moe config.json has `sliding_window: 0` with `use_sliding_window: false` — no windowing.
* qwen3_moe config.json from transformers 5 says `num_local_experts`, hub says `num_experts`.
* transformers-4 configs (`-v4config` fixtures) have `rope_theta`, `rope_scaling` (null or
  `{"rope_type": "llama3", "factor": 8.0, ...}`) and `torch_dtype`; transformers 5 loads them to bit-identical
  logits (asserted).
"""


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    results = {}
    for name, family, wdtype, kw, seed, desc in FIXTURES:
        if only and name not in only:
            continue
        print(f"[{name}] {family} {wdtype}", flush=True)
        results[name] = build_fixture(name, family, wdtype, kw, seed)
    nshards = None
    if not only or SHARDED[0] in only or SHARDED[1] in only:
        nshards = build_sharded(*SHARDED)
    for name, src in V4COPIES:
        if not only or name in only or src in only:
            build_v4(name, src)
    names = [f[0] for f in FIXTURES] + [SHARDED[0]] + [v[0] for v in V4COPIES]
    indep = {}
    for name in names:
        if os.path.exists(os.path.join(OUT, name, "reference.json")) and (not only or name in only):
            indep[name] = independent_check(name)
            print(f"  independent float64 re-implementation matches {name}: max |dlogit| {indep[name]:.2g}", flush=True)
    if not only:
        readme(results, nshards, indep)
    print("done")


if __name__ == "__main__":
    main()
