/// The parsed form of a tokenizer.json regular expression: the Oniguruma/ICU syntax that
/// tokenizer files use, limited to what a linear-time matcher (`LinearRegex`) can run.
///
/// Supported: literals and escapes (`\t \n \r \f \a \e \xHH \x{H…} \uHHHH \UHHHHHHHH`, escaped
/// punctuation, `\Q…\E`), `.`, classes `\d \D \s \S \w \W \h \H \v \V`, Unicode general
/// categories `\p{L}` `\p{Lu}` `\P{N}` `\p{^P}` (short or long names) and `\p{Alphabetic}`,
/// `\p{White_Space}`, `\p{Any}`; bracket classes with ranges and negation; groups `(…)`,
/// `(?:…)`, `(?<name>…)`, `(?#…)`; the flags `i` and `s` (`(?i)`, `(?i:…)`, `(?-i:…)`);
/// alternation; the quantifiers `* + ? {n} {n,} {n,m}` and their lazy forms; `^ $ \A \z \Z \b
/// \B`; look-ahead `(?=…)` and `(?!…)`. Back-references, look-behind, atomic groups, possessive
/// quantifiers, scripts (`\p{Han}`) and set operations are rejected with the construct named.
indirect enum RegexNode {
    /// Matches the empty string.
    case empty
    /// One scalar in the set.
    case scalar(ScalarSet)
    /// Each part in turn.
    case concat([RegexNode])
    /// The first alternative that leads to a match.
    case alternation([RegexNode])
    /// `node` repeated `min` to `max` (nil: unbounded) times, as many as possible when `greedy`.
    case repetition(RegexNode, min: Int, max: Int?, greedy: Bool)
    /// A zero-width condition on the position.
    case assertion(RegexAssertion)
    /// A zero-width test that `node` matches (or, `negated`, does not match) at the position.
    case lookahead(RegexNode, negated: Bool)
}

/// Zero-width conditions on a position.
enum RegexAssertion {
    /// `^`, `\A`: the start of the text.
    case start
    /// `$`, `\Z`: the end of the text, or before a line terminator that ends it.
    case endOrFinalLineTerminator
    /// `\z`: the end of the text.
    case end
    /// `\b`: between a word and a non-word scalar.
    case wordBoundary
    /// `\B`: not at a word boundary.
    case notWordBoundary
}

/// A set of Unicode scalars: explicit ranges and named classes, possibly negated and
/// case-insensitive.
struct ScalarSet: Sendable {
    /// Scalar ranges in the set.
    var ranges: [ClosedRange<UInt32>] = []
    /// Named classes in the set.
    var classes: [ScalarClass] = []
    /// The set is the complement of its ranges and classes.
    var negated = false
    /// A scalar is also in the set when its case variant is.
    var ignoreCase = false

    /// The set of the single scalar `value`.
    init(_ value: UInt32, ignoreCase: Bool = false) {
        ranges = [value...value]
        self.ignoreCase = ignoreCase
    }

    /// The set of one class.
    init(_ scalarClass: ScalarClass) {
        classes = [scalarClass]
    }

    /// An empty set, filled by a bracket expression.
    init() {}

    /// Membership of the ASCII scalars, filled by `finished()`.
    private var ascii: (low: UInt64, high: UInt64)?

    /// The set with its ASCII membership precomputed, for matching.
    func finished() -> ScalarSet {
        var set = self
        var low: UInt64 = 0, high: UInt64 = 0
        for value in UInt32(0)..<64 where contains(value) { low |= 1 << UInt64(value) }
        for value in UInt32(64)..<128 where contains(value) { high |= 1 << UInt64(value - 64) }
        set.ascii = (low, high)
        return set
    }

    /// Whether `scalar` is in the set.
    @inline(__always)
    func contains(_ scalar: UInt32) -> Bool {
        if scalar < 128, let ascii {
            return (scalar < 64 ? ascii.low >> UInt64(scalar) : ascii.high >> UInt64(scalar - 64)) & 1 != 0
        }
        if holds(scalar) != negated { return true }
        guard ignoreCase else { return false }
        return ScalarSet.caseVariants(scalar).contains { holds($0) != negated }
    }

    private func holds(_ scalar: UInt32) -> Bool {
        for range in ranges where range.contains(scalar) { return true }
        for scalarClass in classes where scalarClass.contains(scalar) { return true }
        return false
    }

