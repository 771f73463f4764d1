import XCTest
@testable import MoEFormats

/// Q4_K, Q5_K and Q6_K quantisers (llama.cpp's reference algorithm; gguf-py has none):
/// decoding what they encode must be close to the input, within what 4, 5 and 6 bits allow.
/// Byte identity with ggml's C quantisers is QuantReferenceTests'.
final class QuantKQuantizerTests: XCTestCase {
    /// Gaussian-ish values (sum of uniforms), row scales varying over three decades.
    private func input(count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            let scale: Float = [0.01, 1, 20][(i / 256) % 3]
            let u = (0..<4).map { _ in Float.random(in: -1...1, using: &rng) }.reduce(0, +)
            return u * scale
        }
    }

    /// Root-mean-square error relative to the input's RMS, per super-block, worst case.
    private func worstRelativeRMS(_ type: GGMLType, _ values: [Float]) throws -> Float {
        let blocks = try GGMLQuants.quantize(values, to: type)
        let decoded = try blocks.withUnsafeBytes { try GGMLQuants.dequantize($0, type: type, count: values.count) }
        var worst: Float = 0
        for start in stride(from: 0, to: values.count, by: 256) {
            var error: Float = 0, energy: Float = 0
            for i in start..<(start + 256) {
                error += (decoded[i] - values[i]) * (decoded[i] - values[i])
                energy += values[i] * values[i]
            }
            worst = max(worst, (error / energy).squareRoot())
        }
        return worst
    }

    func testQ4KRoundTrip() throws {
        let worst = try worstRelativeRMS(.Q4_K, input(count: 256 * 12, seed: 4))
        XCTAssertLessThan(worst, 0.09, "4 bits with per-32 scale and min: about 0.07")
    }

    func testQ5KRoundTrip() throws {
        let worst = try worstRelativeRMS(.Q5_K, input(count: 256 * 12, seed: 5))
        XCTAssertLessThan(worst, 0.045, "5 bits with per-32 scale and min: about half Q4_K's")
    }

    func testQ6KRoundTrip() throws {
        let worst = try worstRelativeRMS(.Q6_K, input(count: 256 * 12, seed: 6))
        XCTAssertLessThan(worst, 0.025, "6 bits with per-16 scale: about 0.019")
    }

    func testZerosEncodeToZeros() throws {
        let zeros = [Float](repeating: 0, count: 256)
        for type: GGMLType in [.Q4_K, .Q5_K, .Q6_K] {
            let blocks = try GGMLQuants.quantize(zeros, to: type)
            let decoded = try blocks.withUnsafeBytes { try GGMLQuants.dequantize($0, type: type, count: 256) }
            XCTAssertEqual(decoded, zeros, "\(type)")
        }
    }

    /// A sub-block of one repeated positive value is reproduced within its scale's step.
    func testConstantAndSmallInputs() throws {
        let values = (0..<256).map { i -> Float in i < 128 ? 0.75 : Float(i % 16) / 16 }
        for (type, tolerance) in [(GGMLType.Q4_K, Float(0.05)), (.Q5_K, 0.03), (.Q6_K, 0.02)] {
            let blocks = try GGMLQuants.quantize(values, to: type)
            let decoded = try blocks.withUnsafeBytes { try GGMLQuants.dequantize($0, type: type, count: 256) }
            for (got, want) in zip(decoded, values) { XCTAssertEqual(got, want, accuracy: tolerance, "\(type)") }
        }
    }

    /// `nearest_int` rounds half to even, as the C bit trick does.
    func testNearestInt() {
        XCTAssertEqual(QuantK.nearestInt(2.5), 2)
        XCTAssertEqual(QuantK.nearestInt(3.5), 4)
        XCTAssertEqual(QuantK.nearestInt(-2.5), -2)
        XCTAssertEqual(QuantK.nearestInt(-0.4), 0)
        XCTAssertEqual(QuantK.nearestInt(63.4), 63)
    }
}
