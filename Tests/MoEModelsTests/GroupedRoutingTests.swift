@testable import MoEModels
import XCTest

/// DeepSeek's grouped routing on hand-checked scores.
final class GroupedRoutingTests: XCTestCase {
    private func route(_ logits: [Float], topK: Int, rule: GroupedRouting, bias: [Float]? = nil) -> ([Int], [Float]) {
        var scratch = logits
        var experts = [Int](repeating: -1, count: topK)
        var weights = [Float](repeating: 0, count: topK)
        scratch.withUnsafeMutableBufferPointer { l in
            experts.withUnsafeMutableBufferPointer { e in
                weights.withUnsafeMutableBufferPointer { w in
                    Router.route(logits: l.baseAddress!, expertCount: logits.count, topK: topK, rule: .grouped(rule),
                                 selectionBias: bias, experts: e.baseAddress!, weights: w.baseAddress!)
                }
            }
        }
        return (experts, weights)
    }

    func testSigmoidGroupsBySumOfTopTwoAndBiasOnlySelects() {
        // Groups {0,1} {2,3} {4,5} {6,7}. Expert 2 has the best single score, but group {2,3} sums lowest
        // of the groups in play; groups {0,1} and {6,7} win on the sum of their two best.
        let logits: [Float] = [1, 1, 3, -3, -1, -1, 0.9, 0.9]
        let rule = GroupedRouting(scoring: .sigmoid, groups: 4, topGroups: 2, groupScore: .sumOfTopTwo, renormalize: true, scale: 2)
        let (experts, weights) = route(logits, topK: 2, rule: rule)
        XCTAssertEqual(Set(experts), [0, 1])
        XCTAssertEqual(weights.reduce(0, +), 2, accuracy: 1e-6, "renormalised, times the scale")
        // A bias lifts expert 7 into the choice, but its weight stays its unbiased score.
        let bias: [Float] = [0, 0, 0, 0, 0, 0, 0, 0.5]
        let (biased, biasedWeights) = route(logits, topK: 2, rule: rule, bias: bias)
        XCTAssertEqual(biased.first, 7)
        let s7 = 1 / (1 + exp(-Float(0.9))), s0 = 1 / (1 + exp(-Float(1)))
        XCTAssertEqual(biasedWeights[0], 2 * s7 / (s7 + s0), accuracy: 1e-6)
    }

    func testSoftmaxGroupsByTheirBestAndScaleWithoutRenormalising() {
        let logits: [Float] = [1, 1, 3, -3, -1, -1, 0.9, 0.9]
        let rule = GroupedRouting(scoring: .softmax, groups: 4, topGroups: 2, groupScore: .max, renormalize: false, scale: 1.5)
        let (experts, weights) = route(logits, topK: 2, rule: rule)
        XCTAssertEqual(experts, [2, 0], "group {2,3} holds the best expert, then group {0,1}")
        let total = logits.map { exp($0) }.reduce(0, +)
        XCTAssertEqual(weights[0], 1.5 * exp(3) / total, accuracy: 1e-6)
    }

    /// `moe train --balance bias` chooses by softmax probability plus its bias and renormalises
    /// the unbiased probabilities: DeepSeek's rule with softmax scores and one group routes the
    /// same tokens to the same experts with the same weights.
    func testTrainerBiasRoutingIsTheGroupedRuleWithSoftmaxScores() {
        var state: UInt64 = 7
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 500 - 2
        }
        let deepseek = GroupedRouting(scoring: .softmax, groups: 1, topGroups: 1, groupScore: .max, renormalize: true, scale: 1)
        for _ in 0..<200 {
            let logits = (0..<8).map { _ in next() }
            let bias = (0..<8).map { _ in next() / 20 }
            var trainerLogits = logits
            var experts = [Int](repeating: 0, count: 2), weights = [Float](repeating: 0, count: 2)
            trainerLogits.withUnsafeMutableBufferPointer { l in
                experts.withUnsafeMutableBufferPointer { e in
                    weights.withUnsafeMutableBufferPointer { w in
                        Router.route(logits: l.baseAddress!, expertCount: 8, topK: 2, rule: .softmaxTopK(renormalize: true),
                                     selectionBias: bias, experts: e.baseAddress!, weights: w.baseAddress!)
                    }
                }
            }
            let (grouped, groupedWeights) = route(logits, topK: 2, rule: deepseek, bias: bias)
            XCTAssertEqual(grouped, experts)
            for (a, b) in zip(groupedWeights, weights) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        }
    }
}
