/// Turns token ids into text one id at a time, never splitting a UTF-8 character or a
/// byte-fallback sequence: text whose last character would be U+FFFD (incomplete bytes) is held
/// back until the next id completes it, or until `finish()`. This is Hugging Face's
/// `DecodeStream` algorithm: it decodes a short window of recent ids and emits what the newest
/// id added, so decoders that treat the first token specially (Metaspace, Strip) behave as in
/// a full decode. Concatenating every returned string equals `decode` of all the ids.
public struct StreamingDetokenizer: Sendable {
    private let tokenizer: Tokenizer
    private let skipSpecialTokens: Bool
    /// The window: ids from the last emitted prefix on.
    private var ids: [Int] = []
    /// Text of `ids[..<prefixIndex]`, already emitted.
    private var prefix = ""
    private var prefixIndex = 0

    /// A detokenizer for `tokenizer`.
    public init(tokenizer: Tokenizer, skipSpecialTokens: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// Adds one id and returns the text it completes (often empty while bytes are pending).
    public mutating func append(_ id: Int) -> String {
        if prefix.isEmpty && !ids.isEmpty {
            let text = tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
            if !StreamingDetokenizer.endsIncomplete(text) {
                prefix = text
                prefixIndex = ids.count
            }
        }
        ids.append(id)
        let text = tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
        guard text.utf8.count > prefix.utf8.count, !StreamingDetokenizer.endsIncomplete(text),
              text.utf8.starts(with: prefix.utf8) else { return "" }
        let new = String(decoding: text.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
        let newPrefixIndex = ids.count - prefixIndex
        ids.removeFirst(prefixIndex)
        prefix = tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
        prefixIndex = newPrefixIndex
        return new
    }

    /// Returns any text still held back (ending in U+FFFD where bytes never completed) and resets.
    public mutating func finish() -> String {
        let text = tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
        defer {
            ids = []
            prefix = ""
            prefixIndex = 0
        }
        guard text.utf8.count > prefix.utf8.count, text.utf8.starts(with: prefix.utf8) else { return "" }
        return String(decoding: text.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
    }

    private static func endsIncomplete(_ text: String) -> Bool {
        text.unicodeScalars.last == "\u{FFFD}"
    }
}
