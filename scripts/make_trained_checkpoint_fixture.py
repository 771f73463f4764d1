#!/usr/bin/env python3
"""A checkpoint written by `moe train`, with transformers' logits for it.

    pip install torch transformers
    swift build
    python3 scripts/make_trained_checkpoint_fixture.py [path/to/moe] [NAME ...]

Trains a tiny MoE, a tiny MoE with a shared expert and a tiny dense model for a few steps on
Tests/Fixtures/training/tokenizer/corpus.txt with the built binary (only the NAMEs given,
default all), copies each checkpoint's Hugging Face files into
Tests/Fixtures/training/trained-{mixtral,qwen2moe,llama}/, loads them with
AutoModelForCausalLM (float32, eager; no missing or unexpected tensors allowed) and writes
reference.json with the logits of a fixed token sequence. The Swift test runs MoEModels'
Transformer on the same folder and compares.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "Tests", "Fixtures", "training")
FILES = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
MODELS = {"trained-mixtral": [], "trained-qwen2moe": ["--shared-experts", "1"], "trained-llama": ["--dense"]}


def main():
    args = sys.argv[1:]
    binary = args.pop(0) if args and args[0] not in MODELS else os.path.join(HERE, "..", ".build", "debug", "moe")
    names = args or list(MODELS)
    corpus = os.path.join(ROOT, "tokenizer", "corpus.txt")
    tokenizer = os.path.join(ROOT, "tokenizer", "tokenizer.json")
    for name in names:
        extra = MODELS[name]
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([binary, "train", "--data", corpus, "--out", tmp, "--tokenizer", tokenizer, "--steps", "6",
                            "--layers", "2", "--hidden", "32", "--heads", "4", "--kv-heads", "2", "--experts", "4",
                            "--top-k", "2", "--expert-hidden", "24", "--context", "16", "--batch", "4", "--warmup", "2",
                            "--lr", "0.01", "--eval-every", "6", "--eval-batches", "1", "--threads", "1"] + extra,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            folder = os.path.join(ROOT, name)
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
            for f in FILES:
                shutil.copy(os.path.join(tmp, "checkpoint", f), folder)
        model, info = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager",
                                                           output_loading_info=True)
        assert not any(info.values()), f"{name}: {info}"
        model.eval()
        ids = [3, 100, 250, 17, 399, 42, 7, 300, 12, 5]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0]
        with open(os.path.join(folder, "reference.json"), "w") as f:
            json.dump({"input_ids": ids, "logits": logits.tolist()}, f)
        print(name, type(model).__name__, "logits", tuple(logits.shape))


if __name__ == "__main__":
    main()
