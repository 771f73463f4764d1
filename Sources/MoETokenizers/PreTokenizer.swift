/// Text split into the pieces the model encodes one at a time: byte ranges into `bytes`.
struct PreTokenized {
    /// UTF-8 text the ranges point into.
    var bytes: [UInt8]
    /// The pieces, in order, non-empty.
    var ranges: [Range<Int>]
    /// True after a ByteLevel pre-tokenizer: the model sees each byte as its byte-level character.
    var byteLevel = false
}

/// What a `Split` pre-tokenizer does with the matches (Hugging Face's `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"
}

/// When Metaspace puts a replacement character in front of a piece.
enum PrependScheme: String, Sendable {
    case always, first, never

    /// The `replacement` character and prepend scheme of a Metaspace pre-tokenizer or decoder
    /// (`prepend_scheme`, or the older `add_prefix_space`, whose `false` means `never`).
    static func metaspaceSettings(_ node: JSONNode) throws -> (replacement: Unicode.Scalar, scheme: PrependScheme) {
        let replacement = try node["replacement"].string()
        guard replacement.unicodeScalars.count == 1, let scalar = replacement.unicodeScalars.first else {
            throw node["replacement"].fail("a single character")
        }
        var scheme = PrependScheme.always
        if let name = try node["prepend_scheme"].optionalString() {
            guard let s = PrependScheme(rawValue: name) else { throw node["prepend_scheme"].fail("always, first or never") }
            scheme = s
        } else if !(try node["add_prefix_space"].bool(default: true)) {
            scheme = .never
        }
        return (scalar, scheme)
    }
}

