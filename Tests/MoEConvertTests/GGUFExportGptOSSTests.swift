import Foundation
import MoEConvert
import MoEFormats
import MoEKernels
import MoEModels
import MoETestFixtures
import XCTest

/// `moe quantize` of GPT-OSS folders: float experts transposed and split as llama.cpp's
/// converter splits them (the MXFP4 layout is compared byte for byte with the converter in
/// GGUFExportParityTests), MXFP4 experts kept MXFP4 at any output type, and checkpoints whose
/// clamped SwiGLU llama.cpp cannot express refused.
final class GGUFExportGptOSSTests: XCTestCase {
    func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "gguf-gpt-oss-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testFloatExpertsConvertToTheSameModel() throws {
        // gpt_oss-base with the swiglu_limit llama.cpp has built in: the exported file runs as the folder does.
        let folder = try temporaryFolder(), source = folder + "/gpt_oss-limit7"
        try FileManager.default.copyItem(atPath: ModelFixture.root + "/gpt_oss-base", toPath: source)
        let configPath = source + "/config.json"
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as? [String: Any])
        config["swiglu_limit"] = 7.0
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let output = folder + "/out.gguf"
        _ = try GGUFExporter.export(input: source, output: output, type: .f32)
        let file = try GGUFFile(path: output)
        XCTAssertEqual(file.tensor(named: "blk.0.ffn_gate_exps.weight")?.shape, [6, 32, 32])
        XCTAssertEqual(file.tensor(named: "blk.0.ffn_up_exps.bias")?.shape, [6, 32])
        XCTAssertEqual(file.string("gpt-oss.rope.scaling.type"), "yarn")
        XCTAssertEqual(file.int("gpt-oss.attention.sliding_window"), 8)
        let pool = ThreadPool(threadCount: 2)
        let fixture = try ModelFixture.load("gpt_oss-base")
        let hf = try Transformer(path: source, pool: pool), gguf = try Transformer(path: output, pool: pool)
        let a = try hf.forward(fixture.inputIDs, cache: hf.makeCache(capacity: 16))
        let b = try gguf.forward(fixture.inputIDs, cache: gguf.makeCache(capacity: 16))
        for t in fixture.inputIDs.indices {
            XCTAssertLessThanOrEqual(relativeL2(a.rowArray(t), b.rowArray(t)), 1e-5, "position \(t)")
        }
    }

    func testMXFP4ExpertsStayMXFP4AndOtherLimitsAreRefused() throws {
        let folder = try temporaryFolder()
        _ = try GGUFExporter.export(input: ModelFixture.root + "/gpt_oss-mxfp4", output: folder + "/q8.gguf", type: .q8_0)
        let file = try GGUFFile(path: folder + "/q8.gguf")
        XCTAssertEqual(file.tensor(named: "blk.1.ffn_down_exps.weight")?.type, .MXFP4)
        XCTAssertEqual(file.tensor(named: "blk.1.attn_q.weight")?.type, .Q8_0)
        XCTAssertEqual(file.int("general.file_type"), Int(GGUFExportType.q8_0.fileType))
        // In f16 (Q8_0's rounding flips near-tied expert choices of this tiny random model) the
        // file keeps transformers' logits within the MXFP4 fixture's tolerance.
        _ = try GGUFExporter.export(input: ModelFixture.root + "/gpt_oss-mxfp4", output: folder + "/f16.gguf", type: .f16)
        XCTAssertEqual(try GGUFFile(path: folder + "/f16.gguf").int("general.file_type"), 38)
        let fixture = try ModelFixture.load("gpt_oss-mxfp4")
        let model = try Transformer(path: folder + "/f16.gguf", pool: ThreadPool(threadCount: 2))
        let logits = try model.forward(fixture.inputIDs, cache: model.makeCache(capacity: 16))
        for (t, reference) in fixture.logits.enumerated() {
            XCTAssertLessThanOrEqual(relativeL2(reference, logits.rowArray(t)), fixture.tolerance, "position \(t)")
        }
        XCTAssertThrowsError(try GGUFExporter.export(input: ModelFixture.root + "/gpt_oss-base", output: folder + "/x.gguf", type: .f32)) { error in
            XCTAssertTrue("\(error)".contains("swiglu_limit 1.5"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.gguf"))
    }
}
