#!/usr/bin/env python3
"""Check that llama.cpp generates our greedy tokens from `moe quantize`'s DeepSeek output.

For each DeepSeek fixture llama.cpp can load (a query bottleneck: llama.cpp requires q_lora_rank unless a
model has V2-Lite's 27 layers) and each output type: `moe quantize FIXTURE out.gguf --type TYPE`, a copy of
the file with `tokenizer.ggml.model = none` (llama.cpp loads a vocabulary-less file only so; the fixtures have
no tokenizer), then llama.cpp's greedy continuation of the fixture's 12-token prompt (float32 KV cache) against
`moe generate --model out.gguf --ids ... --max-tokens 10 --json` on the same file. f32 files must also give
transformers' greedy ids. Not part of CI (needs llama-cpp-python and gguf-py).

Install: pip install gguf numpy llama-cpp-python   (or PYTHONPATH=<llama.cpp>/gguf-py for gguf.scripts)
Run (from the repository root, after `swift build`):
    python3 scripts/check_deepseek_llama_cpp.py [--moe .build/debug/moe] [--types f32,q8_0]
Exit status 1 if any continuation differs.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import gguf
from gguf.scripts.gguf_new_metadata import MetadataDetails, copy_with_new_metadata

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ["deepseek_v3-qlora-yarn", "deepseek_v3-halfrope", "deepseek_v2-grouped-bf16"]


def without_vocabulary(src, dst):
    reader = gguf.GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(dst, arch=arch, endianess=reader.endianess)
    copy_with_new_metadata(reader, writer, {"tokenizer.ggml.model": MetadataDetails(gguf.GGUFValueType.STRING, "none")}, [])


def llama_cpp_greedy(path, ids, n_new):
    import numpy as np
    from llama_cpp import Llama
    m = Llama(model_path=str(path), n_ctx=len(ids) + n_new + 8, n_batch=64, logits_all=True, n_threads=2,
              type_k=0, type_v=0, verbose=False)
    m.reset()
    m.eval(ids)
    out = []
    nxt = int(np.argmax(m.scores[len(ids) - 1]))
    for _ in range(n_new):
        out.append(nxt)
        m.eval([nxt])
        nxt = int(np.argmax(m.scores[m.n_tokens - 1]))
    m.close()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moe", default=str(ROOT / ".build/debug/moe"), help="the moe executable")
    parser.add_argument("--types", default="f32,q8_0", help="comma-separated moe quantize types")
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in FIXTURES:
            ref = json.load(open(ROOT / "Tests/Fixtures/models" / name / "reference.json"))
            ids, n = ref["input_ids"], len(ref["greedy_ids"])
            for kind in args.types.split(","):
                ours = os.path.join(tmp, f"{name}-{kind}.gguf")
                subprocess.run([args.moe, "quantize", str(ROOT / "Tests/Fixtures/models" / name), ours, "--type", kind],
                               check=True, capture_output=True)
                generated = subprocess.run([args.moe, "generate", "--model", ours, "--ids", ",".join(map(str, ids)),
                                            "--max-tokens", str(n), "--temperature", "0", "--json"],
                                           check=True, capture_output=True, text=True)
                engine = json.loads(generated.stdout)["ids"]
                runnable = os.path.join(tmp, f"{name}-{kind}-novocab.gguf")
                without_vocabulary(ours, runnable)
                llama = llama_cpp_greedy(runnable, ids, n)
                same = llama == engine and (kind != "f32" or engine == ref["greedy_ids"])
                failures += not same
                print(f"{name} {kind}: {'same' if same else 'DIFFERENT'} llama.cpp {llama} moe {engine}"
                      f" transformers {ref['greedy_ids']}", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
