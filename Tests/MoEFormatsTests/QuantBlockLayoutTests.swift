import XCTest
@testable import MoEFormats

/// Block struct sizes and field offsets (DESIGN.md §4), type sizes and half conversions.
final class QuantBlockLayoutTests: XCTestCase {
    func testBlockSizesMatchTypeSizes() {
        let sizes: [(GGMLType, Int)] = [
            (.Q8_0, MemoryLayout<BlockQ8_0>.size), (.Q4_0, MemoryLayout<BlockQ4_0>.size),
            (.Q4_1, MemoryLayout<BlockQ4_1>.size), (.Q5_0, MemoryLayout<BlockQ5_0>.size),
            (.Q5_1, MemoryLayout<BlockQ5_1>.size), (.Q4_K, MemoryLayout<BlockQ4_K>.size),
            (.Q5_K, MemoryLayout<BlockQ5_K>.size), (.Q6_K, MemoryLayout<BlockQ6_K>.size),
            (.MXFP4, MemoryLayout<BlockMXFP4>.size),
        ]
        for (type, size) in sizes { XCTAssertEqual(size, type.typeSize, "\(type)") }
        XCTAssertEqual(MemoryLayout<BlockQ6_K>.stride, 210, "blocks are packed back to back")
        XCTAssertEqual(MemoryLayout<BlockMXFP4>.stride, 17)
    }

    func testDesignTable() {
        let table: [(GGMLType, Int, Int)] = [
            (.Q8_0, 32, 34), (.Q4_0, 32, 18), (.Q4_1, 32, 20), (.Q5_0, 32, 22), (.Q5_1, 32, 24),
            (.Q4_K, 256, 144), (.Q5_K, 256, 176), (.Q6_K, 256, 210), (.MXFP4, 32, 17),
            (.F32, 1, 4), (.F16, 1, 2), (.BF16, 1, 2), (.Q2_K, 256, 84), (.Q3_K, 256, 110),
        ]
        for (type, block, bytes) in table {
            XCTAssertEqual(type.blockSize, block, "\(type)")
            XCTAssertEqual(type.typeSize, bytes, "\(type)")
        }
    }

    func testFieldOffsets() {
        XCTAssertEqual(MemoryLayout<BlockQ4_K>.offset(of: \.scales), 4)
        XCTAssertEqual(MemoryLayout<BlockQ4_K>.offset(of: \.qs), 16)
        XCTAssertEqual(MemoryLayout<BlockQ5_K>.offset(of: \.qh), 16)
        XCTAssertEqual(MemoryLayout<BlockQ5_K>.offset(of: \.qs), 48)
        XCTAssertEqual(MemoryLayout<BlockQ6_K>.offset(of: \.qh), 128)
        XCTAssertEqual(MemoryLayout<BlockQ6_K>.offset(of: \.scales), 192)
        XCTAssertEqual(MemoryLayout<BlockQ6_K>.offset(of: \.d), 208)
        XCTAssertEqual(MemoryLayout<BlockQ5_0>.offset(of: \.qs), 6)
        XCTAssertEqual(MemoryLayout<BlockQ5_1>.offset(of: \.qh), 4)
        XCTAssertEqual(MemoryLayout<BlockMXFP4>.offset(of: \.qs), 1)
    }

    func testTypeIDsAndNames() {
        XCTAssertEqual(GGMLType.MXFP4.rawValue, 39)
        XCTAssertEqual(GGMLType.BF16.rawValue, 30)
        XCTAssertEqual(GGMLType.Q6_K.rawValue, 14)
        XCTAssertEqual(GGMLType.IQ4_XS.name, "IQ4_XS")
        XCTAssertEqual(Set(GGMLType.allCases.map(\.name)).count, GGMLType.allCases.count)
        for retired: UInt32 in [4, 5, 31, 32, 33, 36, 37, 38, 42] { XCTAssertNil(GGMLType(rawValue: retired)) }
        XCTAssertEqual(GGMLType.Q4_K.byteCount(elements: 512), 288)
        XCTAssertNil(GGMLType.Q4_K.byteCount(elements: 100))
    }

    /// Every binary16 value survives f16 -> f32 -> f16.
    func testHalfRoundTripsExhaustively() {
        for bits in 0...UInt16.max {
            let value = QuantHalf.float(fromHalf: bits)
            if value.isNaN { continue }
            XCTAssertEqual(QuantHalf.half(from: value), bits)
        }
    }

    /// f32 -> f16 rounds to nearest even, like the hardware conversion.
    func testHalfRoundingMatchesFloat16() throws {
        #if arch(x86_64) && os(macOS)
        throw XCTSkip("Float16 is unavailable on Intel macOS")
        #else
        var rng = SeededGenerator(seed: 16)
        for _ in 0..<200_000 {
            let value = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
            if value.isNaN { continue }
            XCTAssertEqual(QuantHalf.half(from: value), Float16(value).bitPattern, "\(value)")
        }
        #endif
    }

    func testBFloatRounding() {
        XCTAssertEqual(QuantHalf.bfloat(from: 1), 0x3F80)
        XCTAssertEqual(QuantHalf.bfloat(from: Float(bitPattern: 0x3F80_8000)), 0x3F80, "tie to even")
        XCTAssertEqual(QuantHalf.bfloat(from: Float(bitPattern: 0x3F81_8000)), 0x3F82, "tie to even")
        XCTAssertEqual(QuantHalf.bfloat(from: Float(bitPattern: 0x7F80_0001)), 0x7FC0, "NaN made quiet")
        XCTAssertEqual(QuantHalf.bfloat(from: .infinity), 0x7F80)
    }
}
