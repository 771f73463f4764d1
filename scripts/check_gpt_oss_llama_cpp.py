#!/usr/bin/env python3
"""Runs a gpt-oss GGUF in llama.cpp (llama-cpp-python) on a fixture's prompt and prints its greedy
continuation next to the fixture's (transformers') one. Not part of CI.

Run (from the repository root; llama-cpp-python 0.3.36 installed, llama.cpp's source tree as LLAMA_CPP for
gguf-py):
    python3 scripts/check_gpt_oss_llama_cpp.py Tests/Fixtures/gguf-models/gpt_oss-mxfp4-f32.gguf gpt_oss-mxfp4
    moe quantize Tests/Fixtures/gguf-models/gpt_oss-mxfp4-f32.gguf /tmp/oss-q8.gguf --type q8_0
    python3 scripts/check_gpt_oss_llama_cpp.py /tmp/oss-q8.gguf gpt_oss-mxfp4
Exits 1 when the continuations differ.
"""
import json
import os
import sys
import tempfile
from pathlib import Path

import llama_cpp

ROOT = Path(__file__).resolve().parent.parent
LLAMA_CPP = Path(os.environ.get("LLAMA_CPP", "/opt/llama-src/llama_cpp_python-0.3.36/vendor/llama.cpp"))


def loadable_copy(path, folder):
    """A copy of `path` that llama.cpp loads without a vocabulary: the fixtures have no tokenizer, so the
    copy says tokenizer.ggml.model = none and <arch>.vocab_size (gguf-py's gguf_new_metadata copier)."""
    sys.path.insert(0, str(LLAMA_CPP / "gguf-py"))
    import gguf
    from gguf.scripts.gguf_new_metadata import MetadataDetails, copy_with_new_metadata
    reader = gguf.GGUFReader(str(path))
    arch = reader.get_field("general.architecture").contents()
    vocab = next(t for t in reader.tensors if t.name == "token_embd.weight").shape[-1]
    if reader.get_field("tokenizer.ggml.model") is not None:
        return path
    target = Path(folder) / path.name
    writer = gguf.GGUFWriter(str(target), arch=arch, endianess=reader.endianess)
    copy_with_new_metadata(reader, writer, {
        "tokenizer.ggml.model": MetadataDetails(gguf.GGUFValueType.STRING, "none"),
        f"{arch}.vocab_size": MetadataDetails(gguf.GGUFValueType.UINT32, int(vocab)),
    }, [])
    return target


def greedy(path, ids, steps):
    """llama.cpp's greedy continuation of `ids` (float32 key/value cache, one token per decode)."""
    import numpy as np
    model = llama_cpp.Llama(model_path=str(path), n_ctx=len(ids) + steps + 8, n_batch=256, n_ubatch=256,
                            logits_all=True, n_threads=2, n_threads_batch=2, type_k=0, type_v=0, verbose=False)
    model.reset()
    model.eval(list(ids))
    out = []
    for _ in range(steps):
        out.append(int(np.argmax(model.scores[model.n_tokens - 1])))
        model.eval([out[-1]])
    model.close()
    return out


def main():
    path, fixture = Path(sys.argv[1]), sys.argv[2]
    ref = json.loads((ROOT / "Tests/Fixtures/models" / fixture / "reference.json").read_text())
    with tempfile.TemporaryDirectory() as folder:
        got = greedy(loadable_copy(path, folder), ref["input_ids"], len(ref["greedy_ids"]))
    print("llama.cpp   ", got)
    print("transformers", ref["greedy_ids"])
    sys.exit(0 if got == ref["greedy_ids"] else 1)


if __name__ == "__main__":
    main()
