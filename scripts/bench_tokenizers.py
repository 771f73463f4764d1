#!/usr/bin/env python3
"""Encode throughput, one thread: `moe tokenize` against Hugging Face `tokenizers`.

For each fixture vocabulary under Tests/Fixtures/tokenizers, encodes the same deterministic
~1 MB mixed text (English prose, code, CJK, Korean, Arabic, emoji, whitespace runs) and prints
MB/s for both, and whether the ids agree. Our time is `moe tokenize --file` on the text minus
`moe tokenize` on an empty file (process start and tokenizer.json loading), best of --runs.

Needs:  pip install tokenizers; a release build: swift build -c release
Run:    python3 scripts/bench_tokenizers.py [--moe .build/release/moe] [--runs 5]
"""
import argparse
import json
import os
import random
import subprocess
import tempfile
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tokenizers import Tokenizer  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "tokenizers")
NAMES = ["mixtral", "mixtral-metaspace", "deepseek", "qwen"]


def mixed_text(size=1_000_000, seed=7):
    rng = random.Random(seed)
    words = ["the", "model", "expert", "routing", "token", "layer", "attention", "memory", "cache", "and",
             "tokenizer", "throughput", "Mixture", "of", "Experts", "is", "a", "to", "in", "for"]
    pieces = [
        lambda: " ".join(rng.choice(words) for _ in range(rng.randint(4, 16))) + rng.choice([". ", ", ", ".\n", "? "]),
        lambda: f"def f_{rng.randint(0, 999)}(x):\n    return x * {rng.randint(0, 99999)}  # note\n\n",
        lambda: "日本語の文章です。中文的句子，很好。",
        lambda: "한국어 문장입니다. ",
        lambda: "مرحبا بالعالم ",
        lambda: "😀👍🏽 👨‍👩‍👧‍👦 🇫🇷 ",
        lambda: "\t\t" + " " * rng.randint(1, 8) + "\r\n",
        lambda: f"{rng.randint(0, 10**9)} {rng.random():.6f} ",
    ]
    weights = [50, 20, 6, 4, 4, 3, 5, 8]
    out, n = [], 0
    while n < size:
        s = rng.choices(pieces, weights)[0]()
        out.append(s)
        n += len(s.encode())
    return "".join(out)


def best(fn, runs):
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--moe", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "moe"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = mixed_text()
    megabytes = len(text.encode()) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        text_path = os.path.join(tmp, "text.txt")
        empty_path = os.path.join(tmp, "empty.txt")
        with open(text_path, "w", encoding="utf-8") as f:
            f.write(text)
        open(empty_path, "w").close()
        print(f"text: {megabytes:.2f} MB, best of {args.runs} runs, one thread")
        print(f"{'vocabulary':<18} {'HF MB/s':>9} {'moe MB/s':>9} {'ratio':>6}  ids")
        for name in NAMES:
            folder = os.path.join(ROOT, name)
            hf = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
            hf_time, hf_ids = best(lambda: hf.encode(text, add_special_tokens=False).ids, args.runs)

            def run(path):
                out = subprocess.run([args.moe, "tokenize", "--model", folder, "--file", path],
                                     check=True, capture_output=True, text=True).stdout
                return json.loads(out)["ids"]

            load_time, _ = best(lambda: run(empty_path), args.runs)
            full_time, ids = best(lambda: run(text_path), args.runs)
            ours = max(full_time - load_time, 1e-9)
            hf_rate, our_rate = megabytes / hf_time, megabytes / ours
            print(f"{name:<18} {hf_rate:9.1f} {our_rate:9.1f} {our_rate / hf_rate:6.2f}  "
                  f"{'same' if ids == hf_ids else 'DIFFERENT'} ({len(hf_ids)} ids; load {load_time:.2f} s)")


if __name__ == "__main__":
    main()
