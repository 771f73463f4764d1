import Foundation
import MoERuntime
import XCTest

final class SamplerTests: XCTestCase {
    /// Logits whose softmax is exactly `probabilities`.
    func logits(_ probabilities: [Double]) -> [Float] { probabilities.map { Float(log($0)) } }

    func draws(_ p: SamplingParameters, _ logits: [Float], count: Int) throws -> [Int: Int] {
        var sampler = try Sampler(p)
        var seen: [Int: Int] = [:]
        for _ in 0..<count { seen[sampler.sample(logits, context: []), default: 0] += 1 }
        return seen
    }

    func testGreedyPicksTheArgmax() throws {
        var s = try Sampler(SamplingParameters())
        XCTAssertEqual(s.sample([0.1, 3, -1, 2.9], context: []), 1)
        XCTAssertEqual(s.sample([5, 5, 1], context: []), 0, "ties go to the lower id")
    }

    func testSameSeedSameTokensDifferentSeedDifferentTokens() throws {
        let flat = [Float](repeating: 0, count: 100)
        func run(_ seed: UInt64) throws -> [Int] {
            var s = try Sampler(SamplingParameters(temperature: 1, seed: seed))
            return (0..<32).map { _ in s.sample(flat, context: []) }
        }
        XCTAssertEqual(try run(7), try run(7))
        XCTAssertNotEqual(try run(7), try run(8))
    }

    func testTemperatureOneFollowsTheSoftmax() throws {
        let p = [0.5, 0.3, 0.15, 0.05]
        let n = 40000
        let seen = try draws(SamplingParameters(temperature: 1, seed: 1), logits(p), count: n)
        for (i, q) in p.enumerated() {
            let observed = Double(seen[i, default: 0]) / Double(n)
            // 5 standard deviations of a binomial proportion.
            XCTAssertEqual(observed, q, accuracy: 5 * (q * (1 - q) / Double(n)).squareRoot(), "token \(i)")
        }
    }

    func testTopKKeepsOnlyTheKMostLikely() throws {
        let seen = try draws(SamplingParameters(temperature: 1, topK: 2, seed: 3), logits([0.4, 0.1, 0.3, 0.2]), count: 2000)
        XCTAssertEqual(Set(seen.keys), [0, 2])
    }

    func testTopPKeepsTheSmallestSetReachingP() throws {
        // 0.5 + 0.3 = 0.8 >= 0.7: tokens 0 and 1 only.
        let seen = try draws(SamplingParameters(temperature: 1, topP: 0.7, seed: 4), logits([0.5, 0.3, 0.15, 0.05]), count: 2000)
        XCTAssertEqual(Set(seen.keys), [0, 1])
    }

    func testMinPDropsTokensBelowTheFractionOfTheTop() throws {
        // threshold 0.35 * 0.5 = 0.175: 0.15 and 0.05 are dropped.
        let seen = try draws(SamplingParameters(temperature: 1, minP: 0.35, seed: 5), logits([0.5, 0.3, 0.15, 0.05]), count: 2000)
        XCTAssertEqual(Set(seen.keys), [0, 1])
    }

    func testRepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() throws {
        var s = try Sampler(SamplingParameters(repetitionPenalty: 2))
        // [2, -2, 1.5] with 0 and 1 in context -> [1, -4, 1.5].
        XCTAssertEqual(s.sample([2, -2, 1.5], context: [0, 1, 1]), 2)
        XCTAssertEqual(s.sample([2, -2, 1.5], context: [1]), 0)
    }

    func testInvalidParametersAreRejected() {
        XCTAssertThrowsError(try Sampler(SamplingParameters(temperature: -1)))
        XCTAssertThrowsError(try Sampler(SamplingParameters(topP: 0)))
        XCTAssertThrowsError(try Sampler(SamplingParameters(minP: 1.5)))
        XCTAssertThrowsError(try Sampler(SamplingParameters(repetitionPenalty: 0)))
        XCTAssertThrowsError(try Sampler(SamplingParameters(topK: -1)))
    }
}
