#!/usr/bin/env python3
"""Writes what llama.cpp's converter stores for a Mixtral folder whose tokenizer is only a
SentencePiece-style tokenizer.json (no tokenizer.model), for `moe quantize`'s vocabulary test.

A tiny Mixtral checkpoint (Tests/Fixtures/models/mixtral-gqa with vocab_size 32000 and seeded
random embedding and output rows) gets the Mixtral tokenizer files of Tests/Fixtures/tokenizers/
mixtral (Prepend+Replace normaliser) or mixtral-metaspace (Metaspace pre-tokenizer), and the real
convert_hf_to_gguf.py converts it (--outtype f32). LlamaModel.set_vocab then takes the
_set_vocab_llama_hf path (gguf-py's LlamaHfVocab, through transformers' AutoTokenizer). Both
variants must give the same tokenizer metadata; its keys, in the converter's order and with
their GGUF types, are written with general.architecture into a vocabulary-only GGUF:
  Tests/Fixtures/gguf-vocab/mixtral-llama-hf.gguf.gz
(the whole converted model is 8 MB of random floats; this is the part the test compares).

It also reports how llama.cpp (llama-cpp-python) tokenizes the corpus with the converted file
against Hugging Face's ids (Tests/Fixtures/tokenizers/mixtral/reference.json): the converter's
placeholder scores (-1000 for every token) make llama.cpp's SentencePiece merge order differ
from the tokenizer.json's, which is why `moe quantize` writes merge-rank scores instead.

Install: pip install numpy safetensors torch transformers tokenizers gguf llama-cpp-python
Needs:   the llama.cpp source tree, e.g. the vendor/llama.cpp folder of the llama-cpp-python
         0.3.36 sdist (pip download --no-binary :all: llama-cpp-python==0.3.36).
Run:     LLAMA_CPP=/path/to/llama.cpp python3 scripts/make_llama_hf_vocab_fixture.py
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "Tests/Fixtures/models/mixtral-gqa"
TOKENIZERS = ROOT / "Tests/Fixtures/tokenizers"
OUT = ROOT / "Tests/Fixtures/gguf-vocab/mixtral-llama-hf.gguf.gz"
VARIANTS = ["mixtral", "mixtral-metaspace"]


def make_folder(folder, tokenizer):
    """The tiny Mixtral with a 32000-row vocabulary and the tokenizer files of `tokenizer`."""
    folder.mkdir(parents=True)
    config = json.loads((MODEL / "config.json").read_text())
    config["vocab_size"] = 32000
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    tensors = load_file(MODEL / "model.safetensors")
    rng = np.random.default_rng(32000)
    for name in ["model.embed_tokens.weight", "lm_head.weight"]:
        tensors[name] = (rng.standard_normal((32000, config["hidden_size"])) * 0.02).astype(np.float32)
    save_file(tensors, folder / "model.safetensors")
    for name in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(TOKENIZERS / tokenizer / name, folder / name)


def tokenizer_fields(path, gguf):
    """(key, value type, element type, value) of every tokenizer.* key, in file order."""
    reader = gguf.GGUFReader(path)
    fields = []
    for name, field in reader.fields.items():
        if name.startswith("tokenizer."):
            sub = field.types[1] if len(field.types) > 1 else None
            fields.append((name, field.types[0], sub, field.contents()))
    return fields


def llama_cpp_differences(path):
    """Indices of corpus strings llama.cpp tokenizes differently from Hugging Face."""
    import llama_cpp
    llm = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
    corpus = json.loads((TOKENIZERS / "corpus.json").read_text())
    references = json.loads((TOKENIZERS / "mixtral" / "reference.json").read_text())
    return [i for i, (text, ref) in enumerate(zip(corpus, references))
            if llm.tokenize(text.encode(), add_bos=False, special=True) != ref["ids"]]


def main():
    llama_cpp_root = Path(os.environ["LLAMA_CPP"]).resolve()
    sys.path.insert(0, str(llama_cpp_root / "gguf-py"))
    import gguf
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for variant in VARIANTS:
            folder = Path(tmp) / variant
            make_folder(folder, variant)
            out = Path(tmp) / f"{variant}.gguf"
            subprocess.run([sys.executable, str(llama_cpp_root / "convert_hf_to_gguf.py"), str(folder),
                            "--outfile", str(out), "--outtype", "f32"], check=True, capture_output=True)
            results[variant] = tokenizer_fields(out, gguf)
        assert repr(results["mixtral"]) == repr(results["mixtral-metaspace"]), "the two variants differ"
        different = llama_cpp_differences(Path(tmp) / "mixtral.gguf")
        writer_path = Path(tmp) / "vocab.gguf"
        writer = gguf.GGUFWriter(str(writer_path), "llama")
        for key, vtype, sub, value in results["mixtral"]:
            writer.add_key_value(key, value, vtype, sub_type=sub)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.close()
        data = writer_path.read_bytes()
    with open(OUT, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, compresslevel=9) as z:
            z.write(data)
    print(f"{OUT.name}: {len(data)} bytes, {OUT.stat().st_size} gzipped; keys: {[k for k, *_ in results['mixtral']]}")
    print(f"llama.cpp with the converter's file tokenizes {len(different)} of the corpus strings differently from HF")


if __name__ == "__main__":
    main()
