import Foundation
import MoEConvert
import MoEFormats
import MoEKernels
import MoEModels
@testable import MoETraining
import XCTest

/// Determinism, resume and checkpoint atomicity of the training loop.
final class TrainerTests: XCTestCase {
    private func config(_ shape: ModelShape = TestModels.moeShape, balance: BalanceMode = .aux, accum: Int = 2) -> TrainingConfig {
        var shape = shape
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
        for shape in [TestModels.moeShape, TestModels.sharedExpertShape] {
            let a = try Trainer(config: config(shape), trainTokens: tokens, pool: ThreadPool(threadCount: 1))
            let b = try Trainer(config: config(shape), trainTokens: tokens, pool: TestModels.pool)
            for _ in 0..<3 {
                XCTAssertEqual(try a.trainStep().loss, try b.trainStep().loss)
            }
            XCTAssertEqual(params(a), params(b))
        }
    }

    func testResumeContinuesBitExactly() throws {
        for balance in [BalanceMode.aux, .bias] { try checkResume(config(balance: balance)) }
    }

    func testSharedExpertResumeContinuesBitExactly() throws {
        for balance in [BalanceMode.aux, .bias] { try checkResume(config(TestModels.sharedExpertShape, balance: balance)) }
    }

    /// Five steps straight equal two steps, a checkpoint, a resume and three more, to the bit.
    private func checkResume(_ c: TrainingConfig) throws {
        let out = try temporaryFolder()
        let straight = try Trainer(config: c, trainTokens: tokens, pool: TestModels.pool)
        for _ in 0..<5 { _ = try straight.trainStep() }
        let first = try Trainer(config: c, trainTokens: tokens, pool: TestModels.pool)
        for _ in 0..<2 { _ = try first.trainStep() }
        try Checkpoint.save(first, tokenizer: tokenizer(), to: out)
        let (resumed, _) = try Checkpoint.resume(from: out, trainTokens: tokens, pool: TestModels.pool)
        XCTAssertEqual(resumed.config, c)
        XCTAssertEqual(resumed.step, 2)
        for _ in 0..<3 { _ = try resumed.trainStep() }
        XCTAssertEqual(params(resumed), params(straight), "\(c.loss.balance)")
        XCTAssertEqual(resumed.model.routerBias, straight.model.routerBias)
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

    func testSharedExpertCheckpointIsAQwen2MoEFolder() throws {
        let out = try temporaryFolder()
        let c = config(TestModels.sharedExpertShape)
        let t = try Trainer(config: c, trainTokens: tokens, pool: TestModels.pool)
        _ = try t.trainStep()
        try Checkpoint.save(t, tokenizer: tokenizer(), to: out)
        let folder = Checkpoint.latest(in: out)
        let read = try ModelConfig.load(folder: folder)
        XCTAssertEqual(read.modelType, "qwen2_moe")
        XCTAssertEqual(read.moe?.routing, .softmaxTopK(renormalize: true))
        XCTAssertEqual(try ModelShape(config: read), c.shape)
        let store = try TensorStore(folder: folder)
        for name in ["model.layers.1.mlp.experts.3.down_proj.weight", "model.layers.1.mlp.shared_expert.up_proj.weight",
                     "model.layers.0.mlp.shared_expert_gate.weight"] {
            XCTAssertNotNil(store.tensor(name), name)
        }
        let bias = try XCTUnwrap(store.tensor("model.layers.0.self_attn.k_proj.bias"))
        XCTAssertEqual(bias.shape, [c.shape.kvWidth])
        XCTAssertTrue(bias.data.allSatisfy { $0 == 0 })
    }

    func testBiasBalancedCheckpointRoutesWithItsSelectionBias() throws {
        let out = try temporaryFolder()
        let t = try Trainer(config: config(balance: .bias), trainTokens: tokens, pool: TestModels.pool)
        _ = try t.trainStep()
        // Strong enough that every token takes expert 1 (layer 0) and expert 2 (layer 1), with
        // expert outputs scaled up so that the choice shows in the loss.
        t.model.routerBias = [[0, 0.9, 0, 0], [0, 0, 0.9, 0]]
        for l in 0..<2 {
            for e in 0..<4 {
                let down = t.model.params.pointer("model.layers.\(l).block_sparse_moe.experts.\(e).w2.weight")
                for i in 0..<16 * 12 { down[i] *= 30 }
            }
        }
        try Checkpoint.save(t, tokenizer: tokenizer(), to: out)
        let folder = Checkpoint.latest(in: out)
        let stored = try XCTUnwrap(TensorStore(folder: folder).tensor("model.layers.1.block_sparse_moe.gate.e_score_correction_bias"))
        XCTAssertEqual(stored.shape, [4])

        let inputs = Array(tokens[0..<8]), targets = Array(tokens[1...8])
        let trained = try t.model.forward(inputs: inputs, targets: targets, batch: 1, seq: 8).crossEntropy
        func inferenceLoss(_ path: String) throws -> Double {
            let model = try Transformer(path: path, pool: TestModels.pool)
            let logits = try model.forward(inputs.map(Int.init), cache: model.makeCache(capacity: 8))
            var loss = 0.0
            for (row, target) in targets.enumerated() {
                let values = (0..<40).map { Double(logits[row, $0]) }
                let top = values.max()!
                loss += top + Foundation.log(values.reduce(0) { $0 + Foundation.exp($1 - top) }) - values[Int(target)]
            }
            return loss / 8
        }
        XCTAssertEqual(try inferenceLoss(folder), Double(trained), accuracy: 1e-5 * Double(trained))
        let gguf = out + "/model.gguf"
        _ = try GGUFExporter.export(input: folder, output: gguf, type: .f32)
        XCTAssertNotNil(try GGUFFile(path: gguf).tensor(named: "blk.1.exp_probs_b.bias"))
        XCTAssertEqual(try inferenceLoss(gguf), Double(trained), accuracy: 1e-5 * Double(trained))
        t.model.options.balance = .aux
        let unbiased = try t.model.forward(inputs: inputs, targets: targets, batch: 1, seq: 8).crossEntropy
        XCTAssertGreaterThan(abs(unbiased - trained), 1e-2, "the bias must change the routing for this test to mean anything")
    }

    func testLoadingRejectsANonZeroAttentionBias() throws {
        let folder = try temporaryFolder()
        let t = try Trainer(config: config(TestModels.sharedExpertShape), trainTokens: tokens, pool: TestModels.pool)
        try ModelFiles.writeWeights(t.model.params, dtype: .float32, to: folder)
        let store = try TensorStore(folder: folder)
        let one: [UInt8] = [0, 0, 0x80, 0x3F] // 1.0 as little-endian f32
        let tensors = store.names.compactMap { store.tensor($0) }.map { view in
            let bytes = view.name == "model.layers.1.self_attn.v_proj.bias" ? one + view.data.dropFirst(4) : Array(view.data)
            return TensorData(name: view.name, dtype: view.dtype, shape: view.shape, bytes: bytes)
        }
        try SafetensorsWriter.write(tensors, to: folder + "/model.safetensors")
        XCTAssertThrowsError(try t.model.params.load(from: TensorStore(folder: folder))) { error in
            XCTAssertEqual(error as? TrainingError,
                           .badTensor("model.layers.1.self_attn.v_proj.bias is not zero; the trainer keeps attention biases at zero"))
        }
    }
}
