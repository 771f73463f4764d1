import XCTest
@testable import MoETokenizers

/// Encoding and decoding of the whole corpus against Hugging Face `tokenizers`' output.
final class ReferenceTests: XCTestCase {
    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tokenizer = try Fixtures.tokenizer(name)
        let references = try Fixtures.references(name)
        let corpus = Fixtures.corpus
        XCTAssertGreaterThan(corpus.count, 200)
        XCTAssertEqual(references.count, corpus.count)
        var failures = 0
        for (text, ref) in zip(corpus, references) {
            let ids = tokenizer.encode(text, addSpecialTokens: false)
            // The ~100 KB texts check plain ids and full decodes; the short strings cover the rest
            // (keeps the debug test run short).
            let isLong = text.utf8.count > 20_000
            if isLong {
                XCTAssertEqual(ids, ref.ids, "\(name) long text", file: file, line: line)
                XCTAssertEqual(tokenizer.decode(ref.ids_special), ref.decoded, "\(name) long decode", file: file, line: line)
                continue
            }
            let special = tokenizer.encode(text, addSpecialTokens: true)
            let shown = text.count > 80 ? String(text.prefix(80)) + "..." : text
            if ids != ref.ids {
                failures += 1
                if failures < 6 {
                    let firstDiff = zip(ids, ref.ids).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ids.count, ref.ids.count)
                    XCTFail("\(name) encode \(shown.debugDescription) differs at \(firstDiff): ours \(Array(ids[firstDiff...].prefix(8))) HF \(Array(ref.ids[firstDiff...].prefix(8)))", file: file, line: line)
                }
            }
            XCTAssertEqual(special, ref.ids_special, "\(name) special \(shown.debugDescription)", file: file, line: line)
            XCTAssertEqual(tokenizer.decode(ref.ids_special), ref.decoded, "\(name) decode \(shown.debugDescription)", file: file, line: line)
            XCTAssertEqual(tokenizer.decode(ref.ids_special, skipSpecialTokens: true), ref.decoded_skip, "\(name) decode skip \(shown.debugDescription)", file: file, line: line)
            XCTAssertEqual(tokenizer.decode(ref.ids), ref.decoded_plain, "\(name) decode plain \(shown.debugDescription)", file: file, line: line)
        }
        XCTAssertEqual(failures, 0, "\(name): \(failures) encodings differ")
    }

    func testMixtral() throws { try check("mixtral") }
    func testMixtralMetaspace() throws { try check("mixtral-metaspace") }
    func testDeepSeek() throws { try check("deepseek") }
    func testQwen() throws { try check("qwen") }
}
