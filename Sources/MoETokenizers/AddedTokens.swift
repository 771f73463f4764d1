/// One entry of tokenizer.json's `added_tokens`.
public struct AddedToken: Sendable, Equatable {
    /// The token id.
    public let id: Int
    /// The token text.
    public let content: String
    /// Special tokens are dropped by `decode(_:skipSpecialTokens: true)`.
    public let special: Bool
    /// Matched only where it is not inside a word.
    public let singleWord: Bool
    /// The match swallows white space on its left.
    public let lstrip: Bool
    /// The match swallows white space on its right.
    public let rstrip: Bool
    /// Matched against the normalized text instead of the raw text.
    public let normalized: Bool

    /// An added token matched in the raw text, whole, wherever it occurs.
    init(id: Int, content: String, special: Bool) {
        self.id = id
        self.content = content
        self.special = special
        singleWord = false
        lstrip = false
        rstrip = false
        normalized = false
    }

    init(_ node: JSONNode) throws {
        id = try node["id"].int()
        guard id >= 0 && id < 1 << 24 else { throw node["id"].fail("an id between 0 and 2^24") }
        content = try node["content"].string()
        guard !content.isEmpty else { throw node["content"].fail("a non-empty string") }
        special = try node["special"].bool(default: false)
        singleWord = try node["single_word"].bool(default: false)
        lstrip = try node["lstrip"].bool(default: false)
        rstrip = try node["rstrip"].bool(default: false)
        normalized = try node["normalized"].bool(default: !special)
    }
}

/// A piece of the input: plain text to run through the model, or an added token.
enum Segment {
    case text(Range<Int>)
    case token(Int)
}

/// Finds added tokens in text: leftmost, and the longest of those starting at the same place
/// (the aho-corasick `LeftmostLongest` search Hugging Face uses), with the lstrip / rstrip /
/// single_word rules.
struct AddedTokenMatcher: Sendable {
    /// Candidates by first byte, longest first: (UTF-8 bytes, token).
    private let byFirstByte: [[([UInt8], AddedToken)]]
    let isEmpty: Bool

    init(_ tokens: [AddedToken]) {
        var table = [[([UInt8], AddedToken)]](repeating: [], count: 256)
        for token in tokens {
            let bytes = Array(token.content.utf8)
            table[Int(bytes[0])].append((bytes, token))
        }
        byFirstByte = table.map { $0.sorted { $0.0.count > $1.0.count } }
        isEmpty = tokens.isEmpty
    }

    /// Splits `p[range]` into text and added-token segments.
    func split(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [Segment]) {
        if isEmpty {
            if !range.isEmpty { out.append(.text(range)) }
            return
        }
        var textStart = range.lowerBound
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            guard let (length, token) = longest(p, at: i, end: end), accepts(token, p, range, i, i + length) else {
                i += 1
                continue
            }
            var start = i
            var stop = i + length
            if token.lstrip {
                while start > textStart, let s = scalarBefore(p, start, floor: textStart), isSpace(s.scalar) { start = s.start }
            }
            if token.rstrip {
                while stop < end {
                    let (s, n) = UTF8Scalars.decode(p, stop)
                    guard isSpace(s) else { break }
                    stop += n
                }
            }
            if start > textStart { out.append(.text(textStart..<start)) }
            out.append(.token(token.id))
            textStart = stop
            i = stop
        }
        if textStart < end { out.append(.text(textStart..<end)) }
    }

    private func longest(_ p: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> (Int, AddedToken)? {
        for (bytes, token) in byFirstByte[Int(p[i])] where i + bytes.count <= end {
            var k = 1
            while k < bytes.count, p[i + k] == bytes[k] { k += 1 }
            if k == bytes.count { return (bytes.count, token) }
        }
        return nil
    }

    /// The single_word rule: no word character right before or after the match.
    private func accepts(_ token: AddedToken, _ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ start: Int, _ stop: Int) -> Bool {
        guard token.singleWord else { return true }
        if let before = scalarBefore(p, start, floor: range.lowerBound), isWordCharacter(before.scalar) { return false }
        if stop < range.upperBound, isWordCharacter(UTF8Scalars.decode(p, stop).scalar) { return false }
        return true
    }

    private func scalarBefore(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, floor: Int) -> (scalar: UInt32, start: Int)? {
        guard i > floor else { return nil }
        var j = i - 1
        while j > floor, p[j] & 0xC0 == 0x80 { j -= 1 }
        return (UTF8Scalars.decode(p, j).scalar, j)
    }

    private func isSpace(_ s: UInt32) -> Bool {
        CharacterClasses.of(s) & CharacterClasses.space != 0
    }

    private func isWordCharacter(_ s: UInt32) -> Bool {
        s == 0x5F || CharacterClasses.of(s) & (CharacterClasses.letter | CharacterClasses.number | CharacterClasses.mark) != 0
    }
}
