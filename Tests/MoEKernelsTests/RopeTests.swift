import XCTest
@testable import MoEKernels

final class RopeTests: XCTestCase {
    func testRotateHalfAgainstReference() {
        var rng = SplitMix64(seed: 30)
        for (heads, headDim, rotaryDim) in [(1, 2, 2), (3, 8, 8), (2, 64, 64), (4, 128, 64), (2, 70, 34), (5, 40, 40)] {
            let x = rng.floats(heads * headDim)
            let half = rotaryDim / 2
            let angles = rng.floats(half, in: -4...4)
            let cos = angles.map { Foundation.cos($0) }, sin = angles.map { Foundation.sin($0) }
            var expected = x.map(Double.init)
            for h in 0..<heads {
                for i in 0..<half {
                    let a = Double(x[h * headDim + i]), b = Double(x[h * headDim + i + half])
                    expected[h * headDim + i] = a * Double(cos[i]) - b * Double(sin[i])
                    expected[h * headDim + i + half] = b * Double(cos[i]) + a * Double(sin[i])
                }
            }
            var out = x
            Kernels.rope(&out, heads: heads, headDim: headDim, rotaryDim: rotaryDim, cos: cos, sin: sin)
            XCTAssertLessThan(relativeError(out, expected), 1e-6, "\(heads)x\(headDim) rotary \(rotaryDim)")
            for h in 0..<heads {
                for d in rotaryDim..<headDim { XCTAssertEqual(out[h * headDim + d], x[h * headDim + d]) }
            }
        }
    }
}

/// The interleaved layout is the rotate-half layout applied to a permuted vector.
final class RopeInterleavedTests: XCTestCase {
    func testInterleavedEqualsRotateHalfOfPermutedHeads() {
        var rng = SplitMix64(seed: 5)
        let heads = 3, headDim = 8, half = headDim / 2
        let x = rng.floats(heads * headDim)
        let angles = rng.floats(half, in: -3...3)
        let cos = angles.map { Foundation.cos($0) }, sin = angles.map { Foundation.sin($0) }
        var interleaved = x
        interleaved.withUnsafeMutableBufferPointer { Kernels.ropeInterleaved($0.baseAddress!, heads: heads, headDim: headDim, cos: cos, sin: sin) }
        // Permute each head (2i -> i, 2i+1 -> i+half), rotate halves, permute back.
        var halves = [Float](repeating: 0, count: x.count)
        for h in 0..<heads { for i in 0..<half {
            halves[h * headDim + i] = x[h * headDim + 2 * i]
            halves[h * headDim + i + half] = x[h * headDim + 2 * i + 1]
        } }
        halves.withUnsafeMutableBufferPointer { Kernels.rope($0.baseAddress!, heads: heads, headDim: headDim, rotaryDim: headDim, cos: cos, sin: sin) }
        for h in 0..<heads { for i in 0..<half {
            XCTAssertEqual(interleaved[h * headDim + 2 * i], halves[h * headDim + i], accuracy: 1e-6)
            XCTAssertEqual(interleaved[h * headDim + 2 * i + 1], halves[h * headDim + i + half], accuracy: 1e-6)
        } }
    }
}
