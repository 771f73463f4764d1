import Foundation
import MoEKernels
import MoEModels
import MoEFormats
import MoETestFixtures
import XCTest

/// GGUF files made by llama.cpp's converter (scripts/make_gguf_model_fixtures.py) from the
/// model fixtures give transformers' logits and greedy continuation of the source checkpoint.
final class GGUFParityTests: XCTestCase {
    static let root = ModelFixture.conversionsRoot

    /// `(gguf path, source fixture, output type)` for every converted file.
    func conversions() throws -> [(path: String, fixture: ModelFixture, type: String)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root).filter { $0.hasSuffix(".gguf") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 10)
        return try files.map { file in
            let stem = String(file.dropLast(".gguf".count))
            let dash = stem.lastIndex(of: "-") ?? stem.endIndex
            let type = dash < stem.endIndex ? String(stem[stem.index(after: dash)...]) : ""
            return (Self.root + "/" + file, try ModelFixture.load(String(stem[..<dash])), type)
        }
    }

    /// Relative L2 bound on the logits: the fixture's own for f32/bf16 files; for Q8_0 the
    /// weight quantisation error (about 0.4% per weight) plus our decode kernels' Q8
    /// activation rounding.
    func tolerance(_ fixture: ModelFixture, type: String) -> Float {
        type == "q8_0" ? 3e-2 : fixture.tolerance
    }

    func testGGUFLogitsAndGreedyMatchTransformers() throws {
        let pool = ThreadPool(threadCount: 2)
        var architectures: Set<String> = []
        for (path, fixture, type) in try conversions() {
            let model = try Transformer(path: path, pool: pool)
            architectures.insert(model.config.modelType)
            XCTAssertEqual(model.config.modelType, fixture.family, path)
            let logits = try model.forward(fixture.inputIDs, cache: model.makeCache(capacity: 32))
            for (t, reference) in fixture.logits.enumerated() {
                let error = relativeL2(reference, logits.rowArray(t))
                XCTAssertLessThanOrEqual(error, tolerance(fixture, type: type), "\(path) position \(t): relative L2 \(error)")
            }
            let cache = model.makeCache(capacity: 32)
            var step = try model.forward(fixture.inputIDs, cache: cache, logits: .last)
            var greedy: [Int] = []
            while greedy.count < fixture.greedyIDs.count {
                greedy.append(argmax(step.rowArray(0)))
                step = try model.forward([greedy.last!], cache: cache, logits: .last)
            }
            XCTAssertEqual(greedy, fixture.greedyIDs, path)
        }
        XCTAssertEqual(architectures, ["mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "granitemoe", "llama", "qwen2", "qwen3",
                                       "qwen3_next", "qwen3_5_moe", "deepseek_v3", "deepseek_v2", "gpt_oss"])
    }

    func testGGUFAndSafetensorsSummariesAgree() throws {
        for (path, fixture, _) in try conversions() {
            let gguf = ModelSummary(try Transformer(path: path, pool: ThreadPool(threadCount: 1)))
            let hf = ModelSummary(try Transformer(path: fixture.folder, pool: ThreadPool(threadCount: 1)))
            // llama.cpp's converter stores Llama 3 rope scaling as an extra rope_freqs tensor.
            let extra = fixture.name == "llama-llama3rope" ? fixture.logits.count > 0 ? 8 : 0 : 0
            XCTAssertEqual(gguf.totalParameters, hf.totalParameters + extra, path)
            XCTAssertEqual(gguf.activeParameters, hf.activeParameters + extra, path)
        }
    }
}

/// Older `deepseek2` files keep `kv_b_proj` whole (`attn_kv_b`) and describe the heads by
/// `attention.key_length` / `value_length` alone.
final class DeepSeekLegacyGGUFTests: XCTestCase {
    func testUnsplitKVUpProjectionGivesTheSameLogits() throws {
        let fixture = try ModelFixture.load("deepseek_v3-qlora-yarn")
        let source = try GGUFFile(path: ModelFixture.conversionsRoot + "/deepseek_v3-qlora-yarn-f32.gguf")
        let heads = 4, nope = 8, rope = 8, value = 12, latent = 16
        var metadata: [(key: String, value: GGUFValue)] = []
        for key in source.metadataKeys where !key.hasSuffix("_mla") {
            guard let v = source.metadata[key] else { continue }
            switch key {
            case "deepseek2.attention.key_length": metadata.append((key, .uint32(UInt32(nope + rope))))
            case "deepseek2.attention.value_length": metadata.append((key, .uint32(UInt32(value))))
            case "deepseek2.attention.head_count_kv": metadata.append((key, .uint32(UInt32(heads))))
            default: metadata.append((key, v))
            }
        }
        var tensors: [GGUFTensorData] = []
        for t in source.tensors where !t.name.hasSuffix("attn_v_b.weight") {
            guard t.name.hasSuffix("attn_k_b.weight") else {
                tensors.append(GGUFTensorData(name: t.name, type: t.type, shape: t.shape, bytes: Array(t.data)))
                continue
            }
            let block = t.name.dropLast("attn_k_b.weight".count)
            let keys = try source.dequantize(t)  // (heads, latent, nope)
            let values = try source.dequantize(XCTUnwrap(source.tensor(named: block + "attn_v_b.weight")))  // (heads, value, latent)
            var merged: [Float] = []  // (heads * (nope + value), latent)
            for h in 0..<heads {
                for i in 0..<nope { merged += (0..<latent).map { keys[(h * latent + $0) * nope + i] } }
                merged += values[(h * value * latent)..<((h + 1) * value * latent)]
            }
            let bytes = merged.withUnsafeBytes { Array($0) }
            tensors.append(GGUFTensorData(name: block + "attn_kv_b.weight", type: .F32, shape: [heads * (nope + value), latent], bytes: bytes))
        }
        let path = NSTemporaryDirectory() + "deepseek-legacy-\(UUID().uuidString).gguf"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        try GGUFWriter.write(metadata: metadata, tensors: tensors, to: path)
        let model = try Transformer(path: path, pool: ThreadPool(threadCount: 2))
        XCTAssertEqual(model.config.latentAttention?.noPositionDim, nope)
        let logits = try model.forward(fixture.inputIDs, cache: model.makeCache(capacity: 16))
        for (t, reference) in fixture.logits.enumerated() {
            XCTAssertLessThanOrEqual(relativeL2(reference, logits.rowArray(t)), 1e-4, "position \(t)")
        }
    }
}