/// A tokenizer.json pre-tokenizer. Supported: Split, ByteLevel, Metaspace, Sequence.
indirect enum PreTokenizer: Sendable {
    case split(SplitPattern, SplitBehavior, invert: Bool)
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case metaspace(replacement: UInt32, scheme: PrependScheme, split: Bool)
    case sequence([PreTokenizer])

    /// Reads a pre-tokenizer object; null means none.
    static func parse(_ node: JSONNode) throws -> PreTokenizer? {
        if node.isNull { return nil }
        let type = try node.typeName()
        switch type {
        case "Split":
            let name = try node["behavior"].string()
            guard let behavior = SplitBehavior(rawValue: name) else {
                throw node["behavior"].fail("one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous")
            }
            return .split(try SplitPattern(node["pattern"]), behavior, invert: try node["invert"].bool(default: false))
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try node["add_prefix_space"].bool(default: true),
                              useRegex: try node["use_regex"].bool(default: true))
        case "Metaspace":
            let settings = try PrependScheme.metaspaceSettings(node)
            return .metaspace(replacement: settings.replacement.value, scheme: settings.scheme,
                              split: try node["split"].bool(default: true))
        case "Sequence":
            let steps = try node["pretokenizers"].array().compactMap { try parse($0) }
            if let last = steps.indices.last, steps[..<last].contains(where: { $0.endsInByteLevel }) {
                throw TokenizerError.unsupported(component: "pre-tokenizer", type: "ByteLevel before other pre-tokenizers")
            }
            return .sequence(steps)
        default:
            throw TokenizerError.unsupported(component: "pre-tokenizer", type: type)
        }
    }

    private var endsInByteLevel: Bool {
        switch self {
        case .byteLevel: return true
        case .sequence(let steps): return steps.last?.endsInByteLevel ?? false
        default: return false
        }
    }

    /// Splits `input` further. `startsText` tells whether the first piece begins the original text.
    func apply(_ input: inout PreTokenized, startsText: Bool) {
        switch self {
        case .sequence(let steps):
            for step in steps { step.apply(&input, startsText: startsText) }
        case .split(let pattern, let behavior, let invert):
            input.ranges = PreTokenizer.split(input, pattern, behavior, invert: invert)
        case .byteLevel(let addPrefixSpace, let useRegex):
            if addPrefixSpace {
                PreTokenizer.rewrite(&input) { bytes, piece, _, out in
                    if bytes[piece.lowerBound] != 0x20 { out.append(0x20) }
                    out.append(contentsOf: bytes[piece])
                }
            }
            if useRegex {
                input.ranges = PreTokenizer.split(input, byteLevelPattern, .isolated, invert: false)
            }
            input.byteLevel = true
        case .metaspace(let replacement, let scheme, let split):
            var mark: [UInt8] = []
            UTF8Scalars.append(replacement, to: &mark)
            PreTokenizer.rewrite(&input) { bytes, piece, index, out in
                let startsWithMark = bytes[piece].starts(with: mark) || bytes[piece.lowerBound] == 0x20
                let prepend = scheme == .always || (scheme == .first && index == 0 && startsText)
                if prepend && !startsWithMark { out.append(contentsOf: mark) }
                for b in bytes[piece] {
                    if b == 0x20 { out.append(contentsOf: mark) } else { out.append(b) }
                }
            }
            if split {
                input.ranges = PreTokenizer.split(input, SplitPattern(literal: mark), .mergedWithNext, invert: false)
            }
        }
    }

    /// Rebuilds the text piece by piece (one new buffer), keeping the piece boundaries.
    private static func rewrite(_ input: inout PreTokenized,
                                _ body: ([UInt8], Range<Int>, Int, inout [UInt8]) -> Void) {
        var out: [UInt8] = []
        out.reserveCapacity(input.bytes.count + input.ranges.count * 3)
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(input.ranges.count)
        for (index, piece) in input.ranges.enumerated() {
            let start = out.count
            body(input.bytes, piece, index, &out)
            ranges.append(start..<out.count)
        }
        input.bytes = out
        input.ranges = ranges
    }

    /// The pieces after splitting every current piece on `pattern`.
    static func split(_ input: PreTokenized, _ pattern: SplitPattern, _ behavior: SplitBehavior,
                      invert: Bool) -> [Range<Int>] {
        var result: [Range<Int>] = []
        result.reserveCapacity(input.ranges.count * 2)
        var found: [Range<Int>] = []
        input.bytes.withUnsafeBufferPointer { p in
            for piece in input.ranges {
                found.removeAll(keepingCapacity: true)
                pattern.matches(p, piece, into: &found)
                var parts: [(Range<Int>, Bool)] = []
                var last = piece.lowerBound
                for m in found {
                    if m.lowerBound > last { parts.append((last..<m.lowerBound, invert)) }
                    parts.append((m, !invert))
                    last = m.upperBound
                }
                if last < piece.upperBound { parts.append((last..<piece.upperBound, invert)) }
                combine(parts, behavior, into: &result)
            }
        }
        return result
    }

    /// Applies the delimiter behaviour to (range, isMatch) parts covering one piece.
    private static func combine(_ parts: [(Range<Int>, Bool)], _ behavior: SplitBehavior,
                                into result: inout [Range<Int>]) {
        switch behavior {
        case .isolated:
            result.append(contentsOf: parts.map { $0.0 })
        case .removed:
            result.append(contentsOf: parts.filter { !$0.1 }.map { $0.0 })
        case .mergedWithPrevious, .contiguous:
            let first = result.count
            var previousMatch = false
            for (range, isMatch) in parts {
                let merge = behavior == .contiguous ? isMatch == previousMatch : isMatch && !previousMatch
                if merge, result.count > first, let last = result.last {
                    result[result.count - 1] = last.lowerBound..<range.upperBound
                } else {
                    result.append(range)
                }
                previousMatch = isMatch
            }
        case .mergedWithNext:
            var reversed: [Range<Int>] = []
            var previousMatch = false
            for (range, isMatch) in parts.reversed() {
                if isMatch && !previousMatch, let last = reversed.last {
                    reversed[reversed.count - 1] = range.lowerBound..<last.upperBound
                } else {
                    reversed.append(range)
                }
                previousMatch = isMatch
            }
            result.append(contentsOf: reversed.reversed())
        }
    }
}

/// ByteLevel's built-in split (GPT-2's pattern).
private let byteLevelPattern = SplitPattern(fast: .gpt2)
