#!/usr/bin/env python3
"""Convert model fixtures to GGUF with llama.cpp's own converter, for the GGUF loading tests.

Each Tests/Fixtures/models/<name> checkpoint listed below is converted by llama.cpp's
convert_hf_to_gguf.py model classes (real tensor naming, q/k permutation, stacked experts,
metadata) into Tests/Fixtures/gguf-models/<name>-<type>.gguf. The fixtures have no tokenizer, so
only the vocabulary step is skipped. The Swift tests compare the GGUF model's logits with the
transformers reference of the source fixture (Tests/Fixtures/models/<name>/reference.json).

Install: pip install torch numpy sentencepiece safetensors (what convert_hf_to_gguf.py imports)
Needs:   the llama.cpp source tree, e.g. the vendor/llama.cpp folder of the llama-cpp-python
         sdist (pip caches it when installing llama-cpp-python); pass it as LLAMA_CPP.
Run:     LLAMA_CPP=/path/to/llama.cpp python3 scripts/make_gguf_model_fixtures.py
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "Tests/Fixtures/models"
OUT = ROOT / "Tests/Fixtures/gguf-models"

# (fixture, output type): the architectures llama.cpp maps these to are llama (with and without
# experts, with rope_freqs for Llama 3 scaling), qwen2moe, qwen3moe, olmoe, granitemoe, qwen2, qwen3,
# gpt-oss. Run with fixture names as arguments to convert only those.
FIXTURES = [
    ("mixtral-gqa", "f32"),
    ("mixtral-odd-bf16", "bf16"),
    ("qwen2_moe-allmoe", "f32"),
    ("qwen3_moe-allmoe", "f32"),
    # Not olmoe-clipqkv: llama.cpp's OLMoE converter drops clip_qkv (only its OLMo one writes
    # attention.clamp_kqv), so that conversion could not match transformers.
    ("olmoe-base", "f32"),
    ("granitemoe-mult", "f32"),
    ("llama-llama3rope", "f32"),
    ("qwen2-tied", "f32"),
    ("qwen3-bf16", "bf16"),
    # Q8_0 (the converter's own quantiser): the logits stay close and the greedy continuation holds.
    # Not qwen3_moe-allmoe: its random router has near-ties (margins ~1e-3) that Q8_0 weight
    # rounding flips, so its quantised logits move by up to 26% whatever the engine.
    ("mixtral-gqa", "q8_0"),
    # gpt-oss: the MXFP4 experts stay MXFP4 (repacked into ggml blocks), everything else f32.
    ("gpt_oss-mxfp4", "f32"),
]
# The hybrid Qwen3-Next / Qwen3.5-MoE conversions (qwen3next, qwen35moe) are made by
# scripts/make_hybrid_fixtures.py: their converter classes need the MTP block switched off.


def main():
    llama_cpp = Path(os.environ["LLAMA_CPP"]).resolve()
    sys.path.insert(0, str(llama_cpp / "gguf-py"))
    sys.path.insert(0, str(llama_cpp))
    import gguf
    import convert_hf_to_gguf as convert
    from conversion.base import ModelBase, ModelType

    types = {"f32": gguf.LlamaFileType.ALL_F32, "bf16": gguf.LlamaFileType.MOSTLY_BF16,
             "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}
    OUT.mkdir(parents=True, exist_ok=True)
    for name, outtype in FIXTURES:
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        folder = MODELS / name
        hparams = ModelBase.load_hparams(folder, False)
        arch = convert.get_model_architecture(hparams, ModelType.TEXT)
        base = convert.get_model_class(arch, mmproj=False)

        class WithoutVocabulary(base):
            model_arch = base.model_arch

            def set_vocab(self):
                pass

        target = OUT / f"{name}-{outtype}.gguf"
        model = WithoutVocabulary(folder, types[outtype], target, eager=True)
        model.write()
        print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
