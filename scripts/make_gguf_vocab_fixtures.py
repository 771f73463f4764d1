#!/usr/bin/env python3
"""Writes vocabulary-only GGUF files with llama.cpp's own converter, for MoETokenizersTests.

For each tokenizer fixture under Tests/Fixtures/tokenizers/ (made by make_tokenizer_fixtures.py
with Hugging Face `tokenizers`), llama.cpp's convert_hf_to_gguf.py vocabulary code writes the
tokenizer metadata a converted model carries, into Tests/Fixtures/gguf-vocab/<name>.gguf.gz
(no tensors; gzip keeps the three files near 4 MB):
  qwen      TextModel._set_vocab_gpt2 (what Qwen2Model.set_vocab falls back to without
            tokenizer.model): model "gpt2", tokens, token types, merges, pre-tokenizer "qwen2",
            special token ids, add_bos_token, chat template.
  deepseek  TextModel._set_vocab_gpt2 (DeepseekV2Model.set_vocab): pre-tokenizer "deepseek-v3".
  mixtral   TextModel._set_vocab_sentencepiece (LlamaModel.set_vocab with a tokenizer.model):
            model "llama", tokens, scores, token types, BOS/EOS/UNK ids, add_bos_token. The
            SentencePiece model is mistral-common's data/tokenizer.model.v1, the file the
            tokenizer.json fixture was converted from.
The converter code runs as is (its methods on a stand-in model object that has only the
vocabulary-related state), with gguf-py's SpecialVocab and GGUFWriter. The pre-tokenizer name
is the one of the model family each fixture reproduces; what llama.cpp's get_vocab_base_pre
hash table detects is printed (it finds "qwen2" for qwen, and "joyai-llm" for deepseek: the
hash of DeepSeek-V3's tokenizer, which JoyAI's shares, with the same pre-tokenizer in llama.cpp;
the table's last match wins; for the variants below it reports the qwen vocabulary's).

Two more references cover the Llama 3 ("llama-bpe") and GPT-2 ("gpt-2") pre-tokenizer names
without more GGUF files: the qwen tokenizer.json with the pre-tokenizer (and ignore_merges) of
Meta-Llama-3's / GPT-2's tokenizer.json and no normalizer is encoded by Hugging Face
`tokenizers` (ids of every corpus string, Tests/Fixtures/gguf-vocab/qwen-<pre>.ids.json.gz), and
converted by the same converter code, which is checked to write exactly qwen.gguf's metadata but
for tokenizer.ggml.pre; the Swift tests rewrite that one key of qwen.gguf.

The Swift tests load these files with Tokenizer(gguf:) and compare against the Hugging Face
references of the same corpus (Tests/Fixtures/tokenizers/<name>/reference.json).

Install: pip install transformers tokenizers sentencepiece protobuf numpy mistral-common
Needs:   the llama.cpp source tree; this was made with the vendor/llama.cpp folder of the
         llama-cpp-python 0.3.36 sdist (pip download --no-binary :all: llama-cpp-python==0.3.36).
Run:     LLAMA_CPP=/path/to/llama.cpp python3 scripts/make_gguf_vocab_fixtures.py
"""
import gzip
import importlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKENIZERS = ROOT / "Tests/Fixtures/tokenizers"
OUT = ROOT / "Tests/Fixtures/gguf-vocab"

# fixture -> (converter method, pre-tokenizer name of the model family it reproduces)
FIXTURES = {
    "qwen": ("_set_vocab_gpt2", "qwen2"),
    "deepseek": ("_set_vocab_gpt2", "deepseek-v3"),
    "mixtral": ("_set_vocab_sentencepiece", None),
}


LLAMA3_REGEX = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
                r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
