import XCTest
@testable import MoETokenizers

/// Streaming detokenization emits, in pieces, exactly the full decode.
final class StreamingTests: XCTestCase {
    /// Every corpus string (the ~100 KB texts cut to their first 3000 ids, to keep debug runs
    /// fast), with and without special tokens.
    func check(_ name: String) throws {
        let tokenizer = try Fixtures.tokenizer(name)
        for ref in try Fixtures.references(name) {
            let ids = Array(ref.ids_special.prefix(3000))
            for skip in [false, true] {
                var stream = tokenizer.makeStreamingDetokenizer(skipSpecialTokens: skip)
                var text = ""
                for id in ids {
                    let piece = stream.append(id)
                    XCTAssertFalse(piece.unicodeScalars.last == "\u{FFFD}", "\(name): emitted an incomplete character")
                    text += piece
                }
                text += stream.finish()
                let full = ids.count == ref.ids_special.count ? (skip ? ref.decoded_skip : ref.decoded)
                    : tokenizer.decode(ids, skipSpecialTokens: skip)
                XCTAssertEqual(text, full, "\(name) stream of \(ref.decoded.prefix(60).debugDescription)")
            }
        }
    }

    func testMixtral() throws { try check("mixtral") }
    func testMixtralMetaspace() throws { try check("mixtral-metaspace") }
    func testDeepSeek() throws { try check("deepseek") }
    func testQwen() throws { try check("qwen") }

    func testHoldsBackIncompleteCharacters() throws {
        let tokenizer = try Fixtures.tokenizer("mixtral")
        let ids = tokenizer.encode("\u{10348}", addSpecialTokens: false)
        XCTAssertGreaterThan(ids.count, 2, "the emoji is byte-fallback tokens")
        var stream = tokenizer.makeStreamingDetokenizer()
        var pieces = ids.map { stream.append($0) }
        pieces.append(stream.finish())
        XCTAssertEqual(pieces.filter { !$0.isEmpty }.count, 1)
        XCTAssertEqual(pieces.joined(), tokenizer.decode(ids))
    }

    func testMetaspaceLeadingSpace() throws {
        let tokenizer = try Fixtures.tokenizer("mixtral")
        let ids = tokenizer.encode("Hello world", addSpecialTokens: false)
        var stream = tokenizer.makeStreamingDetokenizer()
        XCTAssertEqual(stream.append(ids[0]), "Hello")
        XCTAssertEqual(stream.append(ids[1]), " world")
    }
}
