/// How the elements of a weight matrix are stored in memory.
///
/// Plain types store one element per block; the ggml block types store `blockSize` weights
/// in `blockBytes` bytes with shared scales (layouts as ggml-common.h, little-endian).
public enum WeightType: String, Sendable, CaseIterable {
    /// IEEE 754 binary32.
    case f32
    /// IEEE 754 binary16.
    case f16
    /// bfloat16: the upper 16 bits of a binary32.
    case bf16
    /// ggml Q8_0: 32 weights, f16 scale and 32 x int8.
    case q8_0
    /// ggml Q4_0: 32 weights, f16 scale and 16 bytes of nibbles (`(q - 8) * d`).
    case q4_0
    /// ggml Q4_1: 32 weights, f16 scale and min and 16 bytes of nibbles (`q * d + m`).
    case q4_1
    /// ggml Q5_0: 32 weights, f16 scale, 32 high bits and 16 bytes of nibbles (`(q - 16) * d`).
    case q5_0
    /// ggml Q5_1: 32 weights, f16 scale and min, 32 high bits and nibbles (`q * d + m`).
    case q5_1
    /// ggml Q4_K: 256 weights in 8 sub-blocks with 6-bit scales and mins.
    case q4_K
    /// ggml Q5_K: Q4_K plus a fifth bit per weight.
    case q5_K
    /// ggml Q6_K: 256 weights in 16 groups with int8 scales, 6-bit quants.
    case q6_K
    /// OCP MXFP4: 32 E2M1 weights sharing an E8M0 exponent.
    case mxfp4

    /// Elements per storage block: 1 for f32, f16 and bf16.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .mxfp4: return 32
        case .q4_K, .q5_K, .q6_K: return 256
        }
    }

    /// Bytes one storage block occupies.
    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q8_0: return 34
        case .q4_0: return 18
        case .q4_1: return 20
        case .q5_0: return 22
        case .q5_1: return 24
        case .q4_K: return 144
        case .q5_K: return 176
        case .q6_K: return 210
        case .mxfp4: return 17
        }
    }

    /// Whether weights are stored in multi-element blocks with shared scales.
    public var isBlockQuantized: Bool { blockSize > 1 }

    /// Bytes of a row of `cols` elements; `cols` must be a multiple of `blockSize`.
    public func rowBytes(cols: Int) -> Int { cols / blockSize * blockBytes }
}
