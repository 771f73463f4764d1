import Foundation
import XCTest
@testable import MoEFormats

/// Folder holding the committed gguf-py fixtures (`scripts/make_gguf_fixtures.py`).
let ggufFixtureRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/gguf").path
}()

/// `expected.json` of the gguf fixtures, as parsed JSON.
func ggufExpected() throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: ggufFixtureRoot + "/expected.json"))
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// A metadata value as the fixture script describes it: `{type, value}` or
/// `{type: ARRAY, element_type, value: [...]}`, scalars as exact decimal strings.
func ggufValue(fromExpected json: Any) throws -> GGUFValue {
    let object = try XCTUnwrap(json as? [String: Any])
    let typeName = try XCTUnwrap(object["type"] as? String)
    let type = try XCTUnwrap(GGUFValueType.allCases.first { $0.description == typeName }, typeName)
    let text = object["value"] as? String ?? ""
    switch type {
    case .uint8: return .uint8(try XCTUnwrap(UInt8(text)))
    case .int8: return .int8(try XCTUnwrap(Int8(text)))
    case .uint16: return .uint16(try XCTUnwrap(UInt16(text)))
    case .int16: return .int16(try XCTUnwrap(Int16(text)))
    case .uint32: return .uint32(try XCTUnwrap(UInt32(text)))
    case .int32: return .int32(try XCTUnwrap(Int32(text)))
    case .uint64: return .uint64(try XCTUnwrap(UInt64(text)))
    case .int64: return .int64(try XCTUnwrap(Int64(text)))
    case .float32: return .float32(Float(try XCTUnwrap(Double(text))))
    case .float64: return .float64(try XCTUnwrap(Double(text)))
    case .bool: return .bool(text == "true")
    case .string: return .string(text)
    case .array:
        let elementName = try XCTUnwrap(object["element_type"] as? String)
        let elementType = try XCTUnwrap(GGUFValueType.allCases.first { $0.description == elementName })
        let items = try XCTUnwrap(object["value"] as? [Any])
        return .array(elementType, try items.map(ggufValue(fromExpected:)))
    }
}

/// Builds GGUF bytes field by field, so tests can write any (also invalid) header.
struct GGUFBuilder {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) {
        u64(UInt64(s.utf8.count))
        bytes += Array(s.utf8)
    }

    /// Header: magic, version and the two counts.
    mutating func header(version: UInt32 = 3, tensors: UInt64, kvs: UInt64) {
        bytes += Array("GGUF".utf8)
        u32(version)
        u64(tensors)
        u64(kvs)
    }

    /// A tensor info with dims in ggml order.
    mutating func tensor(_ name: String, dims: [UInt64], type: UInt32 = 0, offset: UInt64 = 0) {
        string(name)
        u32(UInt32(dims.count))
        for d in dims { u64(d) }
        u32(type)
        u64(offset)
    }

    /// Zero padding to `alignment`, then `dataBytes` bytes of data.
    mutating func data(_ dataBytes: Int, alignment: Int = 32) {
        bytes += [UInt8](repeating: 0, count: (alignment - bytes.count % alignment) % alignment)
        bytes += (0..<dataBytes).map { UInt8(truncatingIfNeeded: $0) }
    }
}

/// Parses `bytes` as an in-memory GGUF file named "test.gguf".
func parseGGUF(_ bytes: [UInt8]) throws -> GGUFFile {
    try GGUFFile(contents: bytes, name: "test.gguf")
}

/// The bit patterns of `values`.
func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }
