/// A tokenizer.json post-processor, applied to one sequence when special tokens are requested.
/// Supported: TemplateProcessing, ByteLevel (ids unchanged), RobertaProcessing, BertProcessing,
/// Sequence.
indirect enum PostProcessor: Sendable {
    /// Items of the single-sequence template: fixed ids, or the sequence itself (nil).
    case template([[Int]?])
    case identity
    case sequence([PostProcessor])

    /// Reads a post_processor object; null means none.
    static func parse(_ node: JSONNode) throws -> PostProcessor? {
        if node.isNull { return nil }
        let type = try node.typeName()
        switch type {
        case "TemplateProcessing":
            var specials: [String: [Int]] = [:]
            if !node["special_tokens"].isNull {
                for (name, entry) in try node["special_tokens"].members() {
                    specials[name] = try entry["ids"].array().map { try $0.int() }
                }
            }
            let items = try node["single"].array().map { item -> [Int]? in
                if !item["Sequence"].isNull { return nil }
                let name = try item["SpecialToken"]["id"].string()
                guard let ids = specials[name] else {
                    throw item["SpecialToken"]["id"].fail("a token listed in special_tokens")
                }
                return ids
            }
            return .template(items)
        case "ByteLevel":
            return .identity
        case "RobertaProcessing", "BertProcessing":
            let cls = try node["cls"].array()
            let sep = try node["sep"].array()
            guard cls.count == 2, sep.count == 2 else { throw node.fail("cls and sep as [token, id]") }
            return .template([[try cls[1].int()], nil, [try sep[1].int()]])
        case "Sequence":
            return .sequence(try node["processors"].array().compactMap { try parse($0) })
        default:
            throw TokenizerError.unsupported(component: "post-processor", type: type)
        }
    }

    /// The ids with the special tokens added.
    func process(_ ids: [Int]) -> [Int] {
        switch self {
        case .identity: return ids
        case .template(let items): return items.flatMap { $0 ?? ids }
        case .sequence(let steps): return steps.reduce(ids) { $1.process($0) }
        }
    }
}
