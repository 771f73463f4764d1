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
