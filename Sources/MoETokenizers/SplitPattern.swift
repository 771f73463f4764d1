/// The pattern of a `Split` pre-tokenizer or a `Replace` normalizer/decoder: a literal string, a
/// regular expression with a hand-written scanner (`FastPattern`), or any other regular
/// expression, run in linear time by `LinearRegex`.
struct SplitPattern: Sendable {
    enum Engine: Sendable {
        case literal([UInt8])
        case fast(FastPattern)
        case regex(LinearRegex)
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
            self = SplitPattern(engine: .regex(try LinearRegex(regex)))
        } catch {
            throw TokenizerError.invalidPattern(field: field, pattern: regex, reason: error.message)
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
            regex.matches(p, range, into: &out)
        }
    }
}
