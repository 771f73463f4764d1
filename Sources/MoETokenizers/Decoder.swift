/// A tokenizer.json decoder: turns token strings back into text, step by step as Hugging Face's
/// `decode_chain` does. Supported: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace,
/// Sequence.
indirect enum Decoder: Sendable {
    case byteLevel
    case metaspace(replacement: Unicode.Scalar, prependScheme: PrependScheme)
    case byteFallback
    case fuse
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case replace(String, String)
    case sequence([Decoder])

    /// Reads a decoder object; null means none.
    static func parse(_ node: JSONNode) throws -> Decoder? {
        if node.isNull { return nil }
        let type = try node.typeName()
        switch type {
        case "ByteLevel": return .byteLevel
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Metaspace":
            let settings = try PrependScheme.metaspaceSettings(node)
            return .metaspace(replacement: settings.replacement, prependScheme: settings.scheme)
        case "Strip":
            let content = try node["content"].string()
            guard content.unicodeScalars.count == 1, let c = content.unicodeScalars.first else {
                throw node["content"].fail("a single character")
            }
            return .strip(content: c, start: try node["start"].count(default: 0), stop: try node["stop"].count(default: 0))
        case "Replace":
            guard let pattern = try node["pattern"]["String"].optionalString() else {
                throw TokenizerError.unsupported(component: "decoder", type: "Replace with a Regex pattern")
            }
            return .replace(pattern, try node["content"].string())
        case "Sequence":
            return .sequence(try node["decoders"].array().compactMap { try parse($0) })
        default:
            throw TokenizerError.unsupported(component: "decoder", type: type)
        }
    }

    /// One decoding step over the token strings.
    func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                if let b = ByteLevelMap.bytes(of: token) { bytes += b } else { bytes += token.utf8 }
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .metaspace(let replacement, let scheme):
            return tokens.enumerated().map { i, token in
                var out = String.UnicodeScalarView()
                for c in token.unicodeScalars {
                    if c == replacement {
                        if !(i == 0 && scheme != .never) { out.append(" ") }
                    } else {
                        out.append(c)
                    }
                }
                return String(out)
            }
        case .byteFallback:
            return Decoder.byteFallback(tokens)
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                let chars = Array(token.unicodeScalars)
                var from = 0
                while from < min(start, chars.count), chars[from] == content { from += 1 }
                var to = chars.count
                var removed = 0
                while removed < stop, to > from, chars[to - 1] == content { to -= 1; removed += 1 }
                return String(String.UnicodeScalarView(chars[from..<to]))
            }
        case .replace(let pattern, let content):
            return tokens.map { $0.replacingBytes(pattern, with: content) }
        case .sequence(let steps):
            return steps.reduce(tokens) { $1.decodeChain($0) }
        }
    }

    /// `<0xXX>` tokens become bytes; a run of them that is not valid UTF-8 becomes one U+FFFD per byte.
    private static func byteFallback(_ tokens: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(tokens.count)
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if let s = String(validating: pending, as: UTF8.self) {
                out.append(s)
            } else {
                out.append(contentsOf: Array(repeating: "\u{FFFD}", count: pending.count))
            }
            pending.removeAll()
        }
        for token in tokens {
            if let b = byteValue(token) {
                pending.append(b)
            } else {
                flush()
                out.append(token)
            }
        }
        flush()
        return out
    }

    /// The byte of a `<0xXX>` token.
    private static func byteValue(_ token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }
}

extension String {
    /// `self` with every occurrence of `target` replaced, comparing bytes (as Rust's
    /// `str::replace` does), not grapheme clusters.
    func replacingBytes(_ target: String, with replacement: String) -> String {
        let t = Array(target.utf8)
        let bytes = Array(utf8)
        guard !t.isEmpty, bytes.count >= t.count else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == t[0], i + t.count <= bytes.count, bytes[i..<(i + t.count)].elementsEqual(t) {
                out += replacement.utf8
                i += t.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
