import XCTest
@testable import MoEFormats

/// Every malformed header is a `FormatError` naming what is wrong, never a crash or a huge
/// allocation.
final class GGUFMalformedTests: XCTestCase {
    /// A valid file with one F32 tensor of `dims` at `offset`, plus `extra` tensors.
    private func file(kvs: [(String, (inout GGUFBuilder) -> Void)] = [], tensors: [(String, [UInt64], UInt32, UInt64)],
                      alignment: Int = 32, data: Int = 64, version: UInt32 = 3) -> [UInt8] {
        var b = GGUFBuilder()
        b.header(version: version, tensors: UInt64(tensors.count), kvs: UInt64(kvs.count))
        for (key, write) in kvs {
            b.string(key)
            write(&b)
        }
        for (name, dims, type, offset) in tensors { b.tensor(name, dims: dims, type: type, offset: offset) }
        b.data(data, alignment: alignment)
        return b.bytes
    }

    private func check(_ bytes: [UInt8], _ fragments: [String], tensor: String? = nil, line: UInt = #line) {
        assertFormatError(try parseGGUF(bytes), ["test.gguf"] + fragments, tensor: tensor, line: line)
    }

    func testBuilderMakesValidFiles() throws {
        let parsed = try parseGGUF(file(tensors: [("w", [4, 2], 0, 0), ("b", [4], 0, 32)]))
        XCTAssertEqual(parsed.tensors.map(\.shape), [[2, 4], [4]])
    }

