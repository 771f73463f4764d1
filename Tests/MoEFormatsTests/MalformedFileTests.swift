import XCTest
@testable import MoEFormats

/// Malformed safetensors files: each must throw a `FormatError` saying what is wrong.
final class MalformedFileTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
    }

    override func tearDown() {
        removeTemporaryFolder(folder)
    }

    /// Writes `bytes` to a file and opens it.
    private func open(_ bytes: [UInt8]) throws -> SafetensorsFile {
        let path = folder + "/bad.safetensors"
        try writeBytes(bytes, to: path)
        return try SafetensorsFile(path: path)
    }

    /// Opens a file whose header is `{"t": <entry>}` followed by `data`.
    private func openEntry(_ entry: String, data: [UInt8] = Array(repeating: 0, count: 8)) throws -> SafetensorsFile {
        try open(safetensorsBytes(header: #"{"t":"# + entry + "}", data: data))
    }

    func testValidMinimalFileOpens() throws {
        let file = try openEntry(#"{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#)
        XCTAssertEqual(file.names, ["t"])
    }

    func testErrorNamesTheFile() {
        assertFormatError(try open([1, 2, 3]), [folder + "/bad.safetensors"])
    }

    func testFileShorterThanLengthPrefix() {
        assertFormatError(try open([1, 2, 3, 4, 5]), ["5 bytes", "shorter than the 8-byte header length"])
        assertFormatError(try open([]), ["0 bytes", "shorter"])
    }

    func testHeaderLengthPastEndOfFile() {
        assertFormatError(try open(safetensorsBytes(header: "{}", length: 100)), ["header length 100", "past the end"])
    }

    func testHugeHeaderLengthIsNotAllocated() {
        assertFormatError(try open(safetensorsBytes(header: "{}", length: 1 << 60)),
                          ["header length \(UInt64(1) << 60)", "exceeds"])
        assertFormatError(try open(safetensorsBytes(header: "{}", length: .max)), ["exceeds"])
    }

    func testTruncatedData() throws {
        let path = folder + "/good.safetensors"
        try SafetensorsWriter.write([TensorData(name: "w", dtype: .F32, shape: [4], bytes: Array(repeating: 1, count: 16))], to: path)
        let bytes = try readBytes(path)
        assertFormatError(try open(Array(bytes.dropLast(3))), ["data_offsets [0, 16]", "past the end of the 13-byte data section"], tensor: "w")
    }

    func testOffsetsPastDataSection() {
        assertFormatError(try openEntry(#"{"dtype":"U8","shape":[4],"data_offsets":[6,10]}"#),
                          ["[6, 10]", "past the end of the 8-byte data section"], tensor: "t")
    }

    func testOverlappingRanges() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        assertFormatError(try open(safetensorsBytes(header: header, data: Array(repeating: 0, count: 8))),
                          ["overlap", "'a'"], tensor: "b")
    }

    func testIdenticalRangesOverlap() {
        let header = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"I16","shape":[],"data_offsets":[0,2]}}"#
        assertFormatError(try open(safetensorsBytes(header: header, data: [0, 0])), ["overlap"])
    }

    func testUnknownDType() {
        assertFormatError(try openEntry(#"{"dtype":"F128","shape":[2],"data_offsets":[0,8]}"#),
                          ["unknown dtype 'F128'", "expected one of", "BF16"], tensor: "t")
        assertFormatError(try openEntry(#"{"dtype":5,"shape":[2],"data_offsets":[0,8]}"#), ["'dtype' must be a string"], tensor: "t")
    }

    func testShapeByteCountMismatch() {
        assertFormatError(try openEntry(#"{"dtype":"F32","shape":[3],"data_offsets":[0,8]}"#),
                          ["shape [3] of F32 needs 12 bytes", "span 8"], tensor: "t")
    }

    func testNegativeShapeEntry() {
        assertFormatError(try openEntry(#"{"dtype":"F32","shape":[2,-3],"data_offsets":[0,8]}"#),
                          ["shape[1] must be a non-negative integer", "found -3"], tensor: "t")
    }

    func testNonIntegerShapeEntries() {
        for bad in ["2.5", "2.0", "1e1", "\"2\"", "null", "true", "[2]", "99999999999999999999"] {
            assertFormatError(try openEntry(#"{"dtype":"U8","shape":["# + bad + #"],"data_offsets":[0,8]}"#),
                              ["shape[0] must be a non-negative integer"], tensor: "t")
        }
        assertFormatError(try openEntry(#"{"dtype":"U8","shape":8,"data_offsets":[0,8]}"#), ["'shape' must be an array"], tensor: "t")
    }

    func testElementCountOverflow() {
        assertFormatError(try openEntry(#"{"dtype":"U8","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}"#),
                          ["element count", "overflows"], tensor: "t")
        assertFormatError(try openEntry(#"{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}"#),
                          ["byte size", "overflows"], tensor: "t")
    }

    func testBadDataOffsets() {
        for bad in ["[8,0]", "[-1,7]", "[0]", "[0,8,8]", "[0,8.0]", "\"0,8\"", "[0,18446744073709551616]"] {
            assertFormatError(try openEntry(#"{"dtype":"U8","shape":[8],"data_offsets":"# + bad + "}"),
                              ["data_offsets"], tensor: "t")
        }
    }

    func testMissingFields() {
        assertFormatError(try openEntry(#"{"shape":[8],"data_offsets":[0,8]}"#), ["missing 'dtype'"], tensor: "t")
        assertFormatError(try openEntry(#"{"dtype":"U8","data_offsets":[0,8]}"#), ["missing 'shape'"], tensor: "t")
        assertFormatError(try openEntry(#"{"dtype":"U8","shape":[8]}"#), ["missing 'data_offsets'"], tensor: "t")
        assertFormatError(try openEntry("[1]"), ["entry must be an object"], tensor: "t")
    }

    func testNonUTF8Header() {
        var bytes = safetensorsBytes(header: #"{"abc":{}}"#)
        bytes[10] = 0xFF
        assertFormatError(try open(bytes), ["not valid UTF-8"])
    }

    func testNonJSONHeader() {
        assertFormatError(try open(safetensorsBytes(header: "hello world")), ["not valid JSON"])
        assertFormatError(try open(safetensorsBytes(header: "")), ["not valid JSON", "end of input"])
        assertFormatError(try open(safetensorsBytes(header: #"{"a":1,}"#)), ["not valid JSON"])
        assertFormatError(try open(safetensorsBytes(header: "{} x")), ["not valid JSON", "after the JSON value"])
    }

    func testHeaderNotAnObject() {
        assertFormatError(try open(safetensorsBytes(header: "[1, 2]  ")), ["must be a JSON object", "array"])
        assertFormatError(try open(safetensorsBytes(header: "42")), ["must be a JSON object", "42"])
    }

    func testDuplicateTensorKey() {
        let header = #"{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"t":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#
        assertFormatError(try open(safetensorsBytes(header: header, data: [0, 0])), ["duplicate key \"t\""])
    }

    func testDeepNestingIsRejected() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        assertFormatError(try open(safetensorsBytes(header: #"{"__metadata__":"# + deep + "}")), ["nesting deeper"])
    }

    func testBadMetadata() {
        assertFormatError(try open(safetensorsBytes(header: #"{"__metadata__":{"a":1}}"#)), ["__metadata__", "'a'", "must be a string"])
        assertFormatError(try open(safetensorsBytes(header: #"{"__metadata__":"x"}"#)), ["__metadata__ must be an object"])
    }

    func testBadStringEscapes() {
        for bad in [#"{"\x":1}"#, #"{"\ud800":1}"#, #"{"\udc00":1}"#, #"{"\u12":1}"#, "{\"a\u{01}\":1}", #"{"abc"#] {
            assertFormatError(try open(safetensorsBytes(header: bad)), ["not valid JSON"])
        }
    }

    func testValidEscapesAndPaddingAreAccepted() throws {
        let header = #"{"__metadata__":{"k\u00e9\ud83d\udca1\n":"\/v"}}"# + "  \n\t "
        let file = try open(safetensorsBytes(header: header))
        XCTAssertEqual(file.metadata, ["ké💡\n": "/v"])
    }
}
