import Foundation

/// The pattern of a `Split` pre-tokenizer or a `Replace` normalizer/decoder: a literal string, a
/// regular expression with a hand-written scanner (`FastPattern`), or any other regular
/// expression, run by Foundation's `NSRegularExpression` (ICU, whose syntax and Unicode classes
/// match Oniguruma's for the constructs tokenizer files use).
struct SplitPattern: @unchecked Sendable {
    enum Engine {
        case literal([UInt8])
        case fast(FastPattern)
        case regex(NSRegularExpression)
    }

    let engine: Engine

    /// A pattern run by `engine`.
    init(engine: Engine) {
        self.engine = engine
    }

    /// A pattern run by a hand-written scanner.
    init(fast: FastPattern) {
        engine = .fast(fast)
    }

    /// A literal pattern.
    init(literal: [UInt8]) {
        engine = .literal(literal)
    }

    /// Reads `{"String": s}` or `{"Regex": r}`; `allowFast` false forces the general engine.
    init(_ node: JSONNode, allowFast: Bool = true) throws {
        if let literal = try node["String"].optionalString() {
            guard !literal.isEmpty else { throw node["String"].fail("a non-empty string") }
            self = SplitPattern(literal: Array(literal.utf8))
        } else if let regex = try node["Regex"].optionalString() {
            self = try SplitPattern(regex: regex, field: node["Regex"].path, allowFast: allowFast)
        } else {
            throw node.fail("an object with a 'String' or 'Regex' member")
        }
    }

    /// A regular-expression pattern.
    init(regex: String, field: String, allowFast: Bool = true) throws {
        if allowFast, let fast = FastPattern(pattern: regex) {
            self = SplitPattern(fast: fast)
            return
        }
        do {
            self = SplitPattern(engine: .regex(try NSRegularExpression(pattern: regex, options: [])))
        } catch {
            throw TokenizerError.invalidPattern(field: field, pattern: regex, reason: "\(error)")
        }
    }

    /// Appends the non-overlapping, non-empty matches inside `range` (byte offsets into `p`).
    func matches(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [Range<Int>]) {
        switch engine {
        case .fast(let fast):
            fast.matches(p, range, into: &out)
        case .literal(let needle):
            var i = range.lowerBound
            let last = range.upperBound - needle.count
            while i <= last {
                if p[i] == needle[0], (1..<needle.count).allSatisfy({ p[i + $0] == needle[$0] }) {
                    out.append(i..<(i + needle.count))
                    i += needle.count
                } else {
                    i += 1
                }
            }
        case .regex(let regex):
            regexMatches(regex, p, range, into: &out)
        }
    }

    /// Runs `regex` on the UTF-16 view ICU needs and maps each match back to byte offsets,
    /// walking both views forward together (linear in the text).
    private func regexMatches(_ regex: NSRegularExpression, _ p: UnsafeBufferPointer<UInt8>,
                              _ range: Range<Int>, into out: inout [Range<Int>]) {
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[range]), as: UTF8.self)
        let ns = text as NSString
        var byte = range.lowerBound
        var unit = 0
        func advance(toUnit target: Int) -> Int {
            while unit < target, byte < range.upperBound {
                let (scalar, n) = UTF8Scalars.decode(p, byte)
                byte += n
                unit += scalar >= 0x10000 ? 2 : 1
            }
            return byte
        }
        for m in regex.matches(in: text, options: [], range: NSRange(location: 0, length: ns.length)) where m.range.length > 0 {
            let start = advance(toUnit: m.range.location)
            let end = advance(toUnit: m.range.location + m.range.length)
            out.append(start..<end)
        }
    }
}
