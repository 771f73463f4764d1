/// GPT-2's byte-level alphabet and pre-tokenizer, as Hugging Face `tokenizers`'
/// `ByteLevel` pre-tokenizer (`use_regex: true`, `add_prefix_space: false`) applies them.
public enum ByteLevel {
    /// The printable character standing for each byte (`bytes_to_unicode` of GPT-2). `(256)`
    public static let byteToScalar: [Unicode.Scalar] = {
        var printable: [Int] = Array(33...126) + Array(161...172) + Array(174...255)
        var chars = printable
        var extra = 0
        for b in 0..<256 where !printable.contains(b) {
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (b, c) in zip(printable, chars) { table[b] = Unicode.Scalar(UInt32(c)) ?? " " }
        return table
    }()

    /// `text`'s UTF-8 bytes spelled in the byte-level alphabet.
    public static func encodeBytes<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = String.UnicodeScalarView()
        for b in bytes { out.append(byteToScalar[Int(b)]) }
        return String(out)
    }

    /// Splits `text` like GPT-2's pattern
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    public static func split(_ text: String) -> [Substring] {
        let s = Array(text.unicodeScalars)
        let view = text.unicodeScalars
        var indices: [String.UnicodeScalarView.Index] = []
        indices.reserveCapacity(s.count + 1)
        var idx = view.startIndex
        while idx != view.endIndex {
            indices.append(idx)
            idx = view.index(after: idx)
        }
        indices.append(view.endIndex)
        var pieces: [Substring] = []
        var i = 0
        let n = s.count
        func run(from start: Int, while predicate: (Unicode.Scalar) -> Bool) -> Int {
            var j = start
            while j < n && predicate(s[j]) { j += 1 }
            return j
        }
        while i < n {
            let c = s[i]
            var end = i + 1
            if c == "'", let length = contraction(s, at: i) {
                end = i + length
            } else if c == " ", i + 1 < n, !isSpace(s[i + 1]) {
                end = run(from: i + 1, while: kindPredicate(of: s[i + 1]))
            } else if !isSpace(c) {
                end = run(from: i, while: kindPredicate(of: c))
            } else {
                let j = run(from: i, while: isSpace)
                end = (j < n && j - i > 1) ? j - 1 : j
            }
            pieces.append(Substring(view[indices[i]..<indices[end]]))
            i = end
        }
        return pieces
    }

    /// Length of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `i`, if any.
    private static func contraction(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        guard i + 1 < s.count else { return nil }
        switch s[i + 1] {
        case "s", "t", "m", "d": return 2
        case "r", "v", "l":
            guard i + 2 < s.count else { return nil }
            let pair = (s[i + 1], s[i + 2])
            if pair == ("r", "e") || pair == ("v", "e") || pair == ("l", "l") { return 3 }
            return nil
        default: return nil
        }
    }

    /// The run predicate for the class of `c`: letters, numbers, or other non-space.
    private static func kindPredicate(of c: Unicode.Scalar) -> (Unicode.Scalar) -> Bool {
        if isLetter(c) { return isLetter }
        if isNumber(c) { return isNumber }
        return { !isSpace($0) && !isLetter($0) && !isNumber($0) }
    }

    static func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }

    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
