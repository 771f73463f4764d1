import MoEFormats

/// The output type of an export: a plain float type, one quantised type for every matrix
/// (llama.cpp's `llama-quantize --pure`), or llama.cpp's Q4_K_M mixture.
public enum GGUFExportType: String, Sendable, CaseIterable {
    /// Every tensor F32 (the converter's `--outtype f32`).
    case f32
    /// Matrices F16, 1-D tensors and routers F32 (`--outtype f16`).
    case f16
    /// Matrices BF16, 1-D tensors and routers F32 (`--outtype bf16`).
    case bf16
    /// Matrices Q8_0 (`llama-quantize --pure ... Q8_0`).
    case q8_0
    /// Matrices Q4_0 (`llama-quantize --pure ... Q4_0`).
    case q4_0
    /// Matrices Q4_K (`llama-quantize --pure ... Q4_K_M`).
    case q4_k
    /// Matrices Q6_K (`llama-quantize --pure ... Q6_K`).
    case q6_k
    /// llama.cpp's Q4_K_M recipe: Q4_K, with Q6_K for the output head and for `attn_v` and
    /// `ffn_down` on the layers `use_more_bits` picks; with 8 experts, Q8_0 `attn_v`/`attn_k`
    /// and Q5_K `attn_output` (`llama-quantize ... Q4_K_M`).
    case q4_k_m

    /// Every type's name, comma-separated, for help text and errors.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The type most matrices get.
    public var baseType: GGMLType {
        switch self {
        case .f32: return .F32
        case .f16: return .F16
        case .bf16: return .BF16
        case .q8_0: return .Q8_0
        case .q4_0: return .Q4_0
        case .q4_k, .q4_k_m: return .Q4_K
        case .q6_k: return .Q6_K
        }
    }

    /// Whether the matrices are block-quantised (llama-quantize's side, not the converter's).
    public var isQuantized: Bool { ![.f32, .f16, .bf16].contains(self) }

    /// `general.file_type`: llama.cpp's `llama_ftype` (ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q4_0 2,
    /// MOSTLY_Q8_0 7, MOSTLY_Q4_K_M 15, MOSTLY_Q6_K 18, MOSTLY_BF16 32).
    public var fileType: UInt32 {
        switch self {
        case .f32: return 0
        case .f16: return 1
        case .q4_0: return 2
        case .q8_0: return 7
        case .q4_k, .q4_k_m: return 15
        case .q6_k: return 18
        case .bf16: return 32
        }
    }
}
