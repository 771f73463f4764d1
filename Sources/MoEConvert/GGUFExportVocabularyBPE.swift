import Foundation
import MoEFormats
import MoETokenizers

/// The vocabulary llama.cpp's converter writes for a byte-level BPE tokenizer.json
/// (`_set_vocab_gpt2`): tokens padded to the model's rows, token types, merges, and the
/// pre-tokenizer name found by llama.cpp's fingerprint.
enum GGUFExportVocabularyBPE {
    typealias TokenType = GGUFExportVocabulary.TokenType

    /// Whether tokenizer.json is a BPE whose pre-tokenizer (or one step of a Sequence) is ByteLevel.
    static func applies(_ json: [String: Any]) -> Bool {
        guard (json["model"] as? [String: Any])?["type"] as? String == "BPE",
              let pre = json["pre_tokenizer"] as? [String: Any] else { return false }
        let steps = pre["pretokenizers"] as? [[String: Any]] ?? [pre]
        return steps.contains { $0["type"] as? String == "ByteLevel" }
    }

    /// The metadata of `files` (whose tokenizer is `tokenizer`) for a model of `vocabSize` rows.
    static func metadata(_ files: GGUFExportVocabulary.Files, tokenizer: Tokenizer,
                         vocabSize: Int) -> Result<[(key: String, value: GGUFValue)], GGUFExportVocabulary.SkipReason> {
        let json = files.tokenizer
        let model = json["model"] as? [String: Any] ?? [:]
        guard let vocab = model["vocab"] as? [String: Int] else {
            return .failure(GGUFExportVocabulary.SkipReason("tokenizer.json's BPE model has no vocabulary"))
        }
        let ids = tokenizer.encode(GGUFExportPreTokenizers.checkText, addSpecialTokens: true)
        let hash = SHA256.hex(Array(("[" + ids.map(String.init).joined(separator: ", ") + "]").utf8))
        guard let pre = GGUFExportPreTokenizers.byHash[hash] ?? preTokenizerFromConfiguration(json) else {
            return .failure(GGUFExportVocabulary.SkipReason("llama.cpp does not know this pre-tokenizer (fingerprint \(hash))"))
        }
        var byID: [Int: (String, TokenType)] = [:]
        for (token, id) in vocab { byID[id] = (token, .normal) }
        for entry in json["added_tokens"] as? [[String: Any]] ?? [] {
            guard let id = entry["id"] as? Int, let content = entry["content"] as? String else { continue }
            let special = entry["special"] as? Bool ?? false
            byID[id] = special || looksSpecial(content) ? (content, .control)
                : (content.replacingOccurrences(of: "\u{2581}", with: " "), .userDefined)
        }
        var tokens: [GGUFValue] = [], types: [GGUFValue] = []
        for i in 0..<max(vocabSize, (byID.keys.max() ?? -1) + 1) {
            let (token, type) = byID[i] ?? ("[PAD\(i)]", .unused)
            tokens.append(.string(token))
            types.append(.int32(type.rawValue))
        }
        var m: [(key: String, value: GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string(pre)),
            ("tokenizer.ggml.tokens", .array(.string, tokens)), ("tokenizer.ggml.token_type", .array(.int32, types)),
        ]
        let merges = mergeStrings(model["merges"])
        if !merges.isEmpty { m.append(("tokenizer.ggml.merges", .array(.string, merges.map(GGUFValue.string)))) }
        m += GGUFExportVocabulary.special(files, tokenCount: tokens.count).metadata(chatTemplate: tokenizer.chatTemplate)
        return .success(m)
    }

    /// llama.cpp's name for a pre-tokenizer recognised from its configuration rather than
    /// its fingerprint (which only knows published vocabularies): a lone `ByteLevel`
    /// pre-tokenizer with its regex and no normalizer splits exactly as llama.cpp's `gpt-2`.
    /// This is what `moe train-tokenizer` writes.
    static func preTokenizerFromConfiguration(_ json: [String: Any]) -> String? {
        guard json["normalizer"] == nil || json["normalizer"] is NSNull,
              let pre = json["pre_tokenizer"] as? [String: Any], pre["type"] as? String == "ByteLevel",
              pre["use_regex"] as? Bool ?? true, !(pre["add_prefix_space"] as? Bool ?? false)
        else { return nil }
        return "gpt-2"
    }

    /// gguf-py's merge strings: `"a b"`, spaces inside a part encoded as U+0120.
    static func mergeStrings(_ raw: Any?) -> [String] {
        if let strings = raw as? [String] { return strings }
        guard let pairs = raw as? [[String]] else { return [] }
        return pairs.map { pair in
            pair.map { part in String(part.unicodeScalars.map { $0 == " " ? Character("\u{120}") : Character($0) }) }
                .joined(separator: " ")
        }
    }

    /// llama.cpp's `does_token_look_special`.
    static func looksSpecial(_ token: String) -> Bool {
        ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].contains(token)
            || (token.hasPrefix("<|") && token.hasSuffix("|>")) || (token.hasPrefix("<｜") && token.hasSuffix("｜>"))
            || (token.hasPrefix("<unused") && token.hasSuffix(">"))
    }
}
