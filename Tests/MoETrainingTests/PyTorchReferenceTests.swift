import Foundation
import MoEFormats
import MoEKernels
import MoEModels
@testable import MoETraining
import XCTest

/// Loss, every gradient and three AdamW steps against PyTorch (scripts/make_training_fixtures.py)
/// for Mixtral, Llama and Qwen2-MoE (shared expert with its sigmoid gate).
final class PyTorchReferenceTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/training").path

    func testMixtralMatchesPyTorch() throws { try compare("mixtral") }

    func testLlamaMatchesPyTorch() throws { try compare("llama") }

    func testQwen2MoEWithSharedExpertMatchesPyTorch() throws {
        try compare("qwen2_moe")
        let shape = try ModelShape(config: ModelConfig.load(folder: Self.root + "/qwen2_moe"))
        XCTAssertEqual(shape.layout, .qwen2MoE)
        XCTAssertEqual(shape.sharedExpertHidden, 48)
    }

    private func compare(_ name: String) throws {
        let folder = Self.root + "/" + name
        let ref = try Reference(folder: folder)
        let shape = try ModelShape(config: ModelConfig.load(folder: folder))
        let options = LossOptions(auxLossCoef: ref.auxCoef, zLossCoef: ref.zCoef, balance: .aux, pooledAuxLoss: true)
        let model = try TrainableModel(shape: shape, options: options, pool: TestModels.pool)
        try model.params.load(from: TensorStore(folder: folder))
        let batch = ref.inputs.count / ref.seq
        let loss = try model.forward(inputs: ref.inputs, targets: ref.targets, batch: batch, seq: ref.seq)
        XCTAssertEqual(loss.total, ref.loss, accuracy: 1e-4 * abs(ref.loss))
        model.grads.zero()
        model.backward()
        let grads = try TensorStore(file: folder + "/grads.safetensors")
        for slot in model.grads.layout.slots {
            guard let view = grads.tensor(slot.name) else { return XCTFail("\(name): no reference gradient \(slot.name)") }
            var expected = [Float](repeating: 0, count: slot.count)
            try expected.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                try TensorCoding.decode(view, into: base)
            }
            let ours = model.grads.array(slot.name)
            var diff: Float = 0, norm: Float = 0
            for i in 0..<slot.count {
                diff += (ours[i] - expected[i]) * (ours[i] - expected[i])
                norm += expected[i] * expected[i]
            }
            XCTAssertLessThan(diff.squareRoot(), 1e-4 * norm.squareRoot() + 1e-9, "\(name): gradient of \(slot.name)")
        }
        let optimizer = AdamW(layout: model.params.layout, beta1: ref.betas.0, beta2: ref.betas.1, eps: ref.eps,
                              weightDecay: ref.weightDecay)
        var losses: [Float] = []
        for _ in 0..<3 {
            model.grads.zero()
            losses.append(try model.forward(inputs: ref.inputs, targets: ref.targets, batch: batch, seq: ref.seq).total)
            model.backward()
            optimizer.update(params: model.params, grads: model.grads, lr: ref.lr, pool: model.pool)
        }
        losses.append(try model.forward(inputs: ref.inputs, targets: ref.targets, batch: batch, seq: ref.seq).total)
        for (ours, theirs) in zip(losses, ref.adamwLosses) {
            XCTAssertEqual(ours, theirs, accuracy: 1e-4 * abs(theirs), "\(name): AdamW losses \(losses) vs \(ref.adamwLosses)")
        }
    }
}

/// reference.json of a training fixture.
private struct Reference {
    let inputs: [Int32]
    let targets: [Int32]
    let seq: Int
    let loss: Float
    let auxCoef: Float
    let zCoef: Float
    let lr: Float
    let betas: (Float, Float)
    let eps: Float
    let weightDecay: Float
    let adamwLosses: [Float]

    init(folder: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json"))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let ids = json["input_ids"] as? [[Int]], let targets = json["targets"] as? [[Int]],
              let loss = json["loss"] as? Double, let aux = json["aux_loss_coef"] as? Double,
              let z = json["z_loss_coef"] as? Double, let lr = json["lr"] as? Double,
              let betas = json["betas"] as? [Double], betas.count == 2, let eps = json["eps"] as? Double,
              let wd = json["weight_decay"] as? Double, let losses = json["adamw_losses"] as? [Double]
        else { throw TrainingError.data("\(folder)/reference.json is malformed") }
        inputs = ids.flatMap { $0.map(Int32.init) }
        self.targets = targets.flatMap { $0.map(Int32.init) }
        seq = ids.first?.count ?? 0
        self.loss = Float(loss)
        auxCoef = Float(aux)
        zCoef = Float(z)
        self.lr = Float(lr)
        self.betas = (Float(betas[0]), Float(betas[1]))
        self.eps = Float(eps)
        weightDecay = Float(wd)
        adamwLosses = losses.map(Float.init)
    }
}
