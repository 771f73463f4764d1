import Foundation

/// A tokenizer.json normalizer: rewrites each text segment before pre-tokenization.
///
/// Supported: NFC, NFD, NFKC, NFKD (Foundation's canonical/compatibility mappings), Lowercase,
/// Prepend, Replace (literal or regex), Strip, Sequence.
indirect enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd, lowercase
    case prepend(String)
    case replace(SplitPattern, String)
    case strip(left: Bool, right: Bool)
    case sequence([Normalizer])

    /// Reads a normalizer object; null means none.
    static func parse(_ node: JSONNode) throws -> Normalizer? {
        if node.isNull { return nil }
        let type = try node.typeName()
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Prepend": return .prepend(try node["prepend"].string())
        case "Replace": return .replace(try SplitPattern(node["pattern"]), try node["content"].string())
        case "Strip":
            return .strip(left: try node["strip_left"].bool(default: true), right: try node["strip_right"].bool(default: true))
        case "Sequence":
            return .sequence(try node["normalizers"].array().compactMap { try parse($0) })
        default:
            throw TokenizerError.unsupported(component: "normalizer", type: type)
        }
    }

    /// The normalized form of `text`.
    func apply(_ text: String) -> String {
        switch self {
        case .nfc: return Normalizer.needsComposition(text) ? text.precomposedStringWithCanonicalMapping : text
        case .nfd: return text.decomposedStringWithCanonicalMapping
        case .nfkc: return text.precomposedStringWithCompatibilityMapping
        case .nfkd: return text.decomposedStringWithCompatibilityMapping
        case .lowercase: return text.lowercased()
        case .prepend(let prefix): return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let content): return Normalizer.replace(text, pattern, content)
        case .strip(let left, let right):
            var scalars = Substring(text).unicodeScalars
            while left, let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
            while right, let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
            return String(scalars)
        case .sequence(let steps): return steps.reduce(text) { $1.apply($0) }
        }
    }

    /// NFC leaves text below U+0300 (Latin-1 and the letters before the combining marks) as is.
    private static func needsComposition(_ text: String) -> Bool {
        text.utf8.contains { $0 >= 0xCC }
    }

    /// Replaces every match of `pattern` with `content`.
    static func replace(_ text: String, _ pattern: SplitPattern, _ content: String) -> String {
        var bytes = Array(text.utf8)
        var found: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { pattern.matches($0, 0..<$0.count, into: &found) }
        if found.isEmpty { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + found.count * content.utf8.count)
        var last = 0
        for r in found {
            out.append(contentsOf: bytes[last..<r.lowerBound])
            out.append(contentsOf: content.utf8)
            last = r.upperBound
        }
        out.append(contentsOf: bytes[last...])
        bytes = out
        return String(decoding: bytes, as: UTF8.self)
    }
}
