import Foundation
import MoEFormats

/// A Hugging Face tokenizer loaded from tokenizer.json, encoding and decoding exactly as the
/// `tokenizers` library does; or the same pipeline built from a GGUF file's vocabulary
/// (`init(gguf:)`).
///
/// Supported: BPE models (byte-level, as GPT-2 / Llama 3 / Qwen / DeepSeek use, and
/// SentencePiece-style with byte fallback, as Llama 2 / Mistral / Mixtral use), merges as
/// "a b" strings or ["a", "b"] pairs, `ignore_merges`; added tokens; the normalizers,
/// pre-tokenizers, post-processors and decoders listed on their types. Anything else fails to
/// load with `TokenizerError.unsupported` naming the type. Instances are immutable and can be
/// shared between threads.
public final class Tokenizer: Sendable {
    private let model: BPEModel
    private let normalizer: Normalizer?
    private let preTokenizer: PreTokenizer?
    private let postProcessor: PostProcessor?
    private let decoder: Decoder?
    private let addedByID: [Int: AddedToken]
    private let addedByContent: [String: Int]
    private let rawAdded: AddedTokenMatcher
    private let normalizedAdded: AddedTokenMatcher

    /// The added tokens of tokenizer.json, in file order (of a GGUF file: its control and
    /// user-defined tokens, by id).
    public let addedTokens: [AddedToken]
    /// Number of ids: one more than the largest id of the vocabulary or the added tokens.
    public let vocabularySize: Int
    /// tokenizer_config.json's settings (BOS/EOS strings, chat template).
    public let config: TokenizerConfig
    /// The id of `config.bosToken`, if it names a token.
    public let bosTokenID: Int?
    /// The ids that end a sequence: `config.eosToken`'s, if it names a token (a GGUF file's EOS,
    /// end-of-turn and end-of-message ids).
    public let eosTokenIDs: [Int]
    /// The padding token's id: a GGUF file's `tokenizer.ggml.padding_token_id`; nil for
    /// tokenizer.json (tokenizer_config.json's `pad_token` is not read).
    public let paddingTokenID: Int?

    /// The raw chat template (see `TokenizerConfig.chatTemplate`).
    public var chatTemplate: String? { config.chatTemplate }
    /// The BOS token string from tokenizer_config.json.
    public var bosToken: String? { config.bosToken }
    /// The EOS token string from tokenizer_config.json.
    public var eosToken: String? { config.eosToken }

    /// Loads `tokenizer.json`, and `tokenizer_config.json` and `chat_template.jinja` when present,
    /// from a model folder.
    public convenience init(folder: String) throws {
        let url = URL(fileURLWithPath: folder)
        let jsonPath = url.appendingPathComponent("tokenizer.json").path
        let json = try Tokenizer.read(jsonPath)
        let configPath = url.appendingPathComponent("tokenizer_config.json").path
        var config = FileManager.default.fileExists(atPath: configPath)
            ? try TokenizerConfig(json: Data(try Tokenizer.read(configPath)), file: configPath) : TokenizerConfig()
        let templatePath = url.appendingPathComponent("chat_template.jinja").path
        if FileManager.default.fileExists(atPath: templatePath) {
            config.chatTemplate = String(decoding: try Tokenizer.read(templatePath), as: UTF8.self)
        }
        try self.init(tokenizerJSON: Data(json), config: config, file: jsonPath)
    }

    /// Loads a tokenizer from the bytes of tokenizer.json and, optionally, tokenizer_config.json.
    public convenience init(tokenizerJSON: Data, configJSON: Data?) throws {
        try self.init(tokenizerJSON: tokenizerJSON, config: try configJSON.map { try TokenizerConfig(json: $0) } ?? TokenizerConfig())
    }

    /// Loads a tokenizer from the bytes of tokenizer.json and an already-read configuration;
    /// `file` names it in errors.
    public convenience init(tokenizerJSON: Data, config: TokenizerConfig, file: String = "tokenizer.json") throws {
        let root = try JSONNode.parse(tokenizerJSON, file: file)
        try root.requireObject()
        let model = try BPEModel(root["model"])
        let added = root["added_tokens"].isNull ? [] : try root["added_tokens"].array().map { try AddedToken($0) }
        var byContent: [String: Int] = [:]
        for token in added { byContent[token.content] = token.id }
        func lookup(_ token: String?) -> Int? { token.flatMap { byContent[$0] ?? model.vocab[$0] } }
        self.init(model: model,
                  normalizer: try Normalizer.parse(root["normalizer"]),
                  preTokenizer: try PreTokenizer.parse(root["pre_tokenizer"]),
                  postProcessor: try PostProcessor.parse(root["post_processor"]),
                  decoder: try Decoder.parse(root["decoder"]),
                  addedTokens: added, config: config,
                  bosTokenID: lookup(config.bosToken),
                  eosTokenIDs: lookup(config.eosToken).map { [$0] } ?? [],
                  paddingTokenID: nil)
    }

