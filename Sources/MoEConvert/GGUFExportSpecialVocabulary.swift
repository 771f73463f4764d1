import Foundation
import MoEFormats

/// gguf-py's `SpecialVocab` for a Hugging Face folder (without merges): the special token ids,
/// the `add_*_token` flags and the chat template llama.cpp's converter writes after the
/// vocabulary. The flags come from tokenizer.json's post-processor (ByteLevel,
/// RobertaProcessing, and the simple TemplateProcessing shapes gguf-py parses), then from
/// tokenizer_config.json's `add_*_token`; the ids from tokenizer_config.json's `*_token`
/// looked up among tokenizer.json's added tokens, then from config.json's `*_token_id`.
struct GGUFExportSpecialVocabulary {
    /// The special token kinds gguf-py reads, in its order, with the GGUF key gguf-py's writer
    /// has for each id (none for `cls`).
    static let kinds: [(kind: String, key: String?)] = [
        ("bos", "bos_token_id"), ("eos", "eos_token_id"), ("unk", "unknown_token_id"), ("sep", "seperator_token_id"),
        ("pad", "padding_token_id"), ("cls", nil), ("mask", "mask_token_id"),
    ]

    /// tokenizer.json.
    let tokenizer: [String: Any]
    /// tokenizer_config.json, nil without one (an empty one counts as none, as in gguf-py).
    var config: [String: Any]?
    /// config.json of the model.
    let modelConfig: [String: Any]
    /// The number of tokens written (ids at or above it are skipped).
    let tokenCount: Int

    /// Kinds read, in order: `kinds`, then `eot`/`eom` if a template ends on another token than EOS.
    private var kindOrder: [(kind: String, key: String?)] = kinds
    /// `add_*_token` flags in the order gguf-py sets them.
    private var flags: [(kind: String, value: Bool)] = []
    /// Special token ids in the order gguf-py sets them.
    private var ids: [(kind: String, id: Int)] = []

    /// Reads the special vocabulary of a folder's parsed files.
    init(tokenizer: [String: Any], config: [String: Any]?, modelConfig: [String: Any], tokenCount: Int) {
        self.tokenizer = tokenizer
        self.config = (config?.isEmpty ?? true) ? nil : config
        self.modelConfig = modelConfig
        self.tokenCount = tokenCount
        readPostProcessor()
        readConfigs()
    }

    /// The metadata entries, ids first, then flags, then `chatTemplate` if given.
    func metadata(chatTemplate: String?) -> [(key: String, value: GGUFValue)] {
        var m: [(key: String, value: GGUFValue)] = []
        for (kind, id) in ids {
            guard let key = kindOrder.first(where: { $0.kind == kind })?.key else { continue }
            m.append(("tokenizer.ggml.\(key)", .uint32(UInt32(id))))
        }
        for (kind, value) in flags where ["bos", "eos", "sep"].contains(kind) {
            m.append(("tokenizer.ggml.add_\(kind)_token", .bool(value)))
        }
        if config != nil, let chatTemplate { m.append(("tokenizer.chat_template", .string(chatTemplate))) }
        return m
    }

    /// A `*_token` entry of tokenizer_config.json: a string, or an object's `content`.
    func configToken(_ kind: String) -> String? {
        let entry = config?["\(kind)_token"]
        return entry as? String ?? (entry as? [String: Any])?["content"] as? String
    }

    private mutating func setFlag(_ kind: String, _ value: Bool) {
        if let index = flags.firstIndex(where: { $0.kind == kind }) { flags[index].value = value } else { flags.append((kind, value)) }
    }

    private mutating func setFlagIfUnset(_ kind: String, _ value: Bool) {
        if !flags.contains(where: { $0.kind == kind }) { flags.append((kind, value)) }
    }

    /// gguf-py's `_set_special_token`: the first valid id of a kind wins.
    private mutating func setID(_ kind: String, _ value: Any?) {
        guard let id = value as? Int, id >= 0, id < tokenCount, !ids.contains(where: { $0.kind == kind }) else { return }
        ids.append((kind, id))
    }

    /// The special tokens gguf-py's post-processor parsing tracks, as tokenizer_config.json
    /// gives them (a string, an object, or nothing); each change is also made to `config`,
    /// when there is one, as gguf-py does.
    private struct Tracked {
        var tokens: [String: Any] = [:]

        /// Python truthiness of the entry.
        func isSet(_ kind: String) -> Bool {
            switch tokens[kind] {
            case let s as String: return !s.isEmpty
            case let d as [String: Any]: return !d.isEmpty
            case nil, is NSNull: return false
            default: return true
            }
        }

        /// Whether the entry is the string `token` (an object never equals a template's id).
        func `is`(_ kind: String, _ token: String) -> Bool { tokens[kind] as? String == token }
    }

