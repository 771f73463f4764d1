#!/usr/bin/env python3
"""Check GGUF files written by `moe quantize` against what llama.cpp expects.

For each file: opens it with gguf-py's GGUFReader and checks the architecture's required
metadata keys, tensor names (llama.cpp's, with routed experts stacked as
blk.N.ffn_{gate,up,down}_exps.weight), shapes (consistent with the metadata) and types
(1-D tensors and routers F32, matrices of a known ggml type). With --ids, if llama-cpp-python
is importable, also loads the file in llama.cpp and prints its greedy continuation of the ids
as JSON, for comparison with `moe generate --model FILE --ids ... --json`.

Install: pip install gguf numpy            (llama.cpp part: pip install llama-cpp-python)
Run:     python3 scripts/check_quantized_gguf.py out.gguf [more.gguf ...] [--ids 1,2,3 --max-tokens 8]
Exit status 1 if any check fails.
"""
import argparse
import json
import sys

import gguf

ARCHITECTURES = {"llama", "qwen2moe", "qwen3moe", "olmoe", "granitemoe", "qwen2", "qwen3"}
REQUIRED_KEYS = ["block_count", "context_length", "embedding_length", "feed_forward_length",
                 "attention.head_count", "attention.layer_norm_rms_epsilon"]


def check(path):
    """Returns a list of problems with the file at `path`."""
    problems = []
    reader = gguf.GGUFReader(path)
    fields = {k: f.contents() for k, f in reader.fields.items() if not k.startswith("GGUF.")}
    arch = fields.get("general.architecture")
    if arch not in ARCHITECTURES:
        return [f"general.architecture {arch!r} is not one of {sorted(ARCHITECTURES)}"]
    for key in REQUIRED_KEYS:
        if f"{arch}.{key}" not in fields:
            problems.append(f"missing metadata {arch}.{key}")
    if fields.get("general.quantization_version") != 2:
        problems.append("general.quantization_version is not 2")
    layers = fields.get(f"{arch}.block_count", 0)
    hidden = fields.get(f"{arch}.embedding_length", 0)
    experts = fields.get(f"{arch}.expert_count", 0)
    tensors = {t.name: t for t in reader.tensors}
    # ggml order: ne0 (row length) first.
    shape = {name: [int(d) for d in t.shape] for name, t in tensors.items()}
    known = set(gguf.TENSOR_NAMES[t] for t in gguf.MODEL_TENSORS[gguf.MODEL_ARCH[arch.upper()]]) \
        if arch.upper() in gguf.MODEL_ARCH.__members__ else None
    for name in tensors:
        base = name.rsplit(".", 1)[0]
        if known is not None:
            generic = ".".join("{bid}" if p.isdigit() else p for p in base.split("."))
            if generic not in known:
                problems.append(f"{name}: not a tensor llama.cpp's {arch} architecture defines")
    for required in ["token_embd.weight", "output_norm.weight"]:
        if required not in tensors:
            problems.append(f"missing {required}")
    if "token_embd.weight" in shape and shape["token_embd.weight"][0] != hidden:
        problems.append(f"token_embd.weight rows of {shape['token_embd.weight'][0]}, expected {hidden}")
    for i in range(layers):
        for part in ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm"]:
            if f"blk.{i}.{part}.weight" not in tensors:
                problems.append(f"missing blk.{i}.{part}.weight")
        if f"blk.{i}.ffn_gate_inp.weight" in tensors:
            for part in ["gate", "up", "down"]:
                name = f"blk.{i}.ffn_{part}_exps.weight"
                if name not in tensors:
                    problems.append(f"missing {name}")
                elif len(shape[name]) != 3 or shape[name][2] != experts:
                    problems.append(f"{name}: shape {shape[name]} is not 3-D with {experts} experts")
            if tensors[f"blk.{i}.ffn_gate_inp.weight"].tensor_type != gguf.GGMLQuantizationType.F32:
                problems.append(f"blk.{i}.ffn_gate_inp.weight is not F32")
    for name, t in tensors.items():
        if len(shape[name]) == 1 and t.tensor_type != gguf.GGMLQuantizationType.F32:
            problems.append(f"{name}: 1-D tensor of type {t.tensor_type.name}, expected F32")
        block, _ = gguf.GGML_QUANT_SIZES[t.tensor_type]
        if shape[name][0] % block:
            problems.append(f"{name}: row length {shape[name][0]} is not a multiple of the {t.tensor_type.name} block {block}")
    return problems


def greedy(path, ids, max_tokens):
    """llama.cpp's greedy continuation of `ids`, or None if llama-cpp-python is missing."""
    try:
        import llama_cpp
    except ImportError:
        return None
    model = llama_cpp.Llama(model_path=path, n_ctx=max(64, len(ids) + max_tokens), logits_all=False, verbose=False,
                            vocab_only=False)
    model.reset()
    model.eval(ids)
    out = []
    for _ in range(max_tokens):
        token = int(model.sample(temp=0.0))
        out.append(token)
        model.eval([token])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--ids", help="comma-separated prompt token ids for the llama.cpp greedy run")
    parser.add_argument("--max-tokens", type=int, default=8)
    args = parser.parse_args()
    failed = False
    for path in args.files:
        problems = check(path)
        reader = gguf.GGUFReader(path)
        types = {}
        for t in reader.tensors:
            types[t.tensor_type.name] = types.get(t.tensor_type.name, 0) + 1
        status = "OK" if not problems else "FAILED"
        print(f"{path}: {status} ({len(reader.tensors)} tensors: {', '.join(f'{n} {k}' for k, n in sorted(types.items()))})")
        for p in problems:
            print(f"  {p}")
        failed |= bool(problems)
        if args.ids:
            ids = [int(x) for x in args.ids.split(",")]
            result = greedy(path, ids, args.max_tokens)
            if result is None:
                print("  llama_cpp is not importable; skipped the llama.cpp run")
            else:
                print(json.dumps({"file": path, "ids": result}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
