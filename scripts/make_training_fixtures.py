#!/usr/bin/env python3
"""Reference losses, gradients and AdamW steps for MoETraining's tests.

    pip install torch transformers safetensors
    python3 scripts/make_training_fixtures.py [NAME ...]   # writes Tests/Fixtures/training/{mixtral,llama,qwen2_moe}/

For a tiny MixtralForCausalLM, LlamaForCausalLM and Qwen2MoeForCausalLM (float32, eager
attention; only the NAMEs given, default all) and a fixed batch, computes

    loss = CE + aux_coef * load_balancing_loss_func(router_logits)   (transformers' pooled form)
              + z_coef * mean over layers of mean over tokens of logsumexp(router_logits)^2

(aux and z terms only for the MoE models), every parameter gradient, and the losses before
each of three torch.optim.AdamW steps and after the third (decay on >= 2-D tensors only, as
the Swift trainer). Qwen2-MoE (shared expert with sigmoid gate, norm_topk_prob) has its
q/k/v biases at zero and frozen, as the Swift trainer keeps them. Writes per model:
config.json + model.safetensors (hub layout, from save_pretrained), grads.safetensors (hub
names; fused experts split back into w1/w2/w3 or gate_proj/up_proj/down_proj) and
reference.json (batch, coefficients, optimizer settings, losses).
"""
import json
import os
import shutil
import sys
import tempfile

import torch
from safetensors.torch import save_file
from transformers import (LlamaConfig, LlamaForCausalLM, MixtralConfig, MixtralForCausalLM, Qwen2MoeConfig,
                          Qwen2MoeForCausalLM)
from transformers.models.mixtral.modeling_mixtral import load_balancing_loss_func

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "training")
BATCH, SEQ, VOCAB = 2, 8, 64
AUX, Z = 0.05, 0.01
LR, BETAS, EPS, WD = 1e-2, (0.9, 0.95), 1e-8, 0.1


# Hub names of the fused experts' projections and of the sparse block, per layout.
EXPERT_NAMES = {"mixtral": ("block_sparse_moe", "w1", "w3", "w2"),
                "qwen2_moe": ("mlp", "gate_proj", "up_proj", "down_proj")}


def hub_name_and_tensors(name, tensor, layout, experts, ffn):
    """In-memory parameter -> hub-layout tensors."""
    if layout not in EXPERT_NAMES:
        return {name: tensor}
    block, gate, up, down = EXPERT_NAMES[layout]
    if name.endswith("mlp.experts.gate_up_proj"):
        prefix = name[: -len("mlp.experts.gate_up_proj")] + block + ".experts"
        out = {}
        for e in range(experts):
            out[f"{prefix}.{e}.{gate}.weight"] = tensor[e, :ffn]
            out[f"{prefix}.{e}.{up}.weight"] = tensor[e, ffn:]
        return out
    if name.endswith("mlp.experts.down_proj"):
        prefix = name[: -len("mlp.experts.down_proj")] + block + ".experts"
        return {f"{prefix}.{e}.{down}.weight": tensor[e] for e in range(experts)}
    if name.endswith("mlp.gate.weight"):
        return {name.replace("mlp.gate.weight", block + ".gate.weight"): tensor}
    return {name: tensor}


def loss_of(model, ids, targets, moe, experts, topk):
    out = model(input_ids=ids, output_router_logits=moe)
    ce = torch.nn.functional.cross_entropy(out.logits.reshape(-1, VOCAB), targets.reshape(-1))
    if not moe:
        return ce, ce, None
    aux = load_balancing_loss_func(out.router_logits, experts, topk)
    z = torch.stack([torch.logsumexp(r, dim=-1).pow(2).mean() for r in out.router_logits]).mean()
    margins = []
    for r in out.router_logits:
        p = torch.softmax(r, dim=-1).sort(dim=-1, descending=True).values
        margins.append((p[:, topk - 1] - p[:, topk]).min().item())
    return ce + AUX * aux + Z * z, ce, min(margins)