    private var tracked = Tracked()

    private mutating func track(_ kind: String, _ value: Any?) {
        tracked.tokens[kind] = value
        if config != nil { config?["\(kind)_token"] = value }
    }

    private mutating func readPostProcessor() {
        for kind in ["bos", "cls", "eos", "sep"] { tracked.tokens[kind] = config?["\(kind)_token"] }
        if config != nil && !tracked.isSet("bos") && tracked.isSet("cls") { track("bos", tracked.tokens["cls"]) }
        if config != nil && !tracked.isSet("eos") && tracked.isSet("sep") { track("eos", tracked.tokens["sep"]) }
        guard let post = tokenizer["post_processor"] as? [String: Any] else { return }
        for processor in post["processors"] as? [[String: Any]] ?? [post] {
            switch processor["type"] as? String {
            case "ByteLevel":
                setFlagIfUnset("bos", false)
                setFlagIfUnset("eos", false)
            case "RobertaProcessing":
                for kind in ["bos", "eos", "sep"] { setFlag(kind, true) }
                if config != nil && !tracked.isSet("cls") { track("cls", (processor["cls"] as? [Any])?.first ?? tracked.tokens["bos"]) }
                if config != nil && !tracked.isSet("sep") { track("sep", (processor["sep"] as? [Any])?.first ?? tracked.tokens["eos"]) }
            case "TemplateProcessing":
                readTemplate(processor)
            default:
                continue
            }
        }
    }

    /// gguf-py's "crude parsing of TemplateProcessing": a leading special token of the single
    /// template means add BOS, a trailing one add EOS, a special token between A and B add SEP.
    private mutating func readTemplate(_ processor: [String: Any]) {
        func special(_ piece: [String: Any]?) -> String? {
            guard let id = (piece?["SpecialToken"] as? [String: Any])?["id"] as? String, !id.isEmpty else { return nil }
            return id
        }
        func sequence(_ piece: [String: Any]?) -> String? { (piece?["Sequence"] as? [String: Any])?["id"] as? String }
        let single = processor["single"] as? [[String: Any]] ?? []
        var pair = processor["pair"] as? [[String: Any]] ?? []
        var first: String?, last: String?
        if single.count > 1 {
            if let token = special(single.first) {
                first = token
                if config == nil {
                    tracked.tokens["bos"] = token
                } else if !tracked.is("bos", token) && !tracked.is("cls", token) {
                    if !tracked.isSet("bos") { track("bos", token) }
                    if !tracked.isSet("cls") { track("cls", token) }
                }
                setFlag("bos", tracked.is("bos", token) || tracked.is("cls", token))
            }
            if let token = special(single.last) {
                last = token
                if config == nil {
                    tracked.tokens["eos"] = token
                } else if !tracked.is("eos", token) {
                    if let extra = ["eot", "eom"].first(where: { kind in !kindOrder.contains { $0.kind == kind } }) {
                        kindOrder.append((extra, "\(extra)_token_id"))
                        config?["\(extra)_token"] = tracked.tokens["eos"]
                    }
                    track("eos", token)
                }
                setFlag("eos", tracked.is("eos", token))
            }
        }
        guard !pair.isEmpty else { return }
        if first != nil && special(pair.first) == first { pair.removeFirst() }
        if last != nil && !pair.isEmpty && special(pair.last) == last { pair.removeLast() }
        guard pair.count > 2, sequence(pair.first) == "A", sequence(pair.last) == "B" else { return }
        let middle = Array(pair[1..<(pair.count - 1)])
        func separates(_ token: String?) -> Bool { token.map { tracked.is("sep", $0) || tracked.is("eos", $0) } ?? false }
        var addSep = last == nil && separates(special(middle[0]))
        if middle.count == 2 && separates(special(middle[1])) { addSep = true }
        setFlag("sep", addSep)
        if addSep && !tracked.isSet("sep") && config != nil { config?["sep_token"] = tracked.tokens["eos"] }
    }

    private mutating func readConfigs() {
        let added = tokenizer["added_tokens"] as? [[String: Any]] ?? []
        if config != nil {
            for (kind, _) in kindOrder {
                if let flag = config?["add_\(kind)_token"] as? Bool { setFlagIfUnset(kind, flag) }
                guard let content = configToken(kind) else { continue }
                setID(kind, added.first { $0["content"] as? String == content }?["id"])
            }
        }
        let textConfig = modelConfig["text_config"] as? [String: Any]
        for (kind, _) in kindOrder {
            let value = modelConfig["\(kind)_token_id"].flatMap { $0 is NSNull ? nil : $0 }
            setID(kind, value ?? textConfig?["\(kind)_token_id"])
        }
    }
}
