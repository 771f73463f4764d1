#!/usr/bin/env python3
"""Prefill and decode speed of llama.cpp and swift-moe on the same GGUF file, same threads.

llama.cpp runs through llama-cpp-python; swift-moe through `moe bench --json`. Both use seeded
random prompt tokens, a prefill of --prompt-tokens and --gen-tokens single-token decode steps;
each engine is run --runs times alternately and the medians of each are compared, with the
CPU model printed beside them (ratios move between CPUs).

Install: pip install llama-cpp-python   (builds llama.cpp from source: ~15 min on 2 cores)
Build:   swift build -c release
Model:   the issue's benchmark shape (qwen3moe, hidden 1024, 16 layers, 32 experts top-4, 1.16 B
         parameters) as Q8_0 with a real vocabulary, converted by llama.cpp's own converter:
           python3 scripts/make_bench_model.py /tmp/qwen3moe-1b
           cp Tests/Fixtures/tokenizers/qwen/tokenizer*.json /tmp/qwen3moe-1b/
           python3 $LLAMA_CPP/convert_hf_to_gguf.py /tmp/qwen3moe-1b --outtype q8_0 --outfile /tmp/qwen3moe-1b-q8_0.gguf
         (or `moe quantize /tmp/qwen3moe-1b /tmp/qwen3moe-1b-q8_0.gguf --type q8_0`)
Run:     python3 scripts/compare_llama_cpp.py /tmp/qwen3moe-1b-q8_0.gguf --threads 2
"""
import argparse
import json
import platform
import random
import statistics
import subprocess
import time

from llama_cpp import Llama


def llama_cpp_run(path, threads, prompt_tokens, gen_tokens, seed):
    model = Llama(model_path=path, n_ctx=prompt_tokens + gen_tokens + 8, n_batch=prompt_tokens,
                  n_threads=threads, n_threads_batch=threads, verbose=False)
    vocab = model.n_vocab()
    rng = random.Random(seed)
    prompt = [rng.randrange(vocab) for _ in range(prompt_tokens)]
    model.reset()
    start = time.perf_counter()
    model.eval(prompt)
    prefill = time.perf_counter() - start
    steps = []
    for _ in range(gen_tokens):
        token = rng.randrange(vocab)
        start = time.perf_counter()
        model.eval([token])
        steps.append(time.perf_counter() - start)
    return {"prefill_tokens_per_s": prompt_tokens / prefill, "decode_tokens_per_s": len(steps) / sum(steps)}


def moe_run(moe, path, threads, prompt_tokens, gen_tokens):
    out = subprocess.run([moe, "bench", "--model", path, "--threads", str(threads), "--prompt-tokens", str(prompt_tokens),
                          "--gen-tokens", str(gen_tokens), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("gguf")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--prompt-tokens", type=int, default=128)
    p.add_argument("--gen-tokens", type=int, default=64)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--moe", default=".build/release/moe")
    a = p.parse_args()
    runs = {"llama.cpp": [], "moe": []}
    for run in range(a.runs):
        for name in ("llama.cpp", "moe"):
            r = (llama_cpp_run(a.gguf, a.threads, a.prompt_tokens, a.gen_tokens, run) if name == "llama.cpp"
                 else moe_run(a.moe, a.gguf, a.threads, a.prompt_tokens, a.gen_tokens))
            runs[name].append(r)
            print(f"run {run + 1} {name:9s} prefill {r['prefill_tokens_per_s']:7.1f} tok/s  decode {r['decode_tokens_per_s']:6.1f} tok/s", flush=True)
    keys = ("prefill_tokens_per_s", "decode_tokens_per_s")
    l, m = ({k: statistics.median(r[k] for r in runs[name]) for k in keys} for name in ("llama.cpp", "moe"))
    print(json.dumps({"cpu": cpu_model(), "threads": a.threads, "runs": a.runs, "llama_cpp_median": l, "moe_median": m,
                      "prefill_ratio": m["prefill_tokens_per_s"] / l["prefill_tokens_per_s"],
                      "decode_ratio": m["decode_tokens_per_s"] / l["decode_tokens_per_s"]}))


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (the machine the ratios hold for)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
