import XCTest
@testable import MoEFormats

/// The strict header JSON parser and the writer's string escaping.
final class JSONTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue {
        try Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) }
    }

    func testNumbersKeepTheirText() throws {
        guard case .array(let items) = try parse("[0, -0, 12, -7, 1.5, 2e3, 9223372036854775807, 9223372036854775808]") else {
            return XCTFail("not an array")
        }
        XCTAssertEqual(items.map(\.intValue), [0, 0, 12, -7, nil, nil, Int.max, nil])
        XCTAssertEqual(items.map(\.summary), ["0", "-0", "12", "-7", "1.5", "2e3", "9223372036854775807", "9223372036854775808"])
    }

    func testInvalidNumbersAreRejected() {
        for bad in ["01", "1.", ".5", "-", "1e", "+1", "0x10", "NaN", "Infinity"] {
            XCTAssertThrowsError(try parse(bad), bad)
        }
    }

    func testLiteralsAndNesting() throws {
        guard case .object(let members) = try parse(#" {"a": [true, false, null, {}], "b": "x"} "#) else {
            return XCTFail("not an object")
        }
        XCTAssertEqual(members["b"]?.stringValue, "x")
        XCTAssertEqual(members["a"]?.summary, "an array of 4")
        XCTAssertThrowsError(try parse("tru"))
        XCTAssertThrowsError(try parse("[1 2]"))
        XCTAssertThrowsError(try parse(#"{"a" 1}"#))
        XCTAssertThrowsError(try parse(String(repeating: "[", count: JSONParser.maxDepth + 1)))
    }

    func testEscapingRoundTrips() throws {
        let text = "q\" b\\ n\n t\t c\u{01} del\u{7F} é 💡 /"
        XCTAssertEqual(try parse(JSONEncoding.quoted(text)).stringValue, text)
        XCTAssertEqual(try parse(JSONEncoding.quoted(text, asciiOnly: true)).stringValue, text)
        XCTAssertEqual(JSONEncoding.quoted("é💡\u{01}\u{7F}", asciiOnly: true), #""\u00e9\ud83d\udca1\u0001\u007f""#)
        XCTAssertEqual(JSONEncoding.quoted("é\u{7F}"), "\"é\u{7F}\"")
    }
}
