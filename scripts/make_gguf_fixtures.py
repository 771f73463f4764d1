#!/usr/bin/env python3
"""Writes the reference GGUF fixtures used by Tests/MoEFormatsTests (GGUF*, Quant*).

Requires:  pip install gguf numpy llama-cpp-python   (gguf-py 0.19; llama-cpp-python 0.3.36
           builds ggml from source and ships its C library, libggml-base, whose reference
           quantisers this script calls through ctypes)
Run from anywhere:  python3 scripts/make_gguf_fixtures.py

Outputs (under Tests/Fixtures/gguf/, all committed; the output is deterministic):
  reference.gguf   written by gguf-py's GGUFWriter with alignment 64: metadata of every value
                   type (arrays of each, nested arrays), and tensors:
                     plain.F32 / plain.F16 / plain.BF16 / plain.I32   small element tensors
                     random.<T>      random valid blocks of every dequantisable type T
                     random.<T>.f32  gguf-py's dequantize(random.<T>) as F32 (bit patterns)
                     random.Q2_K     blocks of a type we only list, never decode
                     quant.input     F32 values (a few special blocks, then random ones)
                     quant.<T>       gguf-py's quantize(quant.input, T) for T in
                                     F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1
                     quantk.input    F32 values: quant.input's rows, then heavier-tailed ones
                     quantk.<T>      ggml's C ggml_quantize_chunk(quantk.input, T) without an
                                     importance matrix (= quantize_row_<t>_ref) for Q4_K,
                                     Q5_K, Q6_K
  small.gguf       default alignment, a few keys and tensors (the writer byte-identity test)
  small_v2.gguf    small.gguf with its version field set to 2 (v2 and v3 share a layout)
  expected.json    version, alignment, metadata (type and value of every key, in order) and
                   tensor infos (name, type, shape outermost first, offset, bytes) per file

Every file is read back with gguf-py's GGUFReader and checked against expected.json here.
Integers and floats in expected.json are strings (Python repr), so they parse exactly.
"""
import ctypes
import json
import os
import shutil

import llama_cpp
import numpy as np
from gguf import GGMLQuantizationType as T, GGUFReader, GGUFValueType as V, GGUFWriter
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize, quantize

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "gguf")
RNG = np.random.default_rng(20261124)

# Byte offsets of the binary16 scale fields inside one block, per type.
HALF_FIELDS = {
    T.Q8_0: [0], T.Q4_0: [0], T.Q5_0: [0], T.Q4_1: [0, 2], T.Q5_1: [0, 2],
    T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208], T.MXFP4: [],
}
BLOCK_COUNTS = {T.Q4_K: 4, T.Q5_K: 4, T.Q6_K: 4}


def random_halves(n):
    """Finite binary16 values: mostly small normals, some subnormals, zeros and negatives."""
    values = RNG.normal(0, 0.05, n).astype(np.float16)
    pick = RNG.integers(0, 10, n)
    values[pick == 0] = np.float16(0)
    values[pick == 1] = (RNG.integers(1, 1024, (pick == 1).sum()).astype(np.uint16)).view(np.float16)
    values[pick == 2] = -values[pick == 2]
    return values


def random_blocks(qtype, rows):
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    n_blocks = BLOCK_COUNTS.get(qtype, 8)
    blocks = RNG.integers(0, 256, (rows * n_blocks, type_size), dtype=np.uint8)
    for at in HALF_FIELDS.get(qtype, []):
        blocks[:, at:at + 2] = random_halves(len(blocks)).view(np.uint8).reshape(-1, 2)
    return blocks.reshape(rows, n_blocks * type_size)


def quant_input():
    """(8, 256) f32: special blocks first (ties, zeros, constants, f16 edge cases), then random."""
    x = (RNG.normal(0, 1, (8, 256)) * RNG.choice([1e-3, 0.1, 1, 30], (8, 1))).astype(np.float32)
    flat = x.reshape(-1)
    flat[0:32] = np.arange(-16, 16, dtype=np.float32) * 0.5
    flat[0] = 127.0
    flat[1] = 2.5
    flat[32:64] = 0
    flat[64:96] = 0.75
    flat[96:128] = np.array([70000, 65519, 65520, 65504, 1e-7, 3e-8, -2.98e-8, 6.1e-5, -6.2e-5, 5.96e-8] +
                            [0.1 * i for i in range(22)], dtype=np.float32)
    flat[128:160] = -flat[128:160] * 0
    flat[160:192] = np.linspace(-8, 7, 32, dtype=np.float32)
    return x


