import XCTest
@testable import MoEFormats

/// Seeded random mutations of valid GGUF files: parsing must throw `FormatError` or succeed
/// with every tensor inside the file, never crash; decoding accepted tensors must not crash.
final class GGUFFuzzTests: XCTestCase {
    /// Positions of little-endian u64 fields worth hitting: counts, lengths, dims, offsets.
    private func mutate(_ seed: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        let interesting: [UInt64] = [0, 1, 2, 3, 4, 5, 8, 9, 13, 31, 32, 33, 64, 255, 256, 1 << 31, 1 << 32, 1 << 40,
                                     1 << 50, 1 << 60, UInt64(Int64.max), .max, .max - 1]
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: bytes.removeLast(Int.random(in: 1...min(bytes.count, 64), using: &rng))
            case 1: bytes.remove(at: at)
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            case 3, 4: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 5: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            default:
                let value = interesting.randomElement(using: &rng) ?? 0
                let width = [1, 4, 8].randomElement(using: &rng) ?? 8
                for i in 0..<width where at + i < bytes.count {
                    bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
                }
            }
        }
        return bytes
    }

    func testRandomMutationsNeverCrash() throws {
        let seeds = try ["small.gguf", "small_v2.gguf"].map { try readBytes(ggufFixtureRoot + "/" + $0) }
        var rng = SeededGenerator(seed: 0x6767_5546)
        var accepted = 0
        let rounds = 4000
        for round in 0..<rounds {
            let bytes = mutate(seeds[round % seeds.count], using: &rng)
            do {
                let file = try GGUFFile(contents: bytes, name: "fuzz")
                for tensor in file.tensors {
                    XCTAssertLessThanOrEqual(file.dataOffset + tensor.offset + tensor.byteCount, bytes.count)
                    XCTAssertEqual(tensor.byteCount, tensor.rowCount * tensor.rowByteCount)
                    if tensor.type.isDequantizable { XCTAssertEqual(try file.dequantize(tensor).count, tensor.elementCount) }
                }
                accepted += 1
            } catch let error as FormatError {
                XCTAssertEqual(error.file, "fuzz")
            }
        }
        XCTAssertGreaterThan(accepted, 0)
        XCTAssertLessThan(accepted, rounds)
    }

    /// Random blocks of every decodable type decode without trapping (NaN and infinity allowed).
    func testRandomBlocksDecode() throws {
        var rng = SeededGenerator(seed: 99)
        for type in GGMLType.allCases where type.isDequantizable {
            let count = 2 * GGMLType.qkK
            let bytes = (0..<(type.byteCount(elements: count) ?? 0)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let values = try bytes.withUnsafeBytes { try GGMLQuants.dequantize($0, type: type, count: count) }
            XCTAssertEqual(values.count, count)
        }
    }

    /// Non-finite input quantises without trapping.
    func testNonFiniteInputQuantizes() throws {
        var values = (0..<256).map { Float($0) - 128 }
        values[3] = .nan
        values[40] = .infinity
        values[77] = -.infinity
        for type in GGMLType.allCases where type.isQuantizable {
            XCTAssertEqual(try GGMLQuants.quantize(values, to: type).count, type.byteCount(elements: 256))
        }
    }
}
