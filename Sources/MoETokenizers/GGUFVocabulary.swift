import MoEFormats

/// The tokenizer metadata llama.cpp's converter writes into a GGUF file (`tokenizer.ggml.*`,
/// `tokenizer.chat_template`), read and validated: arrays of equal length, ids in range,
/// values of the expected types. Nothing here interprets the vocabulary.
struct GGUFVocabulary {
    /// llama.cpp's token types (`tokenizer.ggml.token_type`).
    enum TokenType: Int {
        case normal = 1, unknown, control, userDefined, unused, byte
    }

    /// What `tokenizer.ggml.model` names, with the data that model needs.
    enum Model {
        /// Byte-level BPE: `tokenizer.ggml.merges` as "left right" strings.
        case gpt2(merges: [String])
        /// SentencePiece-style BPE: `tokenizer.ggml.scores`, one per token.
        case llama(scores: [Float])
    }

    /// The file's name, for errors.
    let file: String
    let model: Model
    let tokens: [String]
    let types: [TokenType]
    /// `tokenizer.ggml.pre`, if present.
    let pre: String?
    let bosID: Int?
    let eosID: Int?
    let eotID: Int?
    let eomID: Int?
    let unknownID: Int?
    let paddingID: Int?
    let addBOS: Bool?
    let addEOS: Bool?
    let addSpacePrefix: Bool?
    let chatTemplate: String?

    /// The largest vocabulary accepted (ids are stored in 32-bit merge tables).
    static let maxTokens = 1 << 24

    /// Reads the tokenizer keys of `gguf`; throws `TokenizerError` naming the file and key.
    init(_ gguf: GGUFFile) throws {
        let reader = MetadataReader(gguf: gguf)
        file = gguf.path
        let modelName = try reader.required("tokenizer.ggml.model", "a string naming the tokenizer model") { gguf.string($0) }
        let tokens = try reader.required("tokenizer.ggml.tokens", "an array of strings") { gguf.stringArray($0) }
        guard !tokens.isEmpty, tokens.count <= GGUFVocabulary.maxTokens else {
            throw reader.invalid("tokenizer.ggml.tokens", "between 1 and \(GGUFVocabulary.maxTokens) tokens")
        }
        self.tokens = tokens
        switch modelName {
        case "gpt2":
            model = .gpt2(merges: try reader.required("tokenizer.ggml.merges", "an array of strings") { gguf.stringArray($0) })
        case "llama":
            let scores = try reader.required("tokenizer.ggml.scores", "an array of floats") { gguf.floatArray($0) }
            try reader.check(scores.count == tokens.count, "tokenizer.ggml.scores", "one score per token (\(tokens.count))")
            try reader.check(scores.allSatisfy { $0.isFinite }, "tokenizer.ggml.scores", "finite numbers")
            model = .llama(scores: scores)
        default:
            throw TokenizerError.unsupported(component: "GGUF tokenizer model (tokenizer.ggml.model)", type: modelName)
        }
        if let raw = try reader.optional("tokenizer.ggml.token_type", "an array of integers", { gguf.intArray($0) }) {
            try reader.check(raw.count == tokens.count, "tokenizer.ggml.token_type", "one type per token (\(tokens.count))")
            types = try raw.map { value in
                // 0 is llama.cpp's LLAMA_TOKEN_TYPE_UNDEFINED, which it treats as a normal token.
                guard let type = value == 0 ? .normal : TokenType(rawValue: value) else {
                    throw reader.invalid("tokenizer.ggml.token_type", "token types between 0 and 6 (found \(value))")
                }
                return type
            }
        } else {
            types = Array(repeating: .normal, count: tokens.count)
        }
        pre = try reader.optional("tokenizer.ggml.pre", "a string") { gguf.string($0) }
        func id(_ name: String) throws -> Int? {
            let key = "tokenizer.ggml.\(name)_token_id"
            guard let value = try reader.optional(key, "an integer", { gguf.int($0) }) else { return nil }
            try reader.check(value >= 0 && value < tokens.count, key, "a token id below \(tokens.count) (found \(value))")
            return value
        }
        bosID = try id("bos")
        eosID = try id("eos")
        eotID = try id("eot")
        eomID = try id("eom")
        unknownID = try id("unknown")
        paddingID = try id("padding")
        func flag(_ name: String) throws -> Bool? {
            try reader.optional("tokenizer.ggml.\(name)", "a bool") { gguf.bool($0) }
        }
        addBOS = try flag("add_bos_token")
        addEOS = try flag("add_eos_token")
        addSpacePrefix = try flag("add_space_prefix")
        chatTemplate = try reader.optional("tokenizer.chat_template", "a string") { gguf.string($0) }
    }
}

/// Typed metadata look-ups that tell a missing key from one of the wrong type.
private struct MetadataReader {
    let gguf: GGUFFile

    func invalid(_ key: String, _ expected: String) -> TokenizerError {
        .invalidField(file: gguf.path, field: key, expected: expected)
    }

    func check(_ condition: Bool, _ key: String, _ expected: String) throws {
        if !condition { throw invalid(key, expected) }
    }

    /// The value of `key`; nil if absent, an error if present but not what `read` accepts.
    func optional<T>(_ key: String, _ expected: String, _ read: (String) -> T?) throws -> T? {
        guard gguf.metadata[key] != nil else { return nil }
        guard let value = read(key) else { throw invalid(key, expected) }
        return value
    }

    /// The value of `key`, which must be present.
    func required<T>(_ key: String, _ expected: String, _ read: (String) -> T?) throws -> T {
        guard let value = try optional(key, expected, read) else { throw invalid(key, "present: \(expected)") }
        return value
    }
}