    /// The scalars a case-insensitive match treats as equal to `value`: its lower- and
    /// upper-case forms and the lower-case form of its upper case (so `ſ` matches `s`). The
    /// Turkish dotted and dotless `i` keep their own case, as in simple case folding.
    static func caseVariants(_ value: UInt32) -> [UInt32] {
        guard let scalar = Unicode.Scalar(value), value != 0x130, value != 0x131 else { return [] }
        func single(_ text: String) -> UInt32? {
            let scalars = text.unicodeScalars
            return scalars.count == 1 ? scalars.first?.value : nil
        }
        var variants: [UInt32] = []
        if let lower = single(scalar.properties.lowercaseMapping), lower != value { variants.append(lower) }
        if let upper = single(scalar.properties.uppercaseMapping), upper != value {
            variants.append(upper)
            if let folded = Unicode.Scalar(upper).flatMap({ single($0.properties.lowercaseMapping) }), folded != value {
                variants.append(folded)
            }
        }
        return variants
    }
}

/// A named class of scalars.
indirect enum ScalarClass: Sendable {
    /// Scalars whose general category is in the mask (bits from `mask`).
    case categories(UInt32)
    /// `\s`: the White_Space property.
    case whitespace
    /// `\p{Alphabetic}`.
    case alphabetic
    /// `\w`: alphabetic, marks, decimal digits, connector punctuation, ZWNJ and ZWJ.
    case word
    /// `\h`: horizontal white space (space separators and tab).
    case horizontalSpace
    /// `\v`: vertical white space (line feed to carriage return, NEL, line and paragraph separators).
    case verticalSpace
    /// Every scalar except those of `inner`.
    case inverted(ScalarClass)

    /// Whether `value` is in the class.
    func contains(_ value: UInt32) -> Bool {
        switch self {
        case .categories(let mask):
            return mask & (1 << UInt32(ScalarClass.properties(value) & ScalarClass.categoryBits)) != 0
        case .whitespace:
            return ScalarClass.properties(value) & ScalarClass.whitespaceBit != 0
        case .alphabetic:
            return ScalarClass.properties(value) & ScalarClass.alphabeticBit != 0
        case .word:
            let properties = ScalarClass.properties(value)
            let wordCategories = ScalarClass.mask("M") | ScalarClass.mask("Nd") | ScalarClass.mask("Pc")
            return properties & ScalarClass.alphabeticBit != 0 || value == 0x200C || value == 0x200D
                || wordCategories & (1 << UInt32(properties & ScalarClass.categoryBits)) != 0
        case .horizontalSpace:
            return value == 0x09 || ScalarClass.categories(ScalarClass.mask("Zs")).contains(value)
        case .verticalSpace:
            return (0x0A...0x0D).contains(value) || value == 0x85 || value == 0x2028 || value == 0x2029
        case .inverted(let inner):
            return !inner.contains(value)
        }
    }

    /// Low five bits of `properties`: the general category's index (its bit in a mask).
    private static let categoryBits: UInt8 = 31
    /// The White_Space property, in `properties`.
    private static let whitespaceBit: UInt8 = 32
    /// The Alphabetic property, in `properties`.
    private static let alphabeticBit: UInt8 = 64

    /// `properties` of the Basic Multilingual Plane, computed once from the standard library's tables.
    private static let bmp: [UInt8] = (0..<0x10000).map { computeProperties(UInt32($0)) }

    /// The general category index and the White_Space and Alphabetic bits of a scalar.
    @inline(__always)
    private static func properties(_ value: UInt32) -> UInt8 {
        value < 0x10000 ? bmp[Int(value)] : computeProperties(value)
    }

    private static func computeProperties(_ value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return UInt8(categoryIndex(.surrogate)) }
        return UInt8(categoryIndex(scalar.properties.generalCategory))
            | (scalar.properties.isWhitespace ? whitespaceBit : 0) | (scalar.properties.isAlphabetic ? alphabeticBit : 0)
    }

    /// General categories by their one- and two-letter names, in one order that gives each its bit.
    private static let categoryNames = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps",
                                        "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs",
                                        "Co", "Cn"]

    /// Long property names accepted for general categories, normalized (lower case, no `_`, `-` or spaces).
    private static let longNames: [String: String] = [
        "letter": "L", "uppercaseletter": "Lu", "lowercaseletter": "Ll", "titlecaseletter": "Lt", "casedletter": "LC",
        "modifierletter": "Lm", "otherletter": "Lo", "mark": "M", "combiningmark": "M", "nonspacingmark": "Mn",
        "spacingmark": "Mc", "enclosingmark": "Me", "number": "N", "decimalnumber": "Nd", "digit": "Nd",
        "letternumber": "Nl", "othernumber": "No", "punctuation": "P", "punct": "P", "connectorpunctuation": "Pc",
        "dashpunctuation": "Pd", "openpunctuation": "Ps", "closepunctuation": "Pe", "initialpunctuation": "Pi",
        "finalpunctuation": "Pf", "otherpunctuation": "Po", "symbol": "S", "mathsymbol": "Sm", "currencysymbol": "Sc",
        "modifiersymbol": "Sk", "othersymbol": "So", "separator": "Z", "spaceseparator": "Zs", "lineseparator": "Zl",
        "paragraphseparator": "Zp", "other": "C", "control": "Cc", "cntrl": "Cc", "format": "Cf", "surrogate": "Cs",
        "privateuse": "Co", "unassigned": "Cn",
    ]

    /// The category mask of a short name (`L`, `Lu`, `L&`/`LC`), or 0 when it names none.
    static func mask(_ name: String) -> UInt32 {
        if name == "LC" || name == "L&" { return mask("Lu") | mask("Ll") | mask("Lt") }
        var bits: UInt32 = 0
        for (i, category) in categoryNames.enumerated() where category == name || (name.count == 1 && category.hasPrefix(name)) {
            bits |= 1 << UInt32(i)
        }
        return bits
    }

    /// The class a `\p{name}` names, or nil for a property this matcher does not know.
    static func property(_ name: String) -> ScalarClass? {
        let short = mask(name)
        if short != 0 { return .categories(short) }
        let key = String(name.lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " })
        if let category = longNames[key] { return .categories(mask(category)) }
        switch key {
        case "any": return .inverted(.categories(0))
        case "assigned": return .inverted(.categories(mask("Cn")))
        case "whitespace", "space": return .whitespace
        case "alphabetic", "alpha": return .alphabetic
        default: return nil
        }
    }

    /// The index of a general category: its bit in a mask.
    private static func categoryIndex(_ category: Unicode.GeneralCategory) -> Int {
        let index: Int
        switch category {
        case .uppercaseLetter: index = 0
        case .lowercaseLetter: index = 1
        case .titlecaseLetter: index = 2
        case .modifierLetter: index = 3
        case .otherLetter: index = 4
        case .nonspacingMark: index = 5
        case .spacingMark: index = 6
        case .enclosingMark: index = 7
        case .decimalNumber: index = 8
        case .letterNumber: index = 9
        case .otherNumber: index = 10
        case .connectorPunctuation: index = 11
        case .dashPunctuation: index = 12
        case .openPunctuation: index = 13
        case .closePunctuation: index = 14
        case .initialPunctuation: index = 15
        case .finalPunctuation: index = 16
        case .otherPunctuation: index = 17
        case .mathSymbol: index = 18
        case .currencySymbol: index = 19
        case .modifierSymbol: index = 20
        case .otherSymbol: index = 21
        case .spaceSeparator: index = 22
        case .lineSeparator: index = 23
        case .paragraphSeparator: index = 24
        case .control: index = 25
        case .format: index = 26
        case .surrogate: index = 27
        case .privateUse: index = 28
        case .unassigned: index = 29
        @unknown default: index = 29
        }
        return index
    }
}

