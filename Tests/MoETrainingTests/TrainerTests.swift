import Foundation
import MoEFormats
import MoEKernels
@testable import MoETraining
import XCTest

/// Determinism, resume and checkpoint atomicity of the training loop.
final class TrainerTests: XCTestCase {
    private func config(balance: BalanceMode = .aux, accum: Int = 2) -> TrainingConfig {
        var shape = TestModels.moeShape
        shape.vocabSize = 40
        return TrainingConfig(shape: shape, loss: LossOptions(balance: balance), steps: 6, batch: 2, seq: 8, gradAccum: accum,
                              lr: 1e-2, warmup: 2, initStd: 0.1, seed: 3)
    }

    private var tokens: [Int32] { (0..<500).map { Int32(($0 * 7 + $0 / 3) % 39) } }

    private func tokenizer() -> BPETokenizer { BPETrainer.train(documents: ["tiny"], vocabSize: 258) }

    private func params(_ t: Trainer) -> [Float] { Array(UnsafeBufferPointer(start: t.model.params.base, count: t.model.params.count)) }

    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "moe-trainer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testRunsAreBitIdenticalAcrossThreadCounts() throws {
        let a = try Trainer(config: config(), trainTokens: tokens, pool: ThreadPool(threadCount: 1))
        let b = try Trainer(config: config(), trainTokens: tokens, pool: TestModels.pool)
        for _ in 0..<3 {
            XCTAssertEqual(try a.trainStep().loss, try b.trainStep().loss)
        }
        XCTAssertEqual(params(a), params(b))
    }

    func testResumeContinuesBitExactly() throws {
        for balance in [BalanceMode.aux, .bias] {
            let out = try temporaryFolder()
            let straight = try Trainer(config: config(balance: balance), trainTokens: tokens, pool: TestModels.pool)
            for _ in 0..<5 { _ = try straight.trainStep() }
            let first = try Trainer(config: config(balance: balance), trainTokens: tokens, pool: TestModels.pool)
            for _ in 0..<2 { _ = try first.trainStep() }
            try Checkpoint.save(first, tokenizer: tokenizer(), to: out)
            let (resumed, _) = try Checkpoint.resume(from: out, trainTokens: tokens, pool: TestModels.pool)
            XCTAssertEqual(resumed.step, 2)
            for _ in 0..<3 { _ = try resumed.trainStep() }
            XCTAssertEqual(params(resumed), params(straight), "\(balance)")
            XCTAssertEqual(resumed.model.routerBias, straight.model.routerBias)
        }
    }

    func testAbortedCheckpointWriteKeepsThePreviousCheckpoint() throws {
        let out = try temporaryFolder()
        let t = try Trainer(config: config(), trainTokens: tokens, pool: TestModels.pool)
        _ = try t.trainStep()
        try Checkpoint.save(t, tokenizer: tokenizer(), to: out)
        let saved = params(t)
        _ = try t.trainStep()
        struct Crash: Error {}
        Checkpoint.beforeWritingFile = { if $0 == "training_state.safetensors" { throw Crash() } }
        defer { Checkpoint.beforeWritingFile = nil }
        XCTAssertThrowsError(try Checkpoint.save(t, tokenizer: tokenizer(), to: out))
        Checkpoint.beforeWritingFile = nil
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: Checkpoint.latest(in: out)), "step-00000001")
        let (resumed, _) = try Checkpoint.resume(from: out, trainTokens: tokens, pool: TestModels.pool)
        XCTAssertEqual(resumed.step, 1)
        XCTAssertEqual(params(resumed), saved)
    }

    func testCheckpointIsAHuggingFaceFolder() throws {
        let out = try temporaryFolder()
        let t = try Trainer(config: config(), trainTokens: tokens, pool: TestModels.pool)
        _ = try t.trainStep()
        try Checkpoint.save(t, tokenizer: tokenizer(), to: out)
        let folder = Checkpoint.latest(in: out)
        for file in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/" + file), file)
        }
        let store = try TensorStore(folder: folder)
        XCTAssertNotNil(store.tensor("model.layers.1.block_sparse_moe.experts.3.w2.weight"))
    }
}
