/// Hand-written scanners for the pre-tokenizer regular expressions that the supported model
/// families use, selected by the exact pattern string. Each one returns, at a position, the end
/// of the match that the backtracking regex (Oniguruma in Hugging Face `tokenizers`) would find
/// there, trying the alternatives in order. `LinearRegex` is the general engine for every other
/// pattern; the tests check both agree on the whole corpus.
enum FastPattern: Sendable, CaseIterable {
    /// GPT-2 (and ByteLevel's built-in split).
    case gpt2
    /// Llama 3, and transformers' TikTokenConverter default.
    case llama3
    /// Qwen / Qwen2 (single digits).
    case qwen2
    /// DeepSeek (V2/V3) split 1: `\p{N}{1,3}`.
    case digits1to3
    /// DeepSeek split 2: runs of CJK ideographs, hiragana and katakana.
    case cjkRuns
    /// DeepSeek split 3: punctuation + ASCII word, letters and marks, punctuation runs, spaces.
    case deepseekMain

    /// The regular expression each scanner implements, byte for byte as tokenizer.json holds it.
    var pattern: String {
        switch self {
        case .gpt2:
            return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .llama3:
            return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .qwen2:
            return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .digits1to3:
            return #"\p{N}{1,3}"#
        case .cjkRuns:
            return "[\u{4e00}-\u{9fa5}\u{3040}-\u{309f}\u{30a0}-\u{30ff}]+"
        case .deepseekMain:
            return ##"[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"##
        }
    }

    /// The scanner for `pattern`, if there is one.
    init?(pattern: String) {
        guard let match = FastPattern.allCases.first(where: { $0.pattern == pattern }) else { return nil }
        self = match
    }

    /// Appends the non-overlapping matches inside `range`, leftmost first.
    func matches(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [Range<Int>]) {
        let scanner = Scanner(p: p, end: range.upperBound)
        var i = range.lowerBound
        while i < range.upperBound {
            if let end = scanner.match(self, at: i) {
                out.append(i..<end)
                i = end
            } else {
                i += UTF8Scalars.length(leadByte: p[i])
            }
        }
    }
}

/// One scan over a byte range; `end` bounds every look-ahead.
private struct Scanner {
    let p: UnsafeBufferPointer<UInt8>
    let end: Int

    typealias C = CharacterClasses

    @inline(__always)
    func at(_ i: Int) -> (scalar: UInt32, length: Int, classes: UInt8) {
        let (s, n) = UTF8Scalars.decode(p, i)
        return (s, n, s < 0x80 ? asciiClasses[Int(s)] : C.of(s))
    }

    /// End of the run of scalars from `i` whose classes intersect `mask`.
    @inline(__always)
    func run(from start: Int, _ mask: UInt8) -> Int {
        var i = start
        while i < end {
            let c = at(i)
            if c.classes & mask == 0 { break }
            i += c.length
        }
        return i
    }