    func testTruncatedAtEveryPoint() throws {
        let bytes = try readBytes(ggufFixtureRoot + "/small.gguf")
        XCTAssertNoThrow(try parseGGUF(bytes))
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try parseGGUF(Array(bytes[0..<length])), "length \(length)") { error in
                XCTAssertTrue(error is FormatError, "\(error)")
            }
        }
        check(Array(bytes[0..<100]), ["truncated"])
        check(Array(bytes[0..<(bytes.count - 1)]), ["past the end"], tensor: "blk.0.ffn_down.weight")
    }

    func testMagicAndVersion() {
        var bad = file(tensors: [])
        bad[0] = UInt8(ascii: "X")
        check(bad, ["bad magic"])
        check(file(tensors: [], version: 1), ["version 1", "obsolete"])
        check(file(tensors: [], version: 99), ["version 99"])
        check(file(tensors: [], version: 3 << 24), ["big-endian"])
        XCTAssertNoThrow(try parseGGUF(file(tensors: [], version: 2)))
    }

    func testHugeCounts() {
        var b = GGUFBuilder()
        b.header(tensors: 1 << 40, kvs: 0)
        check(b.bytes, ["tensor count 1099511627776", "cannot fit"])
        b = GGUFBuilder()
        b.header(tensors: 0, kvs: 1 << 40)
        check(b.bytes, ["metadata count", "cannot fit"])
        b = GGUFBuilder()
        b.header(tensors: 0, kvs: .max)
        check(b.bytes, ["metadata count", "too large"])
        b = GGUFBuilder()
        b.header(tensors: 0, kvs: 1)
        b.u64(1 << 50)
        b.bytes += Array("key".utf8) + [UInt8](repeating: 0, count: 20)
        check(b.bytes, ["truncated", "key of metadata entry 0"])
        check(file(kvs: [("s", { $0.u32(8); $0.u64(1 << 50) })], tensors: []), ["truncated", "string value of 's'"])
        check(file(kvs: [("a", { $0.u32(9); $0.u32(4); $0.u64(1 << 60) })], tensors: []), ["length of array 'a'", "cannot fit"])
        check(file(kvs: [("a", { $0.u32(9); $0.u32(9); $0.u64(100) })], tensors: []), ["length of array 'a'", "cannot fit"])
    }

    func testUnknownTypes() {
        check(file(kvs: [("k", { $0.u32(13) })], tensors: []), ["'k'", "unknown value type 13"])
        check(file(kvs: [("k", { $0.u32(9); $0.u32(77); $0.u64(0) })], tensors: []), ["'k'", "unknown element type 77"])
        check(file(tensors: [("w", [32], 99, 0)]), ["unknown ggml type id 99"], tensor: "w")
        check(file(tensors: [("w", [32], 4, 0)]), ["unknown ggml type id 4"], tensor: "w")
        check(file(kvs: [("k", { $0.u32(7); $0.u8(2) })], tensors: []), ["'k'", "BOOL"])
    }

    func testBadStrings() {
        var b = GGUFBuilder()
        b.header(tensors: 0, kvs: 1)
        b.u64(2)
        b.bytes += [0xC3, 0x28]
        b.u32(0)
        b.u8(0)
        check(b.bytes, ["not valid UTF-8"])
    }

    func testNestedArraysTooDeep() {
        let deep = file(kvs: [("k", { b in
            b.u32(9)
            for _ in 0..<40 { b.u32(9); b.u64(1) }
            b.u32(0); b.u64(0)
        })], tensors: [], data: 0)
        check(deep, ["'k'", "nested deeper"])
    }

    func testDuplicates() {
        check(file(kvs: [("k", { $0.u32(0); $0.u8(1) }), ("k", { $0.u32(0); $0.u8(2) })], tensors: []), ["duplicate metadata key 'k'"])
        check(file(tensors: [("w", [4], 0, 0), ("w", [4], 0, 32)]), ["duplicate tensor name"], tensor: "w")
    }

    func testDims() {
        check(file(tensors: [("w", [], 0, 0)]), ["n_dims is 0"], tensor: "w")
        check(file(tensors: [("w", [1, 1, 1, 1, 1], 0, 0)]), ["n_dims is 5"], tensor: "w")
        check(file(tensors: [("w", [4, 0], 0, 0)]), ["dim 1 is 0"], tensor: "w")
        check(file(tensors: [("w", [UInt64(bitPattern: -4)], 0, 0)]), ["dim 0", "-4"], tensor: "w")
        check(file(tensors: [("w", [1 << 32, 1 << 32], 0, 0)]), ["overflows"], tensor: "w")
        check(file(tensors: [("w", [1 << 31, 1 << 31, 4], 0, 0)]), ["overflows"], tensor: "w")
        check(file(tensors: [("w", [31, 2], 2, 0)]), ["row length 31", "Q4_0 block size 32"], tensor: "w")
    }

    func testOffsets() {
        check(file(tensors: [("w", [4], 0, 16)]), ["offset 16", "alignment 32"], tensor: "w")
        check(file(tensors: [("a", [16], 0, 0), ("b", [4], 0, 32)]), ["overlaps tensor 'a'"], tensor: "b")
        check(file(tensors: [("a", [4], 0, 0), ("b", [4], 0, 0)]), ["overlaps"])
        check(file(tensors: [("w", [32], 0, 0)], data: 64), ["past the end"], tensor: "w")
        check(file(tensors: [("w", [4], 0, UInt64(Int.max) / 32 * 32)]), ["past the end"], tensor: "w")
        check(file(tensors: [("w", [4], 0, .max - 31)]), ["offset", "too large"])
    }

    func testAlignment() {
        let align: (UInt32) -> (String, (inout GGUFBuilder) -> Void) = { value in
            ("general.alignment", { $0.u32(4); $0.u32(value) })
        }
        check(file(kvs: [align(48)], tensors: []), ["general.alignment", "48", "power of two"])
        check(file(kvs: [align(0)], tensors: []), ["general.alignment", "power of two"])
        check(file(kvs: [("general.alignment", { $0.u32(5); $0.u32(64) })], tensors: []), ["general.alignment", "UINT32"])
        let parsed = try? parseGGUF(file(kvs: [align(16)], tensors: [("w", [4], 0, 16)], alignment: 16))
        XCTAssertEqual(parsed?.alignment, 16)
        XCTAssertEqual(parsed?.tensor(named: "w")?.offset, 16)
    }
}
