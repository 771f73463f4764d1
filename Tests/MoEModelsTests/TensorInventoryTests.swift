import MoEFormats
import MoEModels
import MoETestFixtures
import XCTest

/// The model's own list of its tensors matches what transformers saved, for every fixture.
final class TensorInventoryTests: XCTestCase {
    func testInventoryNamesAndShapesMatchEveryFixture() throws {
        var compared: Set<String> = []
        for fixture in try ModelFixture.all() {
            let config = try ModelConfig.load(folder: fixture.folder)
            let store = try TensorStore(folder: fixture.folder)
            // transformers v5 may save routed experts stacked (`experts.gate_up_proj`) where the
            // family's own layout is per expert; those checkpoints are covered by loading, not
            // by this name-for-name comparison.
            let inventory = config.tensorInventory
            guard !store.names.contains(where: { $0.hasSuffix("experts.gate_up_proj") })
                    || inventory.contains(where: { $0.name.hasSuffix("experts.gate_up_proj") }) else { continue }
            // Tensors the engine does not run (DeepSeek's multi-token-prediction layers) are
            // listed by `unusedTensors` instead.
            let run = store.names.filter { name in !config.unusedTensors.contains { name.hasPrefix($0.prefix) } }
            let saved = Dictionary(uniqueKeysWithValues: run.compactMap { name in
                store.tensor(name).map { (name, $0.shape) }
            })
            let listed = Dictionary(uniqueKeysWithValues: inventory.map { ($0.name, $0.shape) })
            XCTAssertEqual(Set(listed.keys), Set(saved.keys), fixture.name)
            compared.insert(fixture.name)
            for (name, shape) in listed where saved[name] != nil {
                XCTAssertEqual(saved[name], shape, "\(fixture.name): \(name)")
            }
            compared.insert(config.modelType)
        }
        // GPT-OSS's stacked experts are its own layout, in float and in MXFP4.
        XCTAssertTrue(compared.isSuperset(of: ["deepseek_v3", "deepseek_v2", "qwen3_next", "mixtral", "gpt_oss-base",
                                               "gpt_oss-bf16", "gpt_oss-mxfp4"]), "\(compared.sorted())")
    }
}