    func match(_ pattern: FastPattern, at i: Int) -> Int? {
        switch pattern {
        case .gpt2: return gpt2(i)
        case .llama3: return llama(i, maxDigits: 3)
        case .qwen2: return llama(i, maxDigits: 1)
        case .digits1to3: return digits(i, max: 3)
        case .cjkRuns: return cjk(i)
        case .deepseekMain: return deepseek(i)
        }
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, optionally case-insensitive (then `ſ` folds to `s` and `K` (Kelvin) to `k`).
    func contraction(_ i: Int, ignoringCase: Bool) -> Int? {
        guard p[i] == 0x27, i + 1 < end else { return nil }
        let (a, an, _) = at(i + 1)
        func lower(_ s: UInt32) -> UInt32 {
            guard ignoringCase else { return s }
            if s >= 0x41 && s <= 0x5A { return s + 32 }
            if s == 0x17F { return 0x73 }
            return s
        }
        let first = lower(a)
        switch first {
        case 0x73, 0x74, 0x6D, 0x64: return i + 1 + an  // s t m d
        case 0x72, 0x76, 0x6C:  // r v l
            guard i + 1 + an < end else { return nil }
            let (b, bn, _) = at(i + 1 + an)
            let second = lower(b)
            if (first == 0x72 || first == 0x76) && second == 0x65 { return i + 1 + an + bn }
            if first == 0x6C && second == 0x6C { return i + 1 + an + bn }
            return nil
        default: return nil
        }
    }

    /// `\s*[\r\n]+|\s+(?!\S)|\s+` at a white-space scalar.
    func spaces(_ i: Int, newlines: Bool) -> Int? {
        var j = i
        var lastNewline = -1
        var lastStart = i
        while j < end {
            let c = at(j)
            if c.classes & C.space == 0 { break }
            if c.scalar == 0x0A || c.scalar == 0x0D { lastNewline = j }
            lastStart = j
            j += c.length
        }
        if j == i { return nil }
        if newlines && lastNewline >= 0 { return lastNewline + 1 }
        if j == end { return j }
        if lastStart > i { return lastStart }
        return j
    }

    func gpt2(_ i: Int) -> Int? {
        if let e = contraction(i, ignoringCase: false) { return e }
        let c = at(i)
        var j = i
        var k = c
        if c.scalar == 0x20, i + 1 < end {
            j = i + 1
            k = at(j)
        }
        if k.classes & C.letter != 0 { return run(from: j, C.letter) }
        if k.classes & C.number != 0 { return run(from: j, C.number) }
        if k.classes & (C.space | C.letter | C.number) == 0 { return otherRun(j, excluding: C.space | C.letter | C.number) }
        return spaces(i, newlines: false)
    }

    /// End of a run of scalars having none of `excluding`.
    @inline(__always)
    func otherRun(_ start: Int, excluding: UInt8) -> Int {
        var i = start
        while i < end {
            let c = at(i)
            if c.classes & excluding != 0 { break }
            i += c.length
        }
        return i
    }

    /// `[\r\n]*`.
    @inline(__always)
    func newlineRun(_ start: Int) -> Int {
        var i = start
        while i < end, p[i] == 0x0A || p[i] == 0x0D { i += 1 }
        return i
    }

    func llama(_ i: Int, maxDigits: Int) -> Int? {
        if let e = contraction(i, ignoringCase: true) { return e }
        let c = at(i)
        if c.classes & C.letter != 0 { return run(from: i, C.letter) }
        let isNewline = c.scalar == 0x0A || c.scalar == 0x0D
        if !isNewline, c.classes & C.number == 0, i + c.length < end, at(i + c.length).classes & C.letter != 0 {
            return run(from: i + c.length, C.letter)
        }
        if c.classes & C.number != 0 { return digits(i, max: maxDigits) }
        let other = C.space | C.letter | C.number
        if c.scalar == 0x20, i + 1 < end, at(i + 1).classes & other == 0 {
            return newlineRun(otherRun(i + 1, excluding: other))
        }
        if c.classes & other == 0 { return newlineRun(otherRun(i, excluding: other)) }
        return spaces(i, newlines: true)
    }

    func digits(_ i: Int, max: Int) -> Int? {
        var j = i
        var n = 0
        while n < max, j < end {
            let c = at(j)
            if c.classes & C.number == 0 { break }
            j += c.length
            n += 1
        }
        return n == 0 ? nil : j
    }

    func cjk(_ i: Int) -> Int? {
        var j = i
        while j < end {
            let c = at(j)
            let s = c.scalar
            guard (0x4E00...0x9FA5).contains(s) || (0x3040...0x309F).contains(s) || (0x30A0...0x30FF).contains(s) else { break }
            j += c.length
        }
        return j == i ? nil : j
    }

    func deepseek(_ i: Int) -> Int? {
        let b = p[i]
        if b < 0x80, asciiPunctuation(b), i + 1 < end, asciiLetter(p[i + 1]) {
            var j = i + 1
            while j < end, asciiLetter(p[j]) { j += 1 }
            return j
        }
        let c = at(i)
        let letterOrMark = C.letter | C.mark
        let isNewline = c.scalar == 0x0A || c.scalar == 0x0D
        if !isNewline, c.classes & (C.letter | C.punctuation | C.symbol) == 0,
           i + c.length < end, at(i + c.length).classes & letterOrMark != 0 {
            return run(from: i + c.length, letterOrMark)
        }
        if c.classes & letterOrMark != 0 { return run(from: i, letterOrMark) }
        let ps = C.punctuation | C.symbol
        if c.scalar == 0x20, i + 1 < end, at(i + 1).classes & ps != 0 {
            return newlineRun(run(from: i + 1, ps))
        }
        if c.classes & ps != 0 { return newlineRun(run(from: i, ps)) }
        return spaces(i, newlines: true)
    }

    @inline(__always)
    func asciiLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }

    @inline(__always)
    func asciiPunctuation(_ b: UInt8) -> Bool {
        (0x21...0x2F).contains(b) || (0x3A...0x40).contains(b) || (0x5B...0x60).contains(b) || (0x7B...0x7E).contains(b)
    }
}

/// Class bits of the ASCII range, for the common case without a table lookup through `of`.
private let asciiClasses: [UInt8] = (0..<128).map { CharacterClasses.of(UInt32($0)) }
