import Foundation
import XCTest
@testable import MoEFormats

/// A fresh temporary folder, removed by `removeTemporaryFolder`.
func makeTemporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "moe-formats-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Removes a folder made by `makeTemporaryFolder`.
func removeTemporaryFolder(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Writes `bytes` to `path`.
func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The bytes of the file at `path`.
func readBytes(_ path: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Folder holding the committed reference fixtures.
let fixtureRoot: String = {
    let here = URL(fileURLWithPath: #filePath)
    return here.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/safetensors").path
}()

/// A safetensors file from a header text and data bytes; `length` overrides the prefix.
func safetensorsBytes(header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    let text = Array(header.utf8)
    let prefix = length ?? UInt64(text.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: prefix >> (8 * UInt64($0))) } + text + data
}

/// Asserts that `body` throws a `FormatError` whose description contains every fragment
/// (case-insensitively) and, if given, whose `tensor` is `tensor`.
func assertFormatError<T>(_ body: @autoclosure () throws -> T, _ fragments: [String], tensor: String? = nil,
                          file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected a FormatError containing \(fragments)", file: file, line: line)
    } catch let error as FormatError {
        let text = error.description.lowercased()
        for fragment in fragments where !text.contains(fragment.lowercased()) {
            XCTFail("'\(error.description)' does not mention '\(fragment)'", file: file, line: line)
        }
        if let tensor {
            XCTAssertEqual(error.tensor, tensor, "in '\(error.description)'", file: file, line: line)
        }
    } catch {
        XCTFail("expected a FormatError, got \(type(of: error)): \(error)", file: file, line: line)
    }
}

/// A small deterministic PRNG (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One decoded element, compared exactly.
enum Element: Equatable, CustomStringConvertible {
    case float(Double)
    case int(Int64)
    case uint(UInt64)

    var description: String {
        switch self {
        case .float(let v): return "\(v)"
        case .int(let v): return "\(v)"
        case .uint(let v): return "\(v)"
        }
    }

    /// Parses an expected value written by the fixture script for `dtype`.
    init?(expected text: String, dtype: TensorDType) {
        switch dtype {
        case .F64, .F32, .F16, .BF16, .F8_E4M3, .F8_E5M2:
            guard let value = Double(text) else { return nil }
            self = .float(value)
        case .U64, .U32, .U16, .U8, .BOOL:
            guard let value = UInt64(text) else { return nil }
            self = .uint(value)
        case .I64, .I32, .I16, .I8:
            guard let value = Int64(text) else { return nil }
            self = .int(value)
        }
    }
}

/// Decodes every element of `view` (little-endian) for exact comparison.
func elements(of view: TensorView) -> [Element] {
    let data = view.data
    return (0..<view.elementCount).map { i in
        let at = i * view.dtype.byteSize
        switch view.dtype {
        case .F64: return .float(Double(bitPattern: data.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian))
        case .F32: return .float(Double(Float(bitPattern: data.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)))
        case .F16: return .float(halfToDouble(data.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian))
        case .BF16:
            let bits = UInt32(data.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian) << 16
            return .float(Double(Float(bitPattern: bits)))
        case .I64: return .int(data.loadUnaligned(fromByteOffset: at, as: Int64.self).littleEndian)
        case .I32: return .int(Int64(data.loadUnaligned(fromByteOffset: at, as: Int32.self).littleEndian))
        case .I16: return .int(Int64(data.loadUnaligned(fromByteOffset: at, as: Int16.self).littleEndian))
        case .I8: return .int(Int64(data.load(fromByteOffset: at, as: Int8.self)))
        case .U64: return .uint(data.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian)
        case .U32: return .uint(UInt64(data.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian))
        case .U16: return .uint(UInt64(data.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian))
        case .U8, .BOOL, .F8_E4M3, .F8_E5M2: return .uint(UInt64(data[at]))
        }
    }
}

/// IEEE binary16 bits to Double (no `Float16`, which Intel macOS lacks).
func halfToDouble(_ bits: UInt16) -> Double {
    let sign: Double = bits & 0x8000 != 0 ? -1 : 1
    let exponent = Int(bits >> 10) & 0x1F
    let mantissa = Double(bits & 0x3FF)
    switch exponent {
    case 0: return sign * mantissa * 0x1p-24
    case 31: return mantissa == 0 ? sign * .infinity : .nan
    default: return sign * (1 + mantissa / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
    }
}
