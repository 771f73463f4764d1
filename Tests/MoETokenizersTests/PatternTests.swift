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

    func testNestedQuantifiersRunInLinearTime() throws {
        let pattern = try SplitPattern(regex: "(((((a*)*)*)*)*)b", field: "pre_tokenizer.pattern.Regex")
        let clock = ContinuousClock()
        let start = clock.now
        XCTAssertEqual(matches(pattern, String(repeating: "a", count: 58) + "c"), [])
        XCTAssertEqual(matches(pattern, String(repeating: "a", count: 20_000) + "b"), [0..<20_001])
        XCTAssertLessThan(clock.now - start, .seconds(2))
        XCTAssertEqual(matches(pattern, "xaab ab b"), [1..<4, 5..<7, 8..<9])
    }

    func testGeneralEngineFollowsBacktrackingOrder() throws {
        let cases: [(String, String, [Range<Int>])] = [
            (#"\p{N}{1,4}"#, "12345x6", [0..<4, 4..<5, 6..<7]),
            ("(?i:ab)|c", "AB aB c C", [0..<2, 3..<5, 6..<7]),
            ("(?i)'s", "'S 'ſ", [0..<2, 3..<6]),
            ("a+?", "aaa", [0..<1, 1..<2, 2..<3]),
            ("a|ab", "ab", [0..<1]),
            ("ab|a", "ab", [0..<2]),
            (#"\s+(?!\S)|\s+"#, "a   b  ", [1..<3, 3..<4, 5..<7]),
            (#"[^\s\p{L}\p{N}]+"#, "a?!b -c", [1..<3, 5..<6]),
            (#"\bfoo\b"#, "foo food foo", [0..<3, 9..<12]),
            ("^a|b$", "aab ab", [0..<1, 5..<6]),
            (#"[\x{4e00}-\x{9fa5}]+"#, "x一二y", [1..<7]),
            ("(?=ab)a", "aab", [1..<2]),
            ("x*", "axxb", [1..<3]),
            (#"\Q.*\E"#, "a.*b", [1..<3]),
        ]
        for (regex, text, expected) in cases {
            let pattern = try SplitPattern(regex: regex, field: "test", allowFast: false)
            XCTAssertEqual(matches(pattern, text), expected, "\(regex) on \(text.debugDescription)")
        }
    }

    func testUnsupportedConstructsAreNamed() {
        let cases = [("(?<=a)b", "look-behind"), (#"(a)\1"#, "back-reference"), (#"\p{Han}"#, "\\p{Han}"),
                     ("a++", "possessive"), ("(?>a)", "atomic"), ("[a&&b]", "&&"), ("a{2000}", "above 1000"),
                     ("(a{1000}){1000}", "instructions")]
        for (regex, construct) in cases {
            XCTAssertThrowsError(try SplitPattern(regex: regex, field: "pre_tokenizer.pattern.Regex")) { error in
                guard case TokenizerError.invalidPattern(_, let pattern, let reason) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(pattern, regex)
                XCTAssertTrue(reason.contains(construct), "\(regex): \(reason)")
            }
        }
    }
}
