/// The model, normalizer, pre-tokenizer and decoder a GGUF vocabulary stands for, and
/// whether encoding with special tokens starts with BOS.
struct GGUFPipeline {
    let model: BPEModel
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let decoder: Decoder
    let addBOS: Bool

    /// A `gpt2` vocabulary: byte-level BPE with the listed merges.
    static func byteLevel(_ v: GGUFVocabulary, merges lines: [String]) throws -> GGUFPipeline {
        let setup = try GGUFPreTokenizerSetup(name: v.pre)
        var tokens = v.tokens
        for (id, type) in v.types.enumerated() where type == .unused { tokens[id] = "" }
        let vocab = vocabulary(tokens)
        var merges: [BPEMerge] = []
        merges.reserveCapacity(lines.count)
        for (rank, line) in lines.enumerated() {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let merge = BPEMerge(String(parts[0]), String(parts[1]), vocab: vocab) else {
                throw TokenizerError.invalidField(
                    file: v.file, field: "tokenizer.ggml.merges[\(rank)]",
                    expected: "\"left right\" with both tokens and their concatenation in the vocabulary (found \(line.debugDescription))")
            }
            merges.append(merge)
        }
        let model = BPEModel(vocab: vocab, tokens: tokens, merges: merges, unknownID: v.unknownID,
                             fuseUnknown: false, byteFallback: false, ignoreMerges: setup.ignoreMerges)
        return GGUFPipeline(model: model, normalizer: setup.normalizer, preTokenizer: setup.preTokenizer,
                            decoder: .byteLevel, addBOS: v.addBOS ?? setup.ignoreMerges)
    }

    /// A `llama` (SentencePiece) vocabulary: merges implied by the scores, byte fallback.
    static func sentencePiece(_ v: GGUFVocabulary, scores: [Float]) -> GGUFPipeline {
        let vocab = vocabulary(v.tokens)
        let merges = SentencePieceMerges.derive(tokens: v.tokens, vocab: vocab, scores: scores)
        let unknownID = v.unknownID ?? v.types.firstIndex(of: .unknown)
        let model = BPEModel(vocab: vocab, tokens: v.tokens, merges: merges, unknownID: unknownID,
                             fuseUnknown: true, byteFallback: true, ignoreMerges: false)
        let mark = "\u{2581}"
        let spaces = Normalizer.replace(SplitPattern(literal: Array(" ".utf8)), mark)
        var decoders: [Decoder] = [.replace(mark, " "), .byteFallback, .fuse]
        let normalizer: Normalizer
        if v.addSpacePrefix ?? true {
            normalizer = .sequence([.prepend(mark), spaces])
            decoders.append(.strip(content: " ", start: 1, stop: 0))
        } else {
            normalizer = spaces
        }
        return GGUFPipeline(model: model, normalizer: normalizer, preTokenizer: nil,
                            decoder: .sequence(decoders), addBOS: v.addBOS ?? true)
    }

    /// Token -> id for the non-empty tokens; a repeated token keeps its last id, as llama.cpp's
    /// token-to-id map does.
    private static func vocabulary(_ tokens: [String]) -> [String: Int] {
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where !token.isEmpty { vocab[token] = id }
        return vocab
    }
}
