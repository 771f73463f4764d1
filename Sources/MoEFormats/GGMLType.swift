/// A ggml tensor element type, by the id a GGUF tensor info stores.
///
/// Every id ggml currently assigns is listed, so any file's types print by name; ids ggml has
/// retired (4, 5, 31–33, 36–38) are not types and make a file unreadable. Sizes of every case
/// follow gguf-py's `GGML_QUANT_SIZES`; only the ``isDequantizable`` ones have reference
/// dequantisers here.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    /// 32-bit float.
    case F32 = 0
    /// IEEE binary16.
    case F16 = 1
    /// 32 weights: f16 scale, 4-bit quants.
    case Q4_0 = 2
    /// 32 weights: f16 scale and min, 4-bit quants.
    case Q4_1 = 3
    /// 32 weights: f16 scale, 5-bit quants.
    case Q5_0 = 6
    /// 32 weights: f16 scale and min, 5-bit quants.
    case Q5_1 = 7
    /// 32 weights: f16 scale, 8-bit quants.
    case Q8_0 = 8
    /// 32 weights: f32 scale and sum, 8-bit quants (activations).
    case Q8_1 = 9
    /// k-quant, 2.625 bits per weight.
    case Q2_K = 10
    /// k-quant, 3.4375 bits per weight.
    case Q3_K = 11
    /// k-quant: 256 weights, 4-bit quants with 6-bit sub-block scales and mins.
    case Q4_K = 12
    /// k-quant: 256 weights, 5-bit quants with 6-bit sub-block scales and mins.
    case Q5_K = 13
    /// k-quant: 256 weights, 6-bit quants with 8-bit group scales.
    case Q6_K = 14
    /// k-quant: 256 weights, 8-bit quants (activations).
    case Q8_K = 15
    /// i-quant (importance-matrix codebook type).
    case IQ2_XXS = 16
    /// i-quant (importance-matrix codebook type).
    case IQ2_XS = 17
    /// i-quant (importance-matrix codebook type).
    case IQ3_XXS = 18
    /// i-quant (importance-matrix codebook type).
    case IQ1_S = 19
    /// i-quant (importance-matrix codebook type).
    case IQ4_NL = 20
    /// i-quant (importance-matrix codebook type).
    case IQ3_S = 21
    /// i-quant (importance-matrix codebook type).
    case IQ2_S = 22
    /// i-quant (importance-matrix codebook type).
    case IQ4_XS = 23
    /// 8-bit integer.
    case I8 = 24
    /// 16-bit integer.
    case I16 = 25
    /// 32-bit integer.
    case I32 = 26
    /// 64-bit integer.
    case I64 = 27
    /// 64-bit float.
    case F64 = 28
    /// i-quant (importance-matrix codebook type).
    case IQ1_M = 29
    /// bfloat16.
    case BF16 = 30
    /// ternary, 1.6875 bits per weight.
    case TQ1_0 = 34
    /// ternary, 2.0625 bits per weight.
    case TQ2_0 = 35
    /// OCP microscaling FP4: 32 E2M1 weights sharing an E8M0 exponent.
    case MXFP4 = 39
    /// NVIDIA FP4: 64 E2M1 weights with E4M3 scales.
    case NVFP4 = 40
    /// 1-bit quants in blocks of 128.
    case Q1_0 = 41

    /// Super-block size of the k-quants.
    public static let qkK = 256

    /// The type's name as ggml prints it (`Q4_K`, `BF16`, ...).
    public var name: String { description }

    /// Same as ``name``.
    public var description: String {
        switch self {
        case .F32: return "F32"
        case .F16: return "F16"
        case .Q4_0: return "Q4_0"
        case .Q4_1: return "Q4_1"
        case .Q5_0: return "Q5_0"
        case .Q5_1: return "Q5_1"
        case .Q8_0: return "Q8_0"
        case .Q8_1: return "Q8_1"
        case .Q2_K: return "Q2_K"
        case .Q3_K: return "Q3_K"
        case .Q4_K: return "Q4_K"
        case .Q5_K: return "Q5_K"
        case .Q6_K: return "Q6_K"
        case .Q8_K: return "Q8_K"
        case .IQ2_XXS: return "IQ2_XXS"
        case .IQ2_XS: return "IQ2_XS"
        case .IQ3_XXS: return "IQ3_XXS"
        case .IQ1_S: return "IQ1_S"
        case .IQ4_NL: return "IQ4_NL"
        case .IQ3_S: return "IQ3_S"
        case .IQ2_S: return "IQ2_S"
        case .IQ4_XS: return "IQ4_XS"
        case .I8: return "I8"
        case .I16: return "I16"
        case .I32: return "I32"
        case .I64: return "I64"
        case .F64: return "F64"
        case .IQ1_M: return "IQ1_M"
        case .BF16: return "BF16"
        case .TQ1_0: return "TQ1_0"
        case .TQ2_0: return "TQ2_0"
        case .MXFP4: return "MXFP4"
        case .NVFP4: return "NVFP4"
        case .Q1_0: return "Q1_0"
        }
    }

    /// Elements per block (1 for plain element types); a row's length must be a multiple.
    public var blockSize: Int {
        switch self {
        case .F32, .F16, .BF16, .F64, .I8, .I16, .I32, .I64: return 1
        case .Q4_0, .Q4_1, .Q5_0, .Q5_1, .Q8_0, .Q8_1, .IQ4_NL, .MXFP4: return 32
        case .NVFP4: return 64
        case .Q1_0: return 128
        case .Q2_K, .Q3_K, .Q4_K, .Q5_K, .Q6_K, .Q8_K, .IQ2_XXS, .IQ2_XS, .IQ3_XXS, .IQ1_S,
             .IQ3_S, .IQ2_S, .IQ4_XS, .IQ1_M, .TQ1_0, .TQ2_0:
            return Self.qkK
        }
    }

    /// Bytes per block.
    public var typeSize: Int {
        let k = Self.qkK
        switch self {
        case .F32, .I32: return 4
        case .F16, .BF16, .I16: return 2
        case .F64, .I64: return 8
        case .I8: return 1
        case .Q4_0: return 2 + 16
        case .Q4_1: return 2 + 2 + 16
        case .Q5_0: return 2 + 4 + 16
        case .Q5_1: return 2 + 2 + 4 + 16
        case .Q8_0: return 2 + 32
        case .Q8_1: return 4 + 4 + 32
        case .Q2_K: return 2 + 2 + k / 16 + k / 4
        case .Q3_K: return 2 + k / 4 + k / 8 + 12
        case .Q4_K: return 2 + 2 + k / 2 + 12
        case .Q5_K: return 2 + 2 + k / 2 + k / 8 + 12
        case .Q6_K: return 2 + k / 2 + k / 4 + k / 16
        case .Q8_K: return 4 + k + k / 8
        case .IQ2_XXS: return 2 + k / 4
        case .IQ2_XS: return 2 + k / 4 + k / 32
        case .IQ3_XXS: return 2 + k / 4 + k / 8
        case .IQ1_S: return 2 + k / 8 + k / 16
        case .IQ4_NL: return 2 + 16
        case .IQ3_S: return 2 + k / 4 + k / 8 + k / 32 + 4
        case .IQ2_S: return 2 + k / 4 + k / 16
        case .IQ4_XS: return 2 + 2 + k / 2 + k / 64
        case .IQ1_M: return k / 8 + k / 16 + k / 32
        case .TQ1_0: return 2 + 4 * 13
        case .TQ2_0: return 2 + 64
        case .MXFP4: return 1 + 16
        case .NVFP4: return 4 + 32
        case .Q1_0: return 2 + 16
        }
    }

    /// Whether ``GGMLQuants/dequantize(_:type:count:)`` handles this type (the types this
    /// engine computes with); the others can be listed and mapped but not decoded.
    public var isDequantizable: Bool {
        switch self {
        case .F32, .F16, .BF16, .Q8_0, .Q4_0, .Q4_1, .Q5_0, .Q5_1, .Q4_K, .Q5_K, .Q6_K, .MXFP4: return true
        default: return false
        }
    }

    /// Whether ``GGMLQuants/quantize(_:to:)`` can produce this type.
    public var isQuantizable: Bool {
        switch self {
        case .F32, .F16, .BF16, .Q8_0, .Q4_0, .Q4_1, .Q5_0, .Q5_1, .Q4_K, .Q5_K, .Q6_K: return true
        default: return false
        }
    }

    /// Bytes holding `elements` values of a row, or nil if `elements` is not a whole number
    /// of blocks or the size overflows.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: typeSize)
        return overflow ? nil : bytes
    }
}