/// Why a pattern cannot be run: its syntax is invalid or uses a construct outside the
/// supported set (listed on `RegexNode`).
struct RegexSyntaxError: Error {
    /// What is wrong, naming the construct and its offset in the pattern (in scalars).
    let message: String
}

/// A recursive-descent parser of the syntax documented on `RegexNode`.
struct RegexParser {
    private let scalars: [Unicode.Scalar]
    private var i = 0
    private var ignoreCase = false
    private var dotAll = false
    private var depth = 0

    /// Groups may nest this deep.
    static let maxDepth = 200
    /// Largest count a `{n,m}` quantifier may give.
    static let maxCount = 1000

    /// Parses `pattern`.
    static func parse(_ pattern: String) throws(RegexSyntaxError) -> RegexNode {
        var parser = RegexParser(scalars: Array(pattern.unicodeScalars))
        let node = try parser.alternation()
        if parser.i < parser.scalars.count { throw parser.error("unmatched ')'") }
        return node
    }

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private func error(_ what: String, at offset: Int? = nil) -> RegexSyntaxError {
        RegexSyntaxError(message: "\(what) at offset \(offset ?? i)")
    }

    private func unsupported(_ construct: String, at offset: Int) -> RegexSyntaxError {
        error("unsupported construct '\(construct)'", at: offset)
    }

