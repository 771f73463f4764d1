import Foundation
import MoEFormats

/// The vocabulary llama.cpp's converter writes for a SentencePiece-style BPE tokenizer.json
/// (Mixtral, Llama 2: byte fallback, `<0x..>` byte tokens, Metaspace or Prepend+Replace
/// normalisation) through `_set_vocab_llama_hf` / gguf-py's `LlamaHfVocab`: model `llama`,
/// pre-tokenizer `default`, the base vocabulary then the added tokens above it, token types
/// (byte, control for transformers' special tokens, user-defined for other added tokens,
/// normal), and `add_space_prefix` from tokenizer_config.json's `add_prefix_space`.
///
/// One value differs from the converter's: `tokenizer.ggml.scores`. `LlamaHfVocab` writes
/// -1000 for every token, and llama.cpp's SentencePiece tokenizer, which merges the adjacent
/// pair whose joined token scores highest, then merges leftmost first and splits words unlike
/// the tokenizer.json. Here a token scores minus the rank of its first merge in tokenizer.json
/// (the order transformers derived those merges from the SentencePiece scores in), so llama.cpp
/// merges in the tokenizer.json's order; tokens no merge makes score below every merge. Rows
/// of the model beyond the vocabulary are padded as the converter's SentencePiece path pads
/// them (`[PADn]`, unused), so that llama.cpp loads the file. (With a tokenizer.model in the
/// folder the converter would read that instead; its scores order the merges the same way.)
enum GGUFExportVocabularyLlama {
    typealias TokenType = GGUFExportVocabulary.TokenType

    /// gguf-py's `LlamaHfVocab` test: a BPE model with byte fallback and a Sequence decoder.
    static func applies(_ json: [String: Any]) -> Bool {
        let model = json["model"] as? [String: Any] ?? [:]
        return model["type"] as? String == "BPE" && model["byte_fallback"] as? Bool == true
            && (json["decoder"] as? [String: Any])?["type"] as? String == "Sequence"
    }

    /// The special token kinds transformers names (`all_special_tokens`).
    static let namedKinds = ["bos", "eos", "unk", "sep", "pad", "cls", "mask"]

    /// The metadata of `files` for a model of `vocabSize` rows.
    static func metadata(_ files: GGUFExportVocabulary.Files, chatTemplate: String?,
                         vocabSize: Int) -> Result<[(key: String, value: GGUFValue)], GGUFExportVocabulary.SkipReason> {
        let model = files.tokenizer["model"] as? [String: Any] ?? [:]
        guard let vocab = model["vocab"] as? [String: Int], Set(vocab.values) == Set(0..<vocab.count) else {
            return .failure(GGUFExportVocabulary.SkipReason("tokenizer.json's vocabulary ids are not 0 to n - 1"))
        }
        var texts = [String](repeating: "", count: vocab.count)
        for (token, id) in vocab { texts[id] = token }
        var added: [(id: Int, text: String)] = []
        for entry in files.tokenizer["added_tokens"] as? [[String: Any]] ?? [] {
            guard let id = entry["id"] as? Int, let content = entry["content"] as? String else { continue }
            if id < vocab.count { texts[id] = content } else { added.append((id, content)) }
        }
        added.sort { $0.id < $1.id }
        guard added.map(\.id) == Array(vocab.count..<(vocab.count + added.count)) else {
            return .failure(GGUFExportVocabulary.SkipReason("tokenizer.json's added tokens above the vocabulary are not numbered consecutively"))
        }
        let idOf = Dictionary(zip(texts, texts.indices), uniquingKeysWith: { first, _ in first })
            .merging(added.map { ($0.text, $0.id) }, uniquingKeysWith: { _, last in last })
        let specialIDs = Set(specialTokens(files).compactMap { idOf[$0] })
        var types: [TokenType] = texts.indices.map { id in
            isByteToken(texts[id]) ? .byte : specialIDs.contains(id) ? .control : .normal
        }
        types += added.map { specialIDs.contains($0.id) ? .control : .userDefined }
        var tokens = texts + added.map(\.text)
        var scores = self.scores(of: tokens, merges: model["merges"])
        let unmerged = scores.min() ?? 0
        for row in tokens.count..<max(vocabSize, tokens.count) {
            tokens.append("[PAD\(row - texts.count - added.count + 1)]")
            scores.append(unmerged)
            types.append(.unused)
        }
        var m: [(key: String, value: GGUFValue)] = []
        if let prefix = files.config?["add_prefix_space"] as? Bool { m.append(("tokenizer.ggml.add_space_prefix", .bool(prefix))) }
        m += [
            ("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.pre", .string("default")),
            ("tokenizer.ggml.tokens", .array(.string, tokens.map(GGUFValue.string))),
            ("tokenizer.ggml.scores", .array(.float32, scores.map(GGUFValue.float32))),
            ("tokenizer.ggml.token_type", .array(.int32, types.map { .int32($0.rawValue) })),
        ]
        m += GGUFExportVocabulary.special(files, tokenCount: tokens.count).metadata(chatTemplate: chatTemplate)
        return .success(m)
    }

    /// Each token's score: minus the rank of the first merge that makes it, or minus the
    /// number of merges for tokens no merge makes.
    static func scores(of tokens: [String], merges raw: Any?) -> [Float] {
        let merges = (raw as? [[String]])?.map { $0.joined() }
            ?? (raw as? [String] ?? []).map { $0.split(separator: " ", maxSplits: 1).joined() }
        var firstRank: [String: Int] = [:]
        for (rank, merged) in merges.enumerated() where firstRank[merged] == nil { firstRank[merged] = rank }
        return tokens.map { Float(-(firstRank[$0] ?? merges.count)) }
    }

    /// transformers' `all_special_tokens` for the folder: the named special tokens of
    /// tokenizer_config.json (else special_tokens_map.json; LlamaTokenizer's `<s>`, `</s>`,
    /// `<unk>` when that class is named and the entry is absent) and the additional ones.
    static func specialTokens(_ files: GGUFExportVocabulary.Files) -> [String] {
        func content(_ entry: Any?) -> String? { entry as? String ?? (entry as? [String: Any])?["content"] as? String }
        let config = files.config ?? [:], map = files.specialTokensMap ?? [:]
        let llamaDefaults = config["tokenizer_class"] as? String == "LlamaTokenizer"
            ? ["bos": "<s>", "eos": "</s>", "unk": "<unk>"] : [:]
        var tokens: [String] = namedKinds.compactMap { kind in
            let key = "\(kind)_token"
            if let entry = config[key] { return content(entry) }
            if let entry = map[key] { return content(entry) }
            return llamaDefaults[kind]
        }
        for key in ["additional_special_tokens", "extra_special_tokens"] {
            let entries = config[key] ?? map[key]
            let list = entries as? [Any] ?? (entries as? [String: Any]).map { Array($0.values) } ?? []
            tokens += list.compactMap(content)
        }
        return tokens
    }

    /// gguf-py's byte token test: exactly `<0xHH>`.
    static func isByteToken(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        return scalars.count == 6 && String(String.UnicodeScalarView(scalars[0..<3])) == "<0x" && scalars[5] == ">"
            && scalars[3...4].allSatisfy { $0.properties.isASCIIHexDigit }
    }
}
