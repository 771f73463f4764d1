import XCTest
@testable import MoETokenizers

/// The hand-written scanners split exactly as the general regular-expression engine does.
final class PatternTests: XCTestCase {
    func matches(_ pattern: SplitPattern, _ text: String) -> [Range<Int>] {
        let bytes = Array(text.utf8)
        var out: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { pattern.matches($0, 0..<$0.count, into: &out) }
        return out
    }

    func testScannersAgreeWithRegexOnCorpus() throws {
        let extra = ["'S 'T 'RE 'Ve 'LL 'ſ x'd", "a\u{0301}b \u{0300}\u{0301}c", "!abc ,Abc -- x", "\r\n\r\n  \n \t\n",
                     "一二三ひらがなカタカナ漢字", "１２３ ٣٤٥ ⅧⅨ", "  \u{a0}\u{3000}x", "$$$ %%% ^^^ x"]
        let texts = Fixtures.corpus + extra
        XCTAssertGreaterThan(texts.count, 200)
        for fast in FastPattern.allCases {
            let scanner = SplitPattern(fast: fast)
            let general = try SplitPattern(regex: fast.pattern, field: "test", allowFast: false)
            for text in texts {
                let a = matches(scanner, text)
                let b = matches(general, text)
                if a != b {
                    let i = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
                    XCTFail("\(fast) differs on \(String(text.prefix(60)).debugDescription) at match \(i): \(a[i...].prefix(3)) vs \(b[i...].prefix(3))")
                }
            }
        }
    }

    func testPatternsAreRecognizedByExactString() throws {
        for fast in FastPattern.allCases {
            XCTAssertEqual(FastPattern(pattern: fast.pattern), fast)
        }
        XCTAssertNil(FastPattern(pattern: #"\p{N}{1,4}"#))
    }

    func testUnknownPatternUsesGeneralEngine() throws {
        let pattern = try SplitPattern(regex: #"\d{2}"#, field: "test")
        XCTAssertEqual(matches(pattern, "a12345"), [1..<3, 3..<5])
    }

    func testInvalidRegexIsAnError() {
        XCTAssertThrowsError(try SplitPattern(regex: "(unclosed", field: "pre_tokenizer.pattern.Regex")) { error in
            guard case TokenizerError.invalidPattern(let field, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "pre_tokenizer.pattern.Regex")
        }
    }
}