    private var peek: Unicode.Scalar? { i < scalars.count ? scalars[i] : nil }

    private func peek(_ text: String) -> Bool {
        let wanted = Array(text.unicodeScalars)
        return i + wanted.count <= scalars.count && Array(scalars[i..<(i + wanted.count)]) == wanted
    }

    private mutating func alternation() throws(RegexSyntaxError) -> RegexNode {
        let savedIgnoreCase = ignoreCase, savedDotAll = dotAll
        defer { ignoreCase = savedIgnoreCase; dotAll = savedDotAll }
        var branches = [try concatenation()]
        while peek == "|" {
            i += 1
            branches.append(try concatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func concatenation() throws(RegexSyntaxError) -> RegexNode {
        var parts: [RegexNode] = []
        while let c = peek, c != "|", c != ")" {
            let start = i
            guard let atom = try atom() else { continue }
            parts.append(try quantified(atom, start: start))
        }
        return parts.count == 1 ? parts[0] : parts.isEmpty ? .empty : .concat(parts)
    }

    private mutating func quantified(_ atom: RegexNode, start: Int) throws(RegexSyntaxError) -> RegexNode {
        var node = atom
        while let c = peek {
            let bounds: (Int, Int?)
            switch c {
            case "*": bounds = (0, nil); i += 1
            case "+": bounds = (1, nil); i += 1
            case "?": bounds = (0, 1); i += 1
            case "{": bounds = try interval()
            default: return node
            }
            var greedy = true
            if peek == "?" {
                greedy = false
                i += 1
            } else if peek == "+" {
                throw unsupported("possessive quantifier", at: i)
            }
            if case .assertion = atom { throw error("quantifier after an assertion", at: start) }
            node = .repetition(node, min: bounds.0, max: bounds.1, greedy: greedy)
        }
        return node
    }

    private mutating func interval() throws(RegexSyntaxError) -> (Int, Int?) {
        let start = i
        i += 1
        func number() -> Int? {
            var value: Int?
            while let c = peek, ("0"..."9").contains(c) {
                value = min((value ?? 0) * 10 + Int(c.value - 0x30), RegexParser.maxCount + 1)
                i += 1
            }
            return value
        }
        guard let low = number() else { throw error("invalid quantifier '{'", at: start) }
        var high: Int? = low
        if peek == "," {
            i += 1
            high = number()
        }
        guard peek == "}" else { throw error("invalid quantifier '{'", at: start) }
        i += 1
        guard low <= RegexParser.maxCount, (high ?? 0) <= RegexParser.maxCount else {
            throw error("quantifier count above \(RegexParser.maxCount)", at: start)
        }
        if let high, high < low { throw error("quantifier {\(low),\(high)} has max below min", at: start) }
        return (low, high)
    }

    /// The next atom, or nil for a construct that matches nothing (a comment or a flag group).
    private mutating func atom() throws(RegexSyntaxError) -> RegexNode? {
        guard let c = peek else { return .empty }
        let start = i
        switch c {
        case "(":
            return try group()
        case "[":
            return .scalar(try bracket())
        case ".":
            i += 1
            return .scalar(dotAll ? ScalarSet(.inverted(.categories(0))) : ScalarSet(.inverted(.verticalSpace)))
        case "^":
            i += 1
            return .assertion(.start)
        case "$":
            i += 1
            return .assertion(.endOrFinalLineTerminator)
        case "\\":
            return try escapeAtom()
        case "*", "+", "?", "{":
            throw error("quantifier '\(c)' with nothing to repeat", at: start)
        default:
            i += 1
            return .scalar(ScalarSet(c.value, ignoreCase: ignoreCase))
        }
    }

    private mutating func group() throws(RegexSyntaxError) -> RegexNode? {
        let start = i
        i += 1
        depth += 1
        defer { depth -= 1 }
        guard depth <= RegexParser.maxDepth else { throw error("groups nested deeper than \(RegexParser.maxDepth)", at: start) }
        var lookahead: Bool?
        if peek("?") {
            i += 1
            if peek("#") {
                while let c = peek, c != ")" { i += 1 }
                guard peek == ")" else { throw error("unterminated comment", at: start) }
                i += 1
                return nil
            } else if peek(":") {
                i += 1
            } else if peek("=") || peek("!") {
                lookahead = peek("!")
                i += 1
            } else if peek("<=") || peek("<!") {
                throw unsupported("look-behind (?<", at: start)
            } else if peek("<") || peek("P<") {
                i += peek("P<") ? 2 : 1
                while let c = peek, c != ">" { i += 1 }
                guard peek == ">" else { throw error("unterminated group name", at: start) }
                i += 1
            } else if peek(">") {
                throw unsupported("atomic group (?>", at: start)
            } else {
                return try flagGroup(start: start)
            }
        }
        let inner = try alternation()
        guard peek == ")" else { throw error("missing ')'", at: start) }
        i += 1
        if let negated = lookahead { return .lookahead(inner, negated: negated) }
        return inner
    }

    /// `(?i)`, `(?-i)`, `(?i:…)`: flags for the rest of the enclosing group, or for the group.
    private mutating func flagGroup(start: Int) throws(RegexSyntaxError) -> RegexNode? {
        var on = true
        var newIgnoreCase = ignoreCase, newDotAll = dotAll
        while let c = peek, c != ")", c != ":" {
            switch c {
            case "-": on = false
            case "i": newIgnoreCase = on
            case "s": newDotAll = on
            default: throw unsupported("flag '\(c)'", at: i)
            }
            i += 1
        }
        guard let end = peek else { throw error("missing ')'", at: start) }
        i += 1
        if end == ")" {
            ignoreCase = newIgnoreCase
            dotAll = newDotAll
            return nil
        }
        let savedIgnoreCase = ignoreCase, savedDotAll = dotAll
        ignoreCase = newIgnoreCase
        dotAll = newDotAll
        defer { ignoreCase = savedIgnoreCase; dotAll = savedDotAll }
        let inner = try alternation()
        guard peek == ")" else { throw error("missing ')'", at: start) }
        i += 1
        return inner
    }

    private mutating func escapeAtom() throws(RegexSyntaxError) -> RegexNode {
        let start = i
        guard i + 1 < scalars.count else { throw error("pattern ends with '\\'", at: start) }
        switch scalars[i + 1] {
        case "b": i += 2; return .assertion(.wordBoundary)
        case "B": i += 2; return .assertion(.notWordBoundary)
        case "A": i += 2; return .assertion(.start)
        case "Z": i += 2; return .assertion(.endOrFinalLineTerminator)
        case "z": i += 2; return .assertion(.end)
        case "Q":
            i += 2
            var literal: [RegexNode] = []
            while i < scalars.count, !peek("\\E") {
                literal.append(.scalar(ScalarSet(scalars[i].value, ignoreCase: ignoreCase)))
                i += 1
            }
            if peek("\\E") { i += 2 }
            return literal.count == 1 ? literal[0] : .concat(literal)
        default:
            switch try escape() {
            case .literal(let value): return .scalar(ScalarSet(value, ignoreCase: ignoreCase))
            case .set(let scalarClass): return .scalar(ScalarSet(scalarClass))
            }
        }
    }

    /// What an escape stands for.
    private enum Escaped {
        case literal(UInt32)
        case set(ScalarClass)
    }

    /// An escape that stands for one scalar or a class, at `\`.
    private mutating func escape() throws(RegexSyntaxError) -> Escaped {
        let start = i
        i += 1
        guard let c = peek else { throw error("pattern ends with '\\'", at: start) }
        i += 1
        switch c {
        case "t": return .literal(0x09)
        case "n": return .literal(0x0A)
        case "r": return .literal(0x0D)
        case "f": return .literal(0x0C)
        case "a": return .literal(0x07)
        case "e": return .literal(0x1B)
        case "d": return .set(.categories(ScalarClass.mask("Nd")))
        case "D": return .set(.inverted(.categories(ScalarClass.mask("Nd"))))
        case "s": return .set(.whitespace)
        case "S": return .set(.inverted(.whitespace))
        case "w": return .set(.word)
        case "W": return .set(.inverted(.word))
        case "h": return .set(.horizontalSpace)
        case "H": return .set(.inverted(.horizontalSpace))
        case "v": return .set(.verticalSpace)
        case "V": return .set(.inverted(.verticalSpace))
        case "p", "P": return .set(try property(negated: c == "P", start: start))
        case "x":
            if peek == "{" {
                i += 1
                let value = try hex(maxDigits: 8, start: start)
                guard peek == "}" else { throw error("invalid \\x{…} escape", at: start) }
                i += 1
                return .literal(value)
            }
            return .literal(try hex(exactly: 2, start: start))
        case "u": return .literal(try hex(exactly: 4, start: start))
        case "U": return .literal(try hex(exactly: 8, start: start))
        case "0":
            var value: UInt32 = 0
            var digits = 0
            while digits < 3, let d = peek, ("0"..."7").contains(d) {
                value = value * 8 + d.value - 0x30
                i += 1
                digits += 1
            }
            return .literal(value)
        default:
            if ("1"..."9").contains(c) { throw unsupported("back-reference \\\(c)", at: start) }
            if c.properties.isAlphabetic { throw unsupported("\\\(c)", at: start) }
            return .literal(c.value)
        }
    }

    private mutating func hex(exactly count: Int, start: Int) throws(RegexSyntaxError) -> UInt32 {
        let before = i
        let value = try hex(maxDigits: count, start: start)
        guard i - before == count else { throw error("invalid hexadecimal escape", at: start) }
        return value
    }

    private mutating func hex(maxDigits: Int, start: Int) throws(RegexSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        var digits = 0
        while digits < maxDigits, let c = peek, c.isASCII, let d = UInt32(String(c), radix: 16) {
            value = value * 16 + d
            i += 1
            digits += 1
        }
        guard digits > 0, Unicode.Scalar(value) != nil else { throw error("invalid hexadecimal escape", at: start) }
        return value
    }

    /// `\p{Name}`, `\p{^Name}`, `\pL` (after the `p`).
    private mutating func property(negated: Bool, start: Int) throws(RegexSyntaxError) -> ScalarClass {
        var name = ""
        var negate = negated
        if peek == "{" {
            i += 1
            if peek == "^" {
                negate.toggle()
                i += 1
            }
            while let c = peek, c != "}" {
                name.unicodeScalars.append(c)
                i += 1
            }
            guard peek == "}" else { throw error("unterminated \\p{", at: start) }
            i += 1
        } else if let c = peek {
            name = String(c)
            i += 1
        }
        guard let found = ScalarClass.property(name) else { throw unsupported("\\p{\(name)}", at: start) }
        return negate ? .inverted(found) : found
    }

    /// `[…]`, at `[`.
    private mutating func bracket() throws(RegexSyntaxError) -> ScalarSet {
        let start = i
        i += 1
        var set = ScalarSet()
        set.ignoreCase = ignoreCase
        if peek == "^" {
            set.negated = true
            i += 1
        }
        var first = true
        while true {
            guard let c = peek else { throw error("missing ']'", at: start) }
            if c == "]" && !first { break }
            first = false
            if c == "[" { throw unsupported("nested set [", at: i) }
            if peek("&&") || peek("--") { throw unsupported("set operation \(peek("&&") ? "&&" : "--")", at: i) }
            let low: UInt32
            if c == "\\" {
                switch try escape() {
                case .literal(let value): low = value
                case .set(let scalarClass):
                    set.classes.append(scalarClass)
                    continue
                }
            } else {
                low = c.value
                i += 1
            }
            guard peek == "-", i + 1 < scalars.count, scalars[i + 1] != "]" else {
                set.ranges.append(low...low)
                continue
            }
            i += 1
            let high: UInt32
            if peek == "\\" {
                guard case .literal(let value) = try escape() else { throw error("range ends in a class", at: i) }
                high = value
            } else {
                high = scalars[i].value
                i += 1
            }
            guard low <= high else { throw error("range out of order", at: start) }
            set.ranges.append(low...high)
        }
        i += 1
        return set
    }
}
