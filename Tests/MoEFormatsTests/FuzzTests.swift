import XCTest
@testable import MoEFormats

/// Seeded random mutations of a valid file: parsing must throw `FormatError` or succeed with
/// every tensor inside the file, never crash.
final class FuzzTests: XCTestCase {
    private func validFile() throws -> [UInt8] {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let path = folder + "/seed.safetensors"
        try SafetensorsWriter.write([
            TensorData(name: "w", dtype: .F32, shape: [2, 2], bytes: Array(0..<16)),
            TensorData(name: "b", dtype: .BF16, shape: [3], bytes: Array(16..<22)),
            TensorData(name: "s", dtype: .I64, shape: [], bytes: Array(22..<30)),
            TensorData(name: "e", dtype: .U8, shape: [0, 5], bytes: []),
        ], metadata: ["format": "pt"], to: path)
        return try readBytes(path)
    }

    private func mutate(_ seed: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0 where !bytes.isEmpty:
                bytes.removeLast(Int.random(in: 1...min(bytes.count, 40), using: &rng))
            case 1 where !bytes.isEmpty:
                bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
            case 2:
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
            case 3 where bytes.count >= 8:
                bytes[Int.random(in: 0..<8, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 4 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 5, 6:
                let digits = bytes.indices.filter { bytes[$0] >= UInt8(ascii: "0") && bytes[$0] <= UInt8(ascii: "9") }
                guard let at = digits.randomElement(using: &rng) else { continue }
                bytes[at] = UInt8(ascii: "0") + UInt8.random(in: 0...9, using: &rng)
            default:
                guard !bytes.isEmpty else { continue }
                let interesting = Array("{}[]\",:0123456789-.eE\\u FIUB".utf8)
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = interesting.randomElement(using: &rng) ?? 0
            }
        }
        return bytes
    }

    func testRandomMutationsNeverCrash() throws {
        let seed = try validFile()
        var rng = SeededGenerator(seed: 0x5AFE_7E45)
        var accepted = 0
        for _ in 0..<5000 {
            let bytes = mutate(seed, using: &rng)
            do {
                let header = try bytes.withUnsafeBytes { try SafetensorsHeader.parse($0, file: "fuzz") }
                for entry in header.entries {
                    XCTAssertLessThanOrEqual(header.dataStart + entry.range.upperBound, bytes.count)
                    XCTAssertEqual(entry.range.count, entry.shape.reduce(1, *) * entry.dtype.byteSize)
                }
                accepted += 1
            } catch let error as FormatError {
                XCTAssertEqual(error.file, "fuzz")
            } catch {
                XCTFail("unexpected \(type(of: error)): \(error)")
            }
        }
        XCTAssertGreaterThan(accepted, 0)
        XCTAssertLessThan(accepted, 5000)
    }

    func testMutatedFilesOnDisk() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let seed = try validFile()
        var rng = SeededGenerator(seed: 7)
        let path = folder + "/m.safetensors"
        for _ in 0..<300 {
            try writeBytes(mutate(seed, using: &rng), to: path)
            do {
                let file = try SafetensorsFile(path: path)
                for name in file.names { _ = file.tensor(name).map { Array($0.data) } }
            } catch {
                XCTAssertTrue(error is FormatError, "\(error)")
            }
        }
    }
}