# pre name -> (pre_tokenizer of that family's tokenizer.json, its BPE ignore_merges)
VARIANTS = {
    "llama-bpe": ({"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": LLAMA3_REGEX}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}, True),
    "gpt-2": ({"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}, False),
}


def sentencepiece_model():
    module = importlib.import_module("mistral_common")
    return Path(module.__file__).parent / "data" / "tokenizer.model.v1"


def make_stand_in(base, gguf, folder, writer, family_pre):
    """An object with the state convert_hf_to_gguf's vocabulary methods read, and those methods."""

    class VocabOnly:
        get_vocab_base = base.TextModel.get_vocab_base
        does_token_look_special = base.TextModel.does_token_look_special
        _set_vocab_gpt2 = base.TextModel._set_vocab_gpt2
        _set_vocab_sentencepiece = base.TextModel._set_vocab_sentencepiece
        _create_vocab_sentencepiece = base.TextModel._create_vocab_sentencepiece
        find_hparam = base.ModelBase.find_hparam

        def __init__(self):
            self.dir_model = folder
            self.hparams = {}
            self.gguf_writer = writer

        def get_vocab_base_pre(self, tokenizer):
            try:
                detected = base.TextModel.get_vocab_base_pre(self, tokenizer)
            except NotImplementedError:
                detected = None
            print(f"  pre-tokenizer hash: {detected or 'not recognized'}; using {family_pre}")
            return family_pre

    return VocabOnly()


def convert(name, method, family_pre, base, gguf, tokenizer_json=None):
    """Converts fixture `name` (with `tokenizer_json` text instead of its tokenizer.json if
    given); returns the GGUF bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for file in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(TOKENIZERS / name / file, folder / file)
        if tokenizer_json is not None:
            (folder / "tokenizer.json").write_text(tokenizer_json, encoding="utf-8")
        if method == "_set_vocab_sentencepiece":
            shutil.copy(sentencepiece_model(), folder / "tokenizer.model")
        path = folder / f"{name}.gguf"
        writer = gguf.GGUFWriter(str(path), "llama")
        model = make_stand_in(base, gguf, folder, writer, family_pre)
        getattr(model, method)()
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        return path.read_bytes()


def write_gzip(path, data):
    with open(path, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, compresslevel=9) as z:
            z.write(data)
    print(f"  {path.name}: {len(data)} bytes, {path.stat().st_size} gzipped")


def metadata(gguf, data):
    """Every metadata key of a GGUF file's bytes with its value."""
    with tempfile.NamedTemporaryFile(suffix=".gguf") as f:
        f.write(data)
        f.flush()
        reader = gguf.GGUFReader(f.name)
        return {key: field.contents() for key, field in reader.fields.items()}


def make_variant(pre, pre_tokenizer, ignore_merges, qwen_bytes, base, gguf):
    from tokenizers import Tokenizer

    spec = json.loads((TOKENIZERS / "qwen" / "tokenizer.json").read_text(encoding="utf-8"))
    spec["normalizer"] = None
    spec["pre_tokenizer"] = pre_tokenizer
    spec["model"]["ignore_merges"] = ignore_merges
    text = json.dumps(spec, ensure_ascii=False)
    converted = metadata(gguf, convert("qwen", "_set_vocab_gpt2", pre, base, gguf, tokenizer_json=text))
    expected = metadata(gguf, qwen_bytes)
    expected["tokenizer.ggml.pre"] = pre
    assert converted == expected, f"{pre}: the converter wrote more than another pre-tokenizer name"
    tokenizer = Tokenizer.from_str(text)
    corpus = json.loads((TOKENIZERS / "corpus.json").read_text(encoding="utf-8"))
    ids = [tokenizer.encode(s, add_special_tokens=False).ids for s in corpus]
    write_gzip(OUT / f"qwen-{pre}.ids.json.gz", json.dumps(ids, separators=(",", ":")).encode())


def main():
    llama_cpp = Path(os.environ["LLAMA_CPP"]).resolve()
    sys.path.insert(0, str(llama_cpp / "gguf-py"))
    sys.path.insert(0, str(llama_cpp))
    import gguf
    from conversion import base

    OUT.mkdir(parents=True, exist_ok=True)
    converted = {}
    for name, (method, family_pre) in FIXTURES.items():
        print(name)
        converted[name] = convert(name, method, family_pre, base, gguf)
        write_gzip(OUT / f"{name}.gguf.gz", converted[name])
    for pre, (pre_tokenizer, ignore_merges) in VARIANTS.items():
        print(f"qwen with {pre}")
        make_variant(pre, pre_tokenizer, ignore_merges, converted["qwen"], base, gguf)


if __name__ == "__main__":
    main()
