#!/usr/bin/env python3
"""Checks a tokenizer written by `moe train-tokenizer` with Hugging Face and records encodings.

    pip install tokenizers transformers
    swift build && .build/debug/moe train-tokenizer --data Tests/Fixtures/training/tokenizer/corpus.txt \
        --out Tests/Fixtures/training/tokenizer --vocab-size 400
    python3 scripts/make_tokenizer_fixture.py Tests/Fixtures/training/tokenizer

Loads tokenizer.json with `tokenizers.Tokenizer.from_file` and the folder with
`transformers.AutoTokenizer`, checks both give the same ids and that decoding round-trips, and
writes encodings.json: {"samples": [{"text": ..., "ids": [...]}, ...]} for the Swift test.
"""
import json
import os
import sys

from tokenizers import Tokenizer
from transformers import AutoTokenizer

SAMPLES = [
    "To be, or not to be, that is the question:",
    "I'll say't: we've 12 ducats, 3.5 pounds... naïve café",
    "  leading spaces\n\n\ttabs\t and trailing   ",
    "HAMLET. O, that this too too solid flesh would melt,",
    "日本語 and émojis 🎭 mixed with Ünïcödé",
    "they'RE 'quoted' can't won't 2024!!!",
    "",
]


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/training/tokenizer"
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(folder)
    with open(os.path.join(folder, "corpus.txt"), encoding="utf-8") as f:
        corpus = f.read()
    samples = SAMPLES + [corpus]
    out = []
    for text in samples:
        ids = tok.encode(text).ids
        assert auto(text, add_special_tokens=False)["input_ids"] == ids, text
        assert tok.decode(ids) == text, (text, tok.decode(ids))
        out.append({"text": text, "ids": ids})
    with open(os.path.join(folder, "encodings.json"), "w", encoding="utf-8") as f:
        json.dump({"samples": out}, f, ensure_ascii=False, indent=1)
    print(f"{len(out)} samples, vocab {tok.get_vocab_size()}, corpus -> {len(out[-1]['ids'])} tokens")


if __name__ == "__main__":
    main()
