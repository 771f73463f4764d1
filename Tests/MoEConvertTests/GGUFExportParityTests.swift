import Foundation
import MoEConvert
import MoEFormats
import MoEKernels
import MoEModels
import MoETestFixtures
import XCTest

/// `GGUFExporter` with `--type f32` / `bf16` writes what llama.cpp's converter writes (the
/// committed conversions in Tests/Fixtures/gguf-models), and the engine runs its output to
/// the transformers reference.
final class GGUFExportParityTests: XCTestCase {
    /// A fresh temporary folder, removed after the test.
    func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "gguf-export-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Keys the converter writes that `moe quantize` does not (none for these fixtures;
    /// gguf-py's model-card heuristics can add `general.basename` / `general.finetune`).
    static let documentedMissingKeys: Set<String> = []

    func testF32AndBF16OutputsEqualLlamaCppConverter() throws {
        let folder = try temporaryFolder()
        let files = try FileManager.default.contentsOfDirectory(atPath: ModelFixture.conversionsRoot).filter { $0.hasSuffix(".gguf") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 9)
        for file in files {
            let stem = String(file.dropLast(".gguf".count))
            guard let dash = stem.lastIndex(of: "-"), let type = GGUFExportType(rawValue: String(stem[stem.index(after: dash)...])) else {
                XCTFail("cannot parse \(file)")
                continue
            }
            let source = ModelFixture.root + "/" + stem[..<dash]
            let out = folder + "/" + file
            _ = try GGUFExporter.export(input: source, output: out, type: type)
            let reference = try GGUFFile(path: ModelFixture.conversionsRoot + "/" + file)
            let ours = try GGUFFile(path: out)
            let referenceKeys = Set(reference.metadataKeys).subtracting(Self.documentedMissingKeys)
            XCTAssertEqual(Set(ours.metadataKeys), referenceKeys, file)
            for key in referenceKeys {
                XCTAssertEqual(ours.metadata[key], reference.metadata[key], "\(file): \(key)")
            }
            XCTAssertEqual(Set(ours.tensors.map(\.name)), Set(reference.tensors.map(\.name)), file)
            for expected in reference.tensors {
                guard let actual = ours.tensor(named: expected.name) else { continue }
                XCTAssertEqual(actual.shape, expected.shape, "\(file): \(expected.name)")
                XCTAssertEqual(actual.type, expected.type, "\(file): \(expected.name)")
                XCTAssertTrue(actual.data.elementsEqual(expected.data), "\(file): \(expected.name) bytes differ")
            }
        }
    }

    /// Fixtures beyond the committed conversions: tied heads, biases, partly dense MoE
    /// stacks, renormalised routing (written as `expert_weights_norm`), bf16 Granite, hybrid
    /// gated DeltaNet models (split and regrouped projections, tiled value heads, the
    /// multimodal layout), DeepSeek latent attention (split kv_b_proj, groups, YaRN).
    static let runFixtures = [
        "mixtral-gqa", "mixtral-tied", "mixtral-odd-bf16", "granitemoe-mult", "granitemoe-tied-bf16", "llama-gqa-bias",
        "llama-llama3rope", "llama-llama3rope-v4config", "olmoe-base", "olmoe-normtopk-bf16", "qwen2-tied", "qwen2-bf16",
        "qwen2_moe-allmoe", "qwen2_moe-sparse2", "qwen2_moe-normtopk-bf16", "qwen3-bf16", "qwen3-tied",
        "qwen3_moe-allmoe", "qwen3_moe-sparse2-bf16", "qwen3_next-base", "qwen3_next-bf16", "qwen3_5_moe-text",
        "qwen3_5_moe-vl", "deepseek_v3-qlora-yarn", "deepseek_v3-halfrope", "deepseek_v2-lite", "deepseek_v2-grouped-bf16",
    ]

    func testEngineRunsExportedFilesToTransformersReference() throws {
        let folder = try temporaryFolder()
        let pool = ThreadPool(threadCount: 2)
        for name in Self.runFixtures {
            let fixture = try ModelFixture.load(name)
            let type: GGUFExportType = fixture.weightsDType == "float32" ? .f32 : .bf16
            let path = folder + "/\(name)-\(type.rawValue).gguf"
            _ = try GGUFExporter.export(input: fixture.folder, output: path, type: type)
            let model = try Transformer(path: path, pool: pool)
            XCTAssertEqual(model.config.modelType, fixture.family, name)
            let logits = try model.forward(fixture.inputIDs, cache: model.makeCache(capacity: 32))
            for (t, reference) in fixture.logits.enumerated() {
                let error = relativeL2(reference, logits.rowArray(t))
                XCTAssertLessThanOrEqual(error, fixture.tolerance, "\(name) position \(t): relative L2 \(error)")
            }
            let cache = model.makeCache(capacity: 32)
            var step = try model.forward(fixture.inputIDs, cache: cache, logits: .last)
            var greedy: [Int] = []
            while greedy.count < fixture.greedyIDs.count {
                let next = argmax(step.rowArray(0))
                greedy.append(next)
                step = try model.forward([next], cache: cache, logits: .last)
            }
            XCTAssertEqual(greedy, fixture.greedyIDs, name)
        }
    }

    func testDeepSeekYaRNThatLlamaCppCannotExpressIsRefused() throws {
        let folder = try temporaryFolder()
        let fixture = try ModelFixture.load("deepseek_v3-qproj-mscale-bf16")
        XCTAssertThrowsError(try GGUFExporter.export(input: fixture.folder, output: folder + "/out.gguf", type: .bf16)) { error in
            XCTAssertTrue("\(error)".contains("rope_parameters.mscale"), "\(error)")
        }
    }
}
