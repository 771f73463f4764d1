import Foundation
import MoEFormats
import MoEKernels
import MoEModels
import MoETestFixtures
import XCTest

/// A checkpoint whose tensors don't fit its config is a clear error naming the tensor.
final class LoadErrorTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "moe-load-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let source = ModelFixture.root + "/llama-gqa-bias"
        try FileManager.default.copyItem(atPath: source + "/config.json", toPath: folder + "/config.json")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Rewrites the weights of fixture `source` through `edit`.
    func writeWeights(from source: String = "llama-gqa-bias", _ edit: (inout [TensorData]) -> Void) throws {
        let store = try TensorStore(folder: ModelFixture.root + "/" + source)
        var tensors = store.names.compactMap { name -> TensorData? in
            guard let t = store.tensor(name) else { return nil }
            return TensorData(name: name, dtype: t.dtype, shape: t.shape, bytes: Array(t.data))
        }
        edit(&tensors)
        try SafetensorsWriter.write(tensors, to: folder + "/model.safetensors")
    }

    func loadError() -> FormatError? {
        do {
            _ = try Transformer(path: folder, pool: ThreadPool(threadCount: 1))
            return nil
        } catch let e as FormatError {
            return e
        } catch {
            XCTFail("unexpected error \(error)")
            return nil
        }
    }

    func testMissingTensorIsNamed() throws {
        try writeWeights { $0.removeAll { $0.name == "model.layers.1.self_attn.k_proj.weight" } }
        let e = loadError()
        XCTAssertEqual(e?.tensor, "model.layers.1.self_attn.k_proj.weight")
        XCTAssertTrue(e?.message.contains("missing") ?? false)
    }

    func testMissingOrMisshapedDeltaNetTensorsAreNamed() throws {
        try FileManager.default.removeItem(atPath: folder + "/config.json")
        try FileManager.default.copyItem(atPath: ModelFixture.root + "/qwen3_next-base/config.json", toPath: folder + "/config.json")
        try writeWeights(from: "qwen3_next-base") { $0.removeAll { $0.name == "model.layers.2.linear_attn.A_log" } }
        XCTAssertEqual(loadError()?.tensor, "model.layers.2.linear_attn.A_log")
        try writeWeights(from: "qwen3_next-base") { t in
            let i = t.firstIndex { $0.name == "model.layers.0.linear_attn.conv1d.weight" }!
            t[i].shape = [40, 2, 4]
        }
        let e = loadError()
        XCTAssertEqual(e?.tensor, "model.layers.0.linear_attn.conv1d.weight")
        XCTAssertTrue(e?.message.contains("shape") ?? false)
    }

    func testNonFiniteWeightsAreNamedAtFirstUse() throws {
        try writeWeights { t in
            let i = t.firstIndex { $0.name == "model.layers.1.mlp.down_proj.weight" }!
            XCTAssertEqual(t[i].dtype, .F32)
            withUnsafeBytes(of: Float.nan) { t[i].bytes.replaceSubrange(8..<12, with: $0) }
        }
        let model = try Transformer(path: folder, pool: ThreadPool(threadCount: 1))
        XCTAssertThrowsError(try model.forward([1, 2, 3], cache: model.makeCache(capacity: 4))) { error in
            XCTAssertEqual(error as? ModelError, .nonFiniteLogits(tensor: "model.layers.1.mlp.down_proj.weight"))
        }
    }

    func testWrongShapeIsNamed() throws {
        try writeWeights { t in
            let i = t.firstIndex { $0.name == "model.norm.weight" }!
            t[i].shape = [t[i].shape[0] / 2, 2]
        }
        let e = loadError()
        XCTAssertEqual(e?.tensor, "model.norm.weight")
        XCTAssertTrue(e?.message.contains("shape") ?? false)
    }

    func testNonFloatWeightIsRejected() throws {
        try writeWeights { t in
            let i = t.firstIndex { $0.name == "model.layers.0.mlp.up_proj.weight" }!
            XCTAssertEqual(t[i].dtype, .F32)
            t[i].dtype = .I32
        }
        let e = loadError()
        XCTAssertEqual(e?.tensor, "model.layers.0.mlp.up_proj.weight")
        XCTAssertTrue(e?.message.contains("I32") ?? false)
    }
}
