import MoEFormats

/// Chooses each tensor's type the way llama.cpp does: the converter's float rules
/// (`prepare_tensors`: 1-D tensors, norms and routers F32) and `llama-quantize`'s
/// (`tensor_allows_quantization`, `llama_tensor_get_type_impl` for Q4_K_M,
/// `tensor_type_fallback` for rows that are not a whole number of blocks).
struct GGUFExportRecipe {
    /// The requested output.
    let type: GGUFExportType
    /// Decoder layers (`<arch>.block_count`).
    let layerCount: Int
    /// Routed experts (0 for dense models).
    let expertCount: Int
    /// Whether the file has no `output.weight` (the embedding doubles as the output head).
    let tiedEmbeddings: Bool

    /// Number of `attn_v.weight` tensors seen so far (llama.cpp's `i_attention_wv`).
    private var attentionVSeen = 0

    /// A recipe for a model of `layerCount` layers and `expertCount` experts.
    init(type: GGUFExportType, layerCount: Int, expertCount: Int, tiedEmbeddings: Bool) {
        self.type = type
        self.layerCount = layerCount
        self.expertCount = expertCount
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// llama.cpp's `use_more_bits(i, n)`.
    static func useMoreBits(_ i: Int, _ n: Int) -> Bool {
        i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2
    }

    /// The type of tensor `name` of `shape` (outermost first); call in file order (the
    /// `attn_v` count matters for Q4_K_M).
    mutating func choose(name: String, shape: [Int]) -> GGMLType {
        // ssm_conv1d: llama.cpp's convolution kernel reads only f32 taps.
        let keepF32 = shape.count < 2 || name.hasSuffix("_norm.weight") || !name.hasSuffix(".weight") || name.hasSuffix("ssm_conv1d.weight")
            || name.hasSuffix("ffn_gate_inp.weight") || (!type.isQuantized && name.hasSuffix("ffn_gate_inp_shexp.weight"))
        if keepF32 { return .F32 }
        guard type.isQuantized else { return type.baseType }
        let chosen = type == .q4_k_m ? mixture(name: name, shape: shape) : type.baseType
        if name.hasSuffix("attn_v.weight") { attentionVSeen += 1 }
        return Self.fallback(chosen, rowLength: shape.last ?? 0)
    }

    /// `llama_tensor_get_type_impl` for Q4_K_M, restricted to the tensors of the supported
    /// architectures.
    private func mixture(name: String, shape: [Int]) -> GGMLType {
        let rowLength = shape.last ?? 0
        if name == "output.weight" || (tiedEmbeddings && name == "token_embd.weight") {
            return rowLength % GGMLType.qkK != 0 ? .Q8_0 : .Q6_K
        }
        if name.hasSuffix("attn_v.weight") {
            if expertCount == 8 { return .Q8_0 }
            return Self.useMoreBits(attentionVSeen, layerCount) ? .Q6_K : .Q4_K
        }
        if name.hasSuffix("attn_k.weight") { return expertCount == 8 ? .Q8_0 : .Q4_K }
        if name.hasSuffix("ffn_down.weight") || name.hasSuffix("ffn_down_exps.weight") {
            return Self.useMoreBits(Self.layer(of: name), layerCount) ? .Q6_K : .Q4_K
        }
        if name.hasSuffix("attn_output.weight") { return expertCount == 8 ? .Q5_K : .Q4_K }
        return .Q4_K
    }

    /// `tensor_type_fallback`: a type whose block does not divide the row length is replaced
    /// (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0), and by F16 if that does not fit either.
    static func fallback(_ type: GGMLType, rowLength: Int) -> GGMLType {
        guard rowLength % type.blockSize != 0 else { return type }
        let next: GGMLType
        switch type {
        case .Q4_K: next = .Q5_0
        case .Q5_K: next = .Q5_1
        case .Q6_K: next = .Q8_0
        default: next = type
        }
        return rowLength % next.blockSize == 0 ? next : .F16
    }

    /// The layer number in `blk.N.…`, or 0.
    static func layer(of name: String) -> Int {
        let parts = name.split(separator: ".")
        guard parts.count > 1, parts[0] == "blk", let n = Int(parts[1]) else { return 0 }
        return n
    }
}
