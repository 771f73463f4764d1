#!/usr/bin/env python3
"""PyTorch's CPU training speed for the model `moe train` trains, for comparison.

    pip install torch transformers
    python3 scripts/bench_training_torch.py --threads 2 [--dense] [same sizes as moe train]

Builds the same MixtralForCausalLM (or LlamaForCausalLM with --dense: FFN width top_k x
expert_hidden) in float32, then times full training steps (forward with the router aux loss,
backward, clip, AdamW) on random batches of batch x context tokens and prints
{"tokens_per_s": ..., "tokens_per_cpu_s": ...} after the warmup steps (tokens per
second of process CPU time is the steadier number on a shared machine).
"""
import argparse
import json
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM, MixtralConfig, MixtralForCausalLM


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dense", action="store_true")
    ap.add_argument("--vocab-size", type=int, default=1024)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--experts", type=int, default=8)
    ap.add_argument("--top-k", type=int, default=2)
    ap.add_argument("--expert-hidden", type=int, default=128)
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--attn", default="sdpa", help="eager or sdpa")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    common = dict(vocab_size=a.vocab_size, hidden_size=a.hidden, num_hidden_layers=a.layers, num_attention_heads=a.heads,
                  num_key_value_heads=a.heads, max_position_embeddings=a.context, tie_word_embeddings=False)
    if a.dense:
        model = LlamaForCausalLM(LlamaConfig(intermediate_size=a.top_k * a.expert_hidden, **common))
    else:
        model = MixtralForCausalLM(MixtralConfig(intermediate_size=a.expert_hidden, num_local_experts=a.experts,
                                                 num_experts_per_tok=a.top_k, router_aux_loss_coef=0.01,
                                                 output_router_logits=True, **common))
    model.config._attn_implementation = a.attn
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    tokens = a.batch * a.context
    elapsed = 0.0
    cpu = 0.0
    for step in range(a.warmup + a.steps):
        ids = torch.randint(0, a.vocab_size, (a.batch, a.context + 1))
        start = time.perf_counter()
        cpu_start = time.process_time()
        out = model(input_ids=ids[:, :-1], labels=ids[:, 1:].contiguous())
        opt.zero_grad()
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step >= a.warmup:
            elapsed += time.perf_counter() - start
            cpu += time.process_time() - cpu_start
    print(json.dumps({"tokens_per_s": a.steps * tokens / elapsed, "tokens_per_cpu_s": a.steps * tokens / cpu,
                      "threads": a.threads, "dense": a.dense,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
