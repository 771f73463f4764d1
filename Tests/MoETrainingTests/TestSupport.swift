import MoEKernels
@testable import MoETraining
import XCTest

/// Tiny models and batches shared by the tests.
enum TestModels {
    static let pool = ThreadPool(threadCount: 2)

    /// A 2-layer MoE: 4 experts top-2, GQA 4q/2kv heads.
    static let moeShape = ModelShape(vocabSize: 23, hidden: 16, layers: 2, heads: 4, kvHeads: 2,
                                     ffnHidden: 12, experts: 4, topK: 2, context: 8)
    /// The MoE with a Qwen2-MoE shared expert of width 10 in every layer.
    static let sharedExpertShape = ModelShape(vocabSize: 23, hidden: 16, layers: 2, heads: 4, kvHeads: 2,
                                              ffnHidden: 12, experts: 4, topK: 2, sharedExpertHidden: 10, context: 8)
    /// A 2-layer dense model of the same width.
    static let denseShape = ModelShape(vocabSize: 23, hidden: 16, layers: 2, heads: 2, kvHeads: 1,
                                       ffnHidden: 20, context: 8)

    /// A model of `shape` with weights N(0, `std`) from `seed`.
    static func model(_ shape: ModelShape, options: LossOptions = LossOptions(), std: Float = 0.3,
                      seed: UInt64 = 1, pool: ThreadPool = pool) throws -> TrainableModel {
        let m = try TrainableModel(shape: shape, options: options, pool: pool)
        var rng = SplitMix64(seed: seed)
        m.params.initialize(std: std, rng: &rng)
        return m
    }

    /// `(batch, seq)` random inputs and targets.
    static func batch(vocab: Int, batch: Int, seq: Int, seed: UInt64 = 7) -> (inputs: [Int32], targets: [Int32]) {
        var rng = SplitMix64(seed: seed)
        let inputs = (0..<batch * seq).map { _ in Int32(rng.nextIndex(vocab)) }
        let targets = (0..<batch * seq).map { _ in Int32(rng.nextIndex(vocab)) }
        return (inputs, targets)
    }
}
