import MoEKernels
import MoEModels
@testable import MoETraining
import XCTest

/// Without a balancing term the router collapses onto a few experts; the default per-layer
/// aux loss keeps the load spread (a 60-step run on the tokenizer fixture's text).
final class CollapseTests: XCTestCase {
    private func entropy(auxLossCoef: Float) throws -> Double {
        let folder = TokenizerTests.folder
        let tokenizer = try TokenizerFiles.read(folder)
        let corpus = try Corpus(path: folder + "/corpus.txt")
        let tokens = Corpus.tokenStream(corpus.train, tokenizer: tokenizer)
        let shape = ModelShape(vocabSize: tokenizer.vocabSize, hidden: 32, layers: 1, heads: 2, ffnHidden: 32,
                               experts: 8, topK: 2, context: 32)
        let config = TrainingConfig(shape: shape, loss: LossOptions(auxLossCoef: auxLossCoef), steps: 60, batch: 4,
                                    seq: 32, lr: 1e-2, warmup: 5)
        let trainer = try Trainer(config: config, trainTokens: tokens, pool: TestModels.pool)
        for _ in 0..<config.steps { _ = try trainer.trainStep() }
        return trainer.takeLoads().map { ExpertLoad(counts: $0).normalizedEntropy }.min() ?? 0
    }

    func testLoadCollapsesWithoutBalancingAndStaysEvenWithTheDefaultAuxLoss() throws {
        let collapsed = try entropy(auxLossCoef: 0)
        let balanced = try entropy(auxLossCoef: LossOptions().auxLossCoef)
        XCTAssertLessThan(collapsed, 0.8)
        XCTAssertGreaterThanOrEqual(balanced, 0.9)
    }
}