    /// A tokenizer from its parts, as the tokenizer.json and GGUF loaders build them.
    init(model: BPEModel, normalizer: Normalizer?, preTokenizer: PreTokenizer?, postProcessor: PostProcessor?,
         decoder: Decoder?, addedTokens added: [AddedToken], config: TokenizerConfig, bosTokenID: Int?,
         eosTokenIDs: [Int], paddingTokenID: Int?) {
        self.model = model
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        addedTokens = added
        var byID: [Int: AddedToken] = [:]
        var byContent: [String: Int] = [:]
        for token in added {
            byID[token.id] = token
            byContent[token.content] = token.id
        }
        addedByID = byID
        addedByContent = byContent
        rawAdded = AddedTokenMatcher(added.filter { !$0.normalized })
        normalizedAdded = AddedTokenMatcher(added.filter { $0.normalized })
        vocabularySize = max(model.tokens.count, (added.map { $0.id }.max() ?? -1) + 1)
        self.config = config
        self.bosTokenID = bosTokenID
        self.eosTokenIDs = eosTokenIDs
        self.paddingTokenID = paddingTokenID
    }

    private static func read(_ path: String) throws -> [UInt8] {
        do {
            return try MappedFile.read(path)
        } catch let error as FormatError {
            throw TokenizerError.unreadableFile(path: path, reason: error.message)
        }
    }

    /// The id of a token string (added tokens first, then the model's vocabulary).
    public func id(for token: String) -> Int? {
        addedByContent[token] ?? model.vocab[token]
    }

    /// The token string of an id, or nil for an unknown id.
    public func token(for id: Int) -> String? {
        if let added = addedByID[id] { return added.content }
        guard id >= 0, id < model.tokens.count, !model.tokens[id].isEmpty else { return nil }
        return model.tokens[id]
    }

    /// Whether `id` is a special added token (dropped when decoding with `skipSpecialTokens`).
    public func isSpecial(_ id: Int) -> Bool {
        addedByID[id]?.special ?? false
    }

    /// The ids of `text`. With `addSpecialTokens`, the post-processor adds its tokens (e.g. BOS),
    /// as `Tokenizer.encode(text, add_special_tokens=True)` does.
    public func encode(_ text: String, addSpecialTokens: Bool = false) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3)
        var scratch = BPEScratch()
        let raw = Array(text.utf8)
        var segments: [Segment] = []
        raw.withUnsafeBufferPointer { rawAdded.split($0, 0..<$0.count, into: &segments) }
        var inner: [Segment] = []
        for segment in segments {
            switch segment {
            case .token(let id):
                ids.append(id)
            case .text(let range):
                var bytes = Array(raw[range])
                if let normalizer {
                    bytes = Array(normalizer.apply(String(decoding: bytes, as: UTF8.self)).utf8)
                }
                inner.removeAll(keepingCapacity: true)
                bytes.withUnsafeBufferPointer { normalizedAdded.split($0, 0..<$0.count, into: &inner) }
                for part in inner {
                    switch part {
                    case .token(let id):
                        ids.append(id)
                    case .text(let r):
                        encodeText(bytes, r, startsText: range.lowerBound == 0 && r.lowerBound == 0,
                                   into: &ids, scratch: &scratch)
                    }
                }
            }
        }
        if addSpecialTokens, let postProcessor { return postProcessor.process(ids) }
        return ids
    }

    /// Pre-tokenizes and runs the model over normalized text.
    private func encodeText(_ bytes: [UInt8], _ range: Range<Int>, startsText: Bool,
                            into ids: inout [Int], scratch: inout BPEScratch) {
        var pieces = PreTokenized(bytes: bytes, ranges: [range])
        preTokenizer?.apply(&pieces, startsText: startsText)
        pieces.bytes.withUnsafeBufferPointer { p in
            for r in pieces.ranges where !r.isEmpty {
                model.encode(p, r, byteLevel: pieces.byteLevel, into: &ids, scratch: &scratch)
            }
        }
    }

    /// The text of `ids`, as `Tokenizer.decode(ids, skip_special_tokens=...)` gives it. Unknown
    /// ids are skipped.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = token(for: id) else { continue }
            if skipSpecialTokens && isSpecial(id) { continue }
            tokens.append(token)
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decodeChain(tokens).joined()
    }

    /// A detokenizer that turns ids into text as they are generated.
    public func makeStreamingDetokenizer(skipSpecialTokens: Bool = false) -> StreamingDetokenizer {
        StreamingDetokenizer(tokenizer: self, skipSpecialTokens: skipSpecialTokens)
    }
}
