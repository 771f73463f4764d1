import Foundation
import XCTest
@testable import MoEKernels

final class CausalConv1dTests: XCTestCase {
    /// `silu(sum_j weight[c, j] * x[t - (kernel - 1) + j, c])` in Double over `state` followed by
    /// `input`, and the last `kernel - 1` rows of that sequence: `(tokens, channels)` and
    /// `(kernel - 1, channels)`.
    private func reference(
        _ input: [Float], tokens: Int, channels: Int, weight: [Float], kernel: Int, state: [Float]
    ) -> (output: [Double], state: [Double]) {
        let sequence = (state + input).map(Double.init)  // (kernel - 1 + tokens, channels)
        var output = [Double](repeating: 0, count: tokens * channels)
        for t in 0..<tokens {
            for c in 0..<channels {
                var sum = 0.0
                for j in 0..<kernel { sum += Double(weight[c * kernel + j]) * sequence[(t + j) * channels + c] }
                output[t * channels + c] = sum / (1 + Foundation.exp(-sum))
            }
        }
        return (output, Array(sequence[(tokens * channels)...]))
    }

    /// `Kernels.causalConv1d` on copies; returns the output and the updated state.
    private func convolve(
        _ input: [Float], tokens: Int, channels: Int, weight: [Float], kernel: Int, state: [Float], pool: ThreadPool
    ) -> (output: [Float], state: [Float]) {
        var output = [Float](repeating: .nan, count: tokens * channels)
        var window = state
        window.withUnsafeMutableBufferPointer { s in
            Kernels.causalConv1d(input, tokens: tokens, channels: channels, weight: weight, kernel: kernel,
                                 state: s.baseAddress!, output: &output, pool: pool)
        }
        return (output, window)
    }

    func testAgainstReference() {
        var rng = SplitMix64(seed: 60)
        for (channels, kernel) in [(1, 1), (7, 2), (8, 4), (13, 4), (300, 4), (600, 3), (40, 6)] {
            for tokens in [1, 2, 3, 9] {
                let input = rng.floats(tokens * channels, in: -3...3), weight = rng.floats(channels * kernel)
                let state = rng.floats((kernel - 1) * channels, in: -3...3)
                let expected = reference(input, tokens: tokens, channels: channels, weight: weight, kernel: kernel, state: state)
                let (output, window) = convolve(input, tokens: tokens, channels: channels, weight: weight, kernel: kernel,
                                                state: state, pool: TestPools.byThreads[2]!)
                let label = "channels \(channels) kernel \(kernel) tokens \(tokens)"
                XCTAssertLessThan(relativeError(output, expected.output), 1e-6, label)
                XCTAssertEqual(window.map(Double.init), expected.state, label)
            }
        }
    }

    func testPrefillThenDecodeStepsEqualOnePrefill() {
        var rng = SplitMix64(seed: 61)
        let channels = 520, kernel = 4, tokens = 11
        let input = rng.floats(tokens * channels, in: -3...3), weight = rng.floats(channels * kernel)
        let fresh = [Float](repeating: 0, count: (kernel - 1) * channels)
        let pool = TestPools.byThreads[2]!
        let whole = convolve(input, tokens: tokens, channels: channels, weight: weight, kernel: kernel, state: fresh, pool: pool)
        var state = fresh, pieces: [Float] = []
        var first = 0
        for length in [2, 1, 5, 1, 1, 1] {
            let slice = Array(input[(first * channels)..<((first + length) * channels)])
            let part = convolve(slice, tokens: length, channels: channels, weight: weight, kernel: kernel, state: state, pool: pool)
            pieces += part.output
            state = part.state
            first += length
        }
        XCTAssertEqual(first, tokens)
        XCTAssertEqual(pieces, whole.output)
        XCTAssertEqual(state, whole.state)
    }

    func testResultsDoNotDependOnThreadCount() {
        var rng = SplitMix64(seed: 62)
        let channels = 1030, kernel = 4, tokens = 5
        let input = rng.floats(tokens * channels), weight = rng.floats(channels * kernel)
        let state = rng.floats((kernel - 1) * channels)
        let serial = convolve(input, tokens: tokens, channels: channels, weight: weight, kernel: kernel, state: state,
                              pool: TestPools.byThreads[1]!)
        for pool in TestPools.all {
            let pooled = convolve(input, tokens: tokens, channels: channels, weight: weight, kernel: kernel, state: state, pool: pool)
            XCTAssertEqual(pooled.output, serial.output, "threads \(pool.threadCount)")
            XCTAssertEqual(pooled.state, serial.state, "threads \(pool.threadCount)")
        }
    }
}