def build(name, model, moe, experts=0, topk=0, ffn=0, seed=0):
    torch.manual_seed(seed)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n.endswith(".bias"):
                p.zero_()
                p.requires_grad_(False)
            elif p.dim() == 1:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))
    gen = torch.Generator().manual_seed(seed + 1)
    ids = torch.randint(0, VOCAB, (BATCH, SEQ), generator=gen)
    targets = torch.randint(0, VOCAB, (BATCH, SEQ), generator=gen)
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        for f in ("config.json", "model.safetensors"):
            shutil.copy(os.path.join(tmp, f), folder)

    model.train()
    loss, ce, margin = loss_of(model, ids, targets, moe, experts, topk)
    model.zero_grad()
    loss.backward()
    grads = {}
    layout = model.config.model_type
    for n, p in model.named_parameters():
        if p.requires_grad:
            tensors = hub_name_and_tensors(n, p.grad, layout, experts, ffn)
            grads.update({k: v.detach().contiguous().clone() for k, v in tensors.items()})
    save_file(grads, os.path.join(folder, "grads.safetensors"))

    trained = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in trained if p.dim() >= 2]
    no_decay = [p for p in trained if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WD}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=LR, betas=BETAS, eps=EPS)
    losses, margins = [], [margin]
    for _ in range(3):
        opt.zero_grad()
        l, _, m = loss_of(model, ids, targets, moe, experts, topk)
        losses.append(l.item())
        margins.append(m)
        l.backward()
        opt.step()
    with torch.no_grad():
        l, _, m = loss_of(model, ids, targets, moe, experts, topk)
    losses.append(l.item())
    margins.append(m)
    if moe:
        assert min(margins) > 1e-4, f"{name}: top-k margin {min(margins)} too small for a stable comparison"
    ref = {"input_ids": ids.tolist(), "targets": targets.tolist(), "loss": loss.item(), "cross_entropy": ce.item(),
           "aux_loss_coef": AUX if moe else 0.0, "z_loss_coef": Z if moe else 0.0, "pooled_aux_loss": True,
           "lr": LR, "betas": list(BETAS), "eps": EPS, "weight_decay": WD, "adamw_losses": losses}
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
    print(name, "loss", loss.item(), "adamw", losses, "min top-k margin", min(margins) if moe else None)


def main():
    names = sys.argv[1:] or ["mixtral", "llama", "qwen2_moe"]
    rope = {"rope_type": "default", "rope_theta": 10000.0}
    common = dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                  max_position_embeddings=16, tie_word_embeddings=False, rms_norm_eps=1e-5, rope_parameters=rope)
    if "mixtral" in names:
        mix = MixtralConfig(intermediate_size=24, num_local_experts=4, num_experts_per_tok=2, router_aux_loss_coef=AUX,
                            **common)
        mix._attn_implementation = "eager"
        build("mixtral", MixtralForCausalLM(mix).float(), True, experts=4, topk=2, ffn=24, seed=1)
    if "llama" in names:
        lla = LlamaConfig(intermediate_size=40, **common)
        lla._attn_implementation = "eager"
        build("llama", LlamaForCausalLM(lla).float(), False, seed=2)
    if "qwen2_moe" in names:
        # The shared expert is 2 x moe_intermediate_size wide, as `moe train --shared-experts 2` makes it.
        qwen = Qwen2MoeConfig(intermediate_size=48, moe_intermediate_size=24, shared_expert_intermediate_size=48,
                              num_experts=4, num_experts_per_tok=2, norm_topk_prob=True, decoder_sparse_step=1,
                              mlp_only_layers=[], qkv_bias=True, use_sliding_window=False, router_aux_loss_coef=AUX,
                              **common)
        qwen._attn_implementation = "eager"
        build("qwen2_moe", Qwen2MoeForCausalLM(qwen).float(), True, experts=4, topk=2, ffn=24, seed=3)


if __name__ == "__main__":
    main()