def quantk_input():
    """(24, 256) f32: quant.input's rows, then Laplace, sparse and outlier rows."""
    rows = [quant_input()]
    rows.append(RNG.laplace(0, 0.02, (8, 256)).astype(np.float32))
    sparse = RNG.normal(0, 1, (8, 256)).astype(np.float32)
    sparse[RNG.random((8, 256)) < 0.7] = 0
    sparse[:, 7] = 50
    rows.append(sparse)
    return np.concatenate(rows, axis=0)


def ggml_library():
    """libggml-base as shipped inside the llama_cpp package, with ggml_quantize_chunk's signature."""
    lib = ctypes.CDLL(os.path.join(os.path.dirname(llama_cpp.__file__), "lib", "libggml-base.so"))
    lib.ggml_quantize_chunk.restype = ctypes.c_size_t
    lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_float), ctypes.c_void_p,
                                        ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                                        ctypes.POINTER(ctypes.c_float)]
    return lib


def ggml_quantize(x, qtype):
    """ggml's reference quantiser (C) for qtype on the rows of x."""
    rows, n = x.shape
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    x = np.ascontiguousarray(x, dtype=np.float32)
    out = np.zeros((rows, n // block_size * type_size), dtype=np.uint8)
    ggml_library().ggml_quantize_chunk(int(qtype), x.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                             out.ctypes.data_as(ctypes.c_void_p), 0, rows, n, None)
    return out


def metadata_writer(w):
    """Adds one key of every value type, arrays of each and nested arrays (after general.architecture)."""
    w.add_uint8("test.uint8", 255)
    w.add_int8("test.int8", -128)
    w.add_uint16("test.uint16", 65535)
    w.add_int16("test.int16", -32768)
    w.add_uint32("test.uint32", 4294967295)
    w.add_int32("test.int32", -2147483648)
    w.add_float32("test.float32", -1.25)
    w.add_bool("test.bool_true", True)
    w.add_bool("test.bool_false", False)
    w.add_string("test.string", "héllo, GGUF ✓")
    w.add_uint64("test.uint64", 18446744073709551615)
    w.add_int64("test.int64", -9223372036854775808)
    w.add_float64("test.float64", 3.141592653589793)
    w.add_custom_alignment(64)
    arrays = [
        ("test.array.uint8", [0, 1, 255], V.UINT8), ("test.array.int8", [-128, 0, 127], V.INT8),
        ("test.array.uint16", [0, 65535], V.UINT16), ("test.array.int16", [-32768, 32767], V.INT16),
        ("test.array.uint32", [0, 4294967295], V.UINT32), ("test.array.int32", [-1, 2, -3], V.INT32),
        ("test.array.float32", [0.5, -2.0, 1e-3], V.FLOAT32), ("test.array.bool", [True, False, True], V.BOOL),
        ("test.array.string", ["a", "", "ünïcode", "tab\there"], V.STRING),
        ("test.array.uint64", [0, 18446744073709551615], V.UINT64),
        ("test.array.int64", [-9223372036854775808, 9223372036854775807], V.INT64),
        ("test.array.float64", [2.5, -1e300], V.FLOAT64),
    ]
    for key, values, sub in arrays:
        w.add_key_value(key, values, V.ARRAY, sub_type=sub)
    w.add_key_value("test.array.nested_int32", [[1, 2], [3], [4, 5, 6]], V.ARRAY)
    w.add_key_value("test.array.nested_string", [["x"], ["y", "z"]], V.ARRAY)
    w.add_key_value("test.array.nested2", [[[1.5], [2.5, 3.5]]], V.ARRAY)
    w.add_string("general.name", "fixture")


def write_reference(path):
    w = GGUFWriter(path, "test")
    metadata_writer(w)
    w.add_tensor("plain.F32", RNG.normal(0, 1, (3, 5)).astype(np.float32))
    w.add_tensor("plain.F16", random_halves(8).reshape(2, 4))
    bf16 = quantize(RNG.normal(0, 3, (4, 8)).astype(np.float32), T.BF16)
    w.add_tensor("plain.BF16", bf16, raw_dtype=T.BF16)
    w.add_tensor("plain.I32", np.arange(-6, 6, dtype=np.int32).reshape(1, 3, 4))
    for qtype in [T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.MXFP4, T.Q4_K, T.Q5_K, T.Q6_K]:
        blocks = random_blocks(qtype, 2)
        w.add_tensor(f"random.{qtype.name}", blocks, raw_dtype=qtype)
        w.add_tensor(f"random.{qtype.name}.f32", dequantize(blocks, qtype).astype(np.float32))
    w.add_tensor("random.Q2_K", random_blocks(T.Q2_K, 2).reshape(1, 2, -1), raw_dtype=T.Q2_K)
    x = quant_input()
    w.add_tensor("quant.input", x)
    for qtype in [T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1]:
        q = quantize(x, qtype)
        if qtype == T.F16:
            w.add_tensor("quant.F16", q)
        else:
            w.add_tensor(f"quant.{qtype.name}", q, raw_dtype=qtype)
    xk = quantk_input()
    w.add_tensor("quantk.input", xk)
    for qtype in [T.Q4_K, T.Q5_K, T.Q6_K]:
        w.add_tensor(f"quantk.{qtype.name}", ggml_quantize(xk, qtype), raw_dtype=qtype)
    close(w)


def write_small(path):
    w = GGUFWriter(path, "llama")
    w.add_uint32("llama.block_count", 2)
    w.add_float32("llama.rope.freq_base", 10000.0)
    w.add_array("tokenizer.ggml.tokens", ["<s>", "</s>", "hello"])
    w.add_tensor("token_embd.weight", np.arange(12, dtype=np.float32).reshape(3, 4))
    w.add_tensor("output_norm.weight", np.ones(5, dtype=np.float16))
    w.add_tensor("blk.0.ffn_down.weight", quantize(quant_input()[:2], T.Q8_0), raw_dtype=T.Q8_0)
    close(w)


def close(w):
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def value_json(vtype, value):
    if vtype == V.ARRAY:
        raise AssertionError("arrays are handled by field_json")
    if vtype == V.STRING:
        return value
    if vtype == V.BOOL:
        return "true" if value else "false"
    if vtype in (V.FLOAT32, V.FLOAT64):
        return repr(float(value))
    return str(int(value))


def field_json(field):
    """A reader field as {type, value} / {type: ARRAY, element_type, value: [...]}, decoded from its raw parts."""
    parts = field.parts

    # gguf-py flattens nested arrays in parts; decode again from the raw parts sequentially.
    pos = [3]  # parts: key length, key, value type, then the value

    def decode(vtype):
        if vtype == V.ARRAY:
            etype = V(int(parts[pos[0]][0]))
            count = int(parts[pos[0] + 1][0])
            pos[0] += 2
            return {"type": "ARRAY", "element_type": etype.name, "value": [decode(etype) for _ in range(count)]}
        if vtype == V.STRING:
            text = bytes(parts[pos[0] + 1]).decode("utf-8")
            pos[0] += 2
            return {"type": "STRING", "value": text}
        raw = parts[pos[0]].tolist()[0]
        pos[0] += 1
        return {"type": vtype.name, "value": value_json(vtype, raw)}

    return decode(V(int(parts[2][0])))


def describe(path):
    r = GGUFReader(path)
    version = int(r.fields["GGUF.version"].parts[0][0])
    metadata = [{"key": name, **field_json(f)} for name, f in r.fields.items() if not name.startswith("GGUF.")]
    tensors = [{
        "name": t.name, "type": t.tensor_type.name, "shape": [int(d) for d in reversed(t.shape.tolist())],
        "offset": int(t.data_offset) - int(r.tensors[0].data_offset) if r.tensors else 0,
        "bytes": int(t.n_bytes),
    } for t in r.tensors]
    return {"version": version, "alignment": int(r.alignment), "data_offset": int(r.data_offset),
            "metadata": metadata, "tensors": tensors}


def check_reference(path):
    """Companion tensors really are gguf-py's dequantisation of the random blocks."""
    r = GGUFReader(path)
    by_name = {t.name: t for t in r.tensors}
    for name, t in by_name.items():
        if name.startswith("random.") and not name.endswith(".f32") and name != "random.Q2_K":
            want = by_name[name + ".f32"].data.view(np.uint32)
            got = dequantize(t.data, t.tensor_type).astype(np.float32).view(np.uint32)
            assert np.array_equal(got.reshape(-1), want.reshape(-1)), name


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    reference = os.path.join(ROOT, "reference.gguf")
    small = os.path.join(ROOT, "small.gguf")
    small_v2 = os.path.join(ROOT, "small_v2.gguf")
    write_reference(reference)
    write_small(small)
    data = bytearray(open(small, "rb").read())
    data[4:8] = (2).to_bytes(4, "little")
    open(small_v2, "wb").write(bytes(data))
    check_reference(reference)
    expected = {name: describe(os.path.join(ROOT, name)) for name in ["reference.gguf", "small.gguf", "small_v2.gguf"]}
    assert expected["small_v2.gguf"]["version"] == 2
    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(ROOT, n)) for n in os.listdir(ROOT))
    print(f"wrote {ROOT} ({total} bytes)")


if __name__ == "__main__":
    main()
