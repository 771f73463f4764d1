#!/usr/bin/env python3
"""Writes the reference safetensors fixtures used by Tests/MoEFormatsTests.

Requires:  pip install safetensors numpy
Run from the repository root:  python3 scripts/make_safetensors_fixtures.py

Outputs (under Tests/Fixtures/safetensors/, all committed):
  single/model.safetensors       one file, many dtypes, scalar and zero-size tensors, metadata
  sharded/model-0000N-of-00002.safetensors + model.safetensors.index.json
                                 a two-shard checkpoint laid out the way transformers writes it
  expected.json                  names, dtypes, shapes and exact values of every tensor

Values are chosen to be exactly representable in their dtype, and are stored in
expected.json as decimal strings (Python repr) so that they can be compared exactly.
bf16 has no numpy dtype, so those tensors are passed to the serializer as raw bits.
Re-running may reorder the two __metadata__ keys in single/model.safetensors (the Rust
serializer keeps metadata in a hash map); everything else is reproduced byte for byte.
"""
import json
import os

import numpy as np
from safetensors.numpy import TensorSpec, save_file, serialize_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "safetensors")
MAX_SHARD_BYTES = 150

SAFETENSORS_DTYPE = {
    "float64": "F64", "float32": "F32", "float16": "F16", "int64": "I64", "int32": "I32",
    "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL",
}


class BF16:
    """A bf16 tensor given by float values that bf16 represents exactly."""

    def __init__(self, values, shape):
        f32 = np.array(values, dtype=np.float32).reshape(shape)
        bits = f32.view(np.uint32)
        assert np.all(bits & 0xFFFF == 0), "value not exactly representable in bf16"
        self.bits = (bits >> 16).astype(np.uint16)
        self.values = f32
        self.shape = shape


def describe(tensor):
    if isinstance(tensor, BF16):
        return {"dtype": "BF16", "shape": list(tensor.shape),
                "values": [repr(float(v)) for v in tensor.values.reshape(-1)]}
    kind = tensor.dtype.name
    if kind == "bool":
        values = [str(int(v)) for v in tensor.reshape(-1)]
    elif kind.startswith("float"):
        values = [repr(float(v)) for v in tensor.reshape(-1)]
    else:
        values = [str(int(v)) for v in tensor.reshape(-1)]
    return {"dtype": SAFETENSORS_DTYPE[kind], "shape": list(tensor.shape), "values": values}


def write(tensors, metadata, path):
    """save_file, except that BF16 tensors go to the serializer as raw bits."""
    if not any(isinstance(t, BF16) for t in tensors.values()):
        save_file(tensors, path, metadata=metadata)
        return
    specs, keep = {}, []
    for name, t in tensors.items():
        array = t.bits if isinstance(t, BF16) else (t if t.flags.c_contiguous else t.copy())
        keep.append(array)
        dtype = "bfloat16" if isinstance(t, BF16) else array.dtype.name
        specs[name] = TensorSpec(dtype=dtype, shape=tuple(array.shape), data_ptr=array.ctypes.data,
                                 data_len=array.nbytes)
    serialize_file(specs, path, metadata=metadata)


def nbytes(tensor):
    return tensor.bits.nbytes if isinstance(tensor, BF16) else tensor.nbytes


def shard(tensors):
    """Greedy split in order, as huggingface_hub does (oversized tensors alone)."""
    shards, current, used = [], {}, 0
    for name, t in tensors.items():
        size = nbytes(t)
        if current and used + size > MAX_SHARD_BYTES:
            shards.append(current)
            current, used = {}, 0
        current[name] = t
        used += size
    if current:
        shards.append(current)
    return shards


def main():
    single = {
        "embed.weight": (np.arange(12, dtype=np.float32) * 0.25 - 1.5).reshape(3, 4),
        "layers.0.attn.q.weight": BF16([1.0, -2.5, 0.15625, 1024.0, -0.0078125, 384.0], (2, 3)),
        "layers.0.norm.weight": np.array([0.5, -1.0, 65504.0, 2.0 ** -14, 2.0 ** -24], dtype=np.float16),
        "positions": np.array([0, -1, 2 ** 40, -(2 ** 62)], dtype=np.int64),
        "counts": np.array([[7, -8], [2 ** 31 - 1, -(2 ** 31)]], dtype=np.int32),
        "small": np.array([-128, 127, 0], dtype=np.int8),
        "halfwords": np.array([-32768, 32767], dtype=np.int16),
        "mask": np.array([True, False, True]),
        "bytes": np.array([0, 1, 128, 255], dtype=np.uint8),
        "scale": np.array(3.141592653589793, dtype=np.float64),
        "empty": np.zeros((0, 4), dtype=np.float32),
    }
    single_meta = {"format": "pt", "source": "make_safetensors_fixtures.py"}

    sharded = {
        "model.embed_tokens.weight": (np.arange(16, dtype=np.float32) / 8).reshape(4, 4),
        "model.layers.0.mlp.experts.0.w1.weight": BF16([float(i - 16) / 4 for i in range(32)], (4, 8)),
        "model.layers.0.mlp.gate.weight": np.array([[1, 2, 3, 4], [-1, -2, -3, -4]], dtype=np.float16),
        "model.norm.weight": np.ones(4, dtype=np.float32),
        "lm_head.weight": (np.arange(16, dtype=np.float32) - 8).reshape(4, 4),
    }
    shard_meta = {"format": "pt"}

    os.makedirs(os.path.join(ROOT, "single"), exist_ok=True)
    os.makedirs(os.path.join(ROOT, "sharded"), exist_ok=True)
    write(single, single_meta, os.path.join(ROOT, "single", "model.safetensors"))

    shards = shard(sharded)
    weight_map, total = {}, 0
    for i, part in enumerate(shards):
        name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        write(part, shard_meta, os.path.join(ROOT, "sharded", name))
        for key, t in part.items():
            weight_map[key] = name
            total += nbytes(t)
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(ROOT, "sharded", "model.safetensors.index.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")  # as transformers' save_pretrained

    expected = {
        "single": {"path": "single/model.safetensors", "metadata": single_meta,
                   "tensors": {k: describe(v) for k, v in single.items()}},
        "sharded": {"folder": "sharded", "max_shard_bytes": MAX_SHARD_BYTES, "metadata": shard_meta,
                    "order": list(sharded), "shards": len(shards),
                    "tensors": {k: describe(v) for k, v in sharded.items()}},
    }
    with open(os.path.join(ROOT, "expected.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(expected, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
