import Foundation
import MoEKernels
import MoEModels
@testable import MoETraining
import XCTest

/// Checkpoints written by `moe train` give transformers' logits in MoEModels' inference
/// engine (Tests/Fixtures/training/trained-*, made by scripts/make_trained_checkpoint_fixture.py).
final class CheckpointParityTests: XCTestCase {
    func testTrainedMixtralCheckpointMatchesTransformers() throws { try compare("trained-mixtral") }

    func testTrainedLlamaCheckpointMatchesTransformers() throws { try compare("trained-llama") }

    func testTrainedSharedExpertCheckpointMatchesTransformers() throws { try compare("trained-qwen2moe") }

    private func compare(_ name: String) throws {
        let folder = PyTorchReferenceTests.root + "/" + name
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json"))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let ids = json["input_ids"] as? [Int], let reference = json["logits"] as? [[Double]]
        else { return XCTFail("\(name): malformed reference.json") }
        let model = try Transformer(path: folder, pool: TestModels.pool)
        let logits = try model.forward(ids, cache: model.makeCache(capacity: ids.count))
        var diff = 0.0, norm = 0.0
        for (t, row) in reference.enumerated() {
            for (v, expected) in row.enumerated() {
                let d = Double(logits[t, v]) - expected
                diff += d * d
                norm += expected * expected
            }
        }
        XCTAssertLessThan(diff.squareRoot(), 1e-4 * norm.squareRoot(), name)
    }
}
