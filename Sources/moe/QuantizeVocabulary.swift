import Foundation
import MoEFormats
import MoETokenizers

/// The vocabulary metadata llama.cpp's converter writes for a byte-level BPE
/// (`tokenizer.ggml.model` = `gpt2`) tokenizer.json: tokens, token types, merges, the
/// pre-tokenizer name found by llama.cpp's fingerprint, special token ids, `add_bos/eos`
/// flags and the chat template (a subset of gguf-py's `SpecialVocab`: the
/// TemplateProcessing heuristics for `add_*_token` are not reproduced).
enum QuantizeVocabulary {
    /// gguf-py's `TokenType`.
    enum TokenType: Int32 { case normal = 1, control = 3, userDefined = 4, unused = 5 }

    /// Special token kinds in the order gguf-py's `SpecialVocab` reads them, with their GGUF key.
    static let specialKinds: [(kind: String, key: String)] = [
        ("bos", "bos_token_id"), ("eos", "eos_token_id"), ("unk", "unknown_token_id"), ("sep", "seperator_token_id"),
        ("pad", "padding_token_id"), ("cls", "cls_token_id"), ("mask", "mask_token_id"),
    ]

    /// Metadata for the tokenizer in `folder` for a model of `vocabSize` rows, or a reason it is skipped.
    static func metadata(folder: String, vocabSize: Int) throws -> Result<[(key: String, value: GGUFValue)], SkipReason> {
        func load(_ name: String) -> [String: Any]? {
            let path = (folder as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
        guard let json = load("tokenizer.json") else { return .failure(SkipReason("no readable tokenizer.json")) }
        let model = json["model"] as? [String: Any] ?? [:]
        guard model["type"] as? String == "BPE", isByteLevel(json), let vocab = model["vocab"] as? [String: Int] else {
            return .failure(SkipReason("tokenizer.json is not a byte-level BPE vocabulary (only gpt2-style vocabularies are written)"))
        }
        let tokenizer = try Tokenizer(folder: folder)
        let ids = tokenizer.encode(QuantizePreTokenizers.checkText, addSpecialTokens: true)
        let hash = QuantizeSHA256.hex(Array(("[" + ids.map(String.init).joined(separator: ", ") + "]").utf8))
        guard let pre = QuantizePreTokenizers.byHash[hash] ?? preTokenizerFromConfiguration(json) else {
            return .failure(SkipReason("llama.cpp does not know this pre-tokenizer (fingerprint \(hash))"))
        }
        let added = json["added_tokens"] as? [[String: Any]] ?? []
        var byID: [Int: (String, TokenType)] = [:]
        for (token, id) in vocab { byID[id] = (token, .normal) }
        for entry in added {
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
        let config = load("tokenizer_config.json") ?? [:]
        let modelConfig = load("config.json") ?? [:]
        var special: [(String, Int)] = []
        for (kind, key) in specialKinds {
            var content = config["\(kind)_token"] as? String
            if content == nil { content = (config["\(kind)_token"] as? [String: Any])?["content"] as? String }
            if let content, let id = added.first(where: { $0["content"] as? String == content })?["id"] as? Int {
                special.append((key, id))
            }
        }
        for (kind, key) in specialKinds where !special.contains(where: { $0.0 == key }) {
            if let id = modelConfig["\(kind)_token_id"] as? Int, id >= 0 { special.append((key, id)) }
        }
        for (key, id) in special { m.append(("tokenizer.ggml.\(key)", .uint32(UInt32(clamping: id)))) }
        for kind in ["bos", "eos"] {
            if let flag = config["add_\(kind)_token"] as? Bool {
                m.append(("tokenizer.ggml.add_\(kind)_token", .bool(flag)))
            } else if postProcessorIsByteLevel(json) {
                m.append(("tokenizer.ggml.add_\(kind)_token", .bool(false)))
            }
        }
        if let template = tokenizer.chatTemplate { m.append(("tokenizer.chat_template", .string(template))) }
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

    /// Why the vocabulary is not written.
    struct SkipReason: Error, CustomStringConvertible {
        /// The explanation.
        let description: String
        init(_ description: String) { self.description = description }
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

    /// Whether the pre-tokenizer (or one step of a Sequence) is ByteLevel.
    private static func isByteLevel(_ json: [String: Any]) -> Bool {
        guard let pre = json["pre_tokenizer"] as? [String: Any] else { return false }
        let steps = pre["pretokenizers"] as? [[String: Any]] ?? [pre]
        return steps.contains { $0["type"] as? String == "ByteLevel" }
    }

    /// Whether a post-processor step is ByteLevel (gguf-py then defaults `add_bos/eos` to false).
    private static func postProcessorIsByteLevel(_ json: [String: Any]) -> Bool {
        guard let post = json["post_processor"] as? [String: Any] else { return false }
        let steps = post["processors"] as? [[String: Any]] ?? [post]
        return steps.contains { $0["type"] as? String == "ByteLevel" }
    }
}
