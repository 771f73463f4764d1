#!/usr/bin/env python3
"""Samples text from a model folder written by `moe train --export` with transformers.

    pip install torch transformers
    python3 scripts/sample_trained_model.py models/shakespeare-moe "ROMEO." [tokens] [seed]

Loads the folder with AutoModelForCausalLM and AutoTokenizer (which checks that the
checkpoint and tokenizer load in Hugging Face) and prints a sampled continuation
(temperature 0.8, top-k 40).
"""
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main():
    folder = sys.argv[1]
    prompt = sys.argv[2] if len(sys.argv) > 2 else "ROMEO."
    tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    torch.manual_seed(int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    ids = tok(prompt, return_tensors="pt").input_ids
    out = model.generate(ids, max_new_tokens=tokens, do_sample=True, temperature=0.8, top_k=40,
                         pad_token_id=tok.eos_token_id)
    print(tok.decode(out[0]))


if __name__ == "__main__":
    main()
