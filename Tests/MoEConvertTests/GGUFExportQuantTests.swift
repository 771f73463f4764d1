import Foundation
import MoEConvert
import MoEFormats
import MoEModels
import MoETestFixtures
import XCTest

/// Quantised outputs of `GGUFExporter`: every tensor's bytes are the reference quantiser's
/// encoding of the converter's f32 tensor (permuted, stacked), the types follow
/// llama-quantize, and decoded values stay near the source.
final class GGUFExportQuantTests: XCTestCase {
    /// A Mixtral checkpoint wide enough for k-quants: hidden 256, 2 layers, `experts` experts
    /// of width 256 (ffn_down rows 256), heads 4/2 of size 64, vocab 40; seeded f32 weights.
    static func writeWideMixtral(to folder: String, experts: Int = 2) throws {
        let config = """
            {"model_type": "mixtral", "vocab_size": 40, "hidden_size": 256, "intermediate_size": 256,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "num_local_experts": \(experts), "num_experts_per_tok": 1, "max_position_embeddings": 64,
             "rms_norm_eps": 1e-5, "rope_theta": 1000000.0, "tie_word_embeddings": false}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func tensor(_ name: String, _ shape: [Int], scale: Float = 0.05) -> TensorData {
            let count = shape.reduce(1, *)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(4 * count)
            for _ in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let unit = Float(state >> 40) / Float(1 << 24) * 2 - 1
                withUnsafeBytes(of: (unit * scale).bitPattern.littleEndian) { bytes += $0 }
            }
            return TensorData(name: name, dtype: .F32, shape: shape, bytes: bytes)
        }
        var tensors = [tensor("model.embed_tokens.weight", [40, 256]), tensor("lm_head.weight", [40, 256]),
                       tensor("model.norm.weight", [256], scale: 1)]
        for l in 0..<2 {
            let p = "model.layers.\(l)."
            tensors += [tensor(p + "input_layernorm.weight", [256], scale: 1), tensor(p + "post_attention_layernorm.weight", [256], scale: 1),
                        tensor(p + "self_attn.q_proj.weight", [256, 256]), tensor(p + "self_attn.k_proj.weight", [128, 256]),
                        tensor(p + "self_attn.v_proj.weight", [128, 256]), tensor(p + "self_attn.o_proj.weight", [256, 256]),
                        tensor(p + "block_sparse_moe.gate.weight", [experts, 256])]
            for e in 0..<experts {
                let x = p + "block_sparse_moe.experts.\(e)."
                tensors += [tensor(x + "w1.weight", [256, 256]), tensor(x + "w2.weight", [256, 256]), tensor(x + "w3.weight", [256, 256])]
            }
        }
        try SafetensorsWriter.write(tensors, to: folder + "/model.safetensors")
    }

    func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "gguf-quant-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Expected type of each quantisable tensor for `type` on the wide Mixtral (2 layers:
    /// use_more_bits picks layer 1 only; 2 experts, so none of the 8-expert rules apply).
    func expectedType(_ name: String, _ type: GGUFExportType) -> GGMLType {
        guard type == .q4_k_m else { return type.baseType }
        if name == "output.weight" { return .Q6_K }
        if name == "blk.1.attn_v.weight" || name == "blk.1.ffn_down_exps.weight" { return .Q6_K }
        return .Q4_K
    }

    func testQuantisedTensorsAreReferenceEncodingsOfTheConvertedTensors() throws {
        let folder = try temporaryFolder()
        let model = folder + "/wide-mixtral"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try Self.writeWideMixtral(to: model)
        _ = try GGUFExporter.export(input: model, output: folder + "/f32.gguf", type: .f32)
        let source = try GGUFFile(path: folder + "/f32.gguf")
        let bounds: [GGUFExportType: Float] = [.q8_0: 0.01, .q4_0: 0.15, .q4_k: 0.12, .q6_k: 0.04, .q4_k_m: 0.12]
        for (type, bound) in bounds {
            let path = folder + "/\(type.rawValue).gguf"
            _ = try GGUFExporter.export(input: model, output: path, type: type, threads: 3)
            let out = try GGUFFile(path: path)
            XCTAssertEqual(out.int("general.file_type"), Int(type.fileType))
            XCTAssertEqual(out.int("general.quantization_version"), 2)
            XCTAssertEqual(out.tensors.map(\.name), source.tensors.map(\.name))
            for reference in source.tensors {
                guard let tensor = out.tensor(named: reference.name) else { continue }
                let values = try source.dequantize(reference)
                XCTAssertEqual(tensor.shape, reference.shape, reference.name)
                if reference.shape.count < 2 || reference.name.hasSuffix("ffn_gate_inp.weight") {
                    XCTAssertEqual(tensor.type, .F32, reference.name)
                    continue
                }
                XCTAssertEqual(tensor.type, expectedType(reference.name, type), "\(type): \(reference.name)")
                let expected = try GGMLQuants.quantize(values, to: tensor.type)
                XCTAssertTrue(tensor.data.elementsEqual(expected), "\(type): \(reference.name) bytes differ from GGMLQuants.quantize")
                let decoded = try out.dequantize(tensor)
                XCTAssertLessThanOrEqual(relativeL2(values, decoded), bound, "\(type): \(reference.name)")
            }
        }
    }

    /// With 8 experts llama-quantize's Q4_K_M gives `attn_output` Q5_K (and `attn_v`/`attn_k`
    /// Q8_0): written as Q5_K, the reference encoding, decoding near the converter's f32 tensor.
    func testEightExpertQ4KMWritesQ5KAttentionOutput() throws {
        let folder = try temporaryFolder()
        let model = folder + "/wide-mixtral-8"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try Self.writeWideMixtral(to: model, experts: 8)
        _ = try GGUFExporter.export(input: model, output: folder + "/f32.gguf", type: .f32)
        let summary = try GGUFExporter.export(input: model, output: folder + "/q4_k_m.gguf", type: .q4_k_m, threads: 2)
        XCTAssertEqual(summary.tensorsByType["Q5_K"], 2)
        let source = try GGUFFile(path: folder + "/f32.gguf")
        let out = try GGUFFile(path: folder + "/q4_k_m.gguf")
        for layer in 0..<2 {
            let name = "blk.\(layer).attn_output.weight"
            let tensor = try XCTUnwrap(out.tensor(named: name))
            let reference = try XCTUnwrap(source.tensor(named: name))
            XCTAssertEqual(tensor.type, .Q5_K, name)
            let values = try source.dequantize(reference)
            XCTAssertTrue(tensor.data.elementsEqual(try GGMLQuants.quantize(values, to: .Q5_K)), name)
            XCTAssertLessThanOrEqual(relativeL2(values, try out.dequantize(tensor)), 0.05, name)
            XCTAssertEqual(out.tensor(named: "blk.\(layer).attn_v.weight")?.type, .Q8_0)
            XCTAssertEqual(out.tensor(named: "blk.\(layer).attn_k.weight")?.type, .Q8_0)
        }
    }

    func testRequantisingAGGUFEqualsQuantisingTheFolder() throws {
        let folder = try temporaryFolder()
        let model = folder + "/wide-mixtral"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try Self.writeWideMixtral(to: model)
        _ = try GGUFExporter.export(input: model, output: folder + "/f32.gguf", type: .f32)
        _ = try GGUFExporter.export(input: model, output: folder + "/direct.gguf", type: .q8_0)
        _ = try GGUFExporter.export(input: folder + "/f32.gguf", output: folder + "/requant.gguf", type: .q8_0)
        let direct = try GGUFFile(path: folder + "/direct.gguf")
        let requant = try GGUFFile(path: folder + "/requant.gguf")
        XCTAssertEqual(direct.metadataKeys, requant.metadataKeys)
        for key in direct.metadataKeys { XCTAssertEqual(direct.metadata[key], requant.metadata[key], key) }
        XCTAssertEqual(direct.tensors.map(\.name), requant.tensors.map(\.name))
        for (a, b) in zip(direct.tensors, requant.tensors) {
            XCTAssertEqual(a.type, b.type, a.name)
            XCTAssertTrue(a.data.elementsEqual(b.data), a.name)
        }
    }

    func testWritingOverTheInputIsRefused() throws {
        let folder = try temporaryFolder()
        let copy = folder + "/model"
        try FileManager.default.copyItem(atPath: ModelFixture.root + "/qwen3_next-allmoe", toPath: copy)
        let weights = copy + "/model.safetensors"
        let before = try Data(contentsOf: URL(fileURLWithPath: weights))
        XCTAssertThrowsError(try GGUFExporter.export(input: copy, output: weights, type: .f32)) { error in
            XCTAssertTrue("\(error)".contains("refusing to overwrite"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: weights)), before)
        _ = try GGUFExporter.export(input: copy, output: folder + "/out.gguf", type: .f32)
        XCTAssertThrowsError(try GGUFExporter.export(input: folder + "/out.gguf", output: folder + "/out.gguf", type: .q8_0))
    }

    func testDeltaNetConvolutionStaysF32() throws {
        let folder = try temporaryFolder()
        for type in [GGUFExportType.q8_0, .q4_k_m, .bf16] {
            let path = folder + "/\(type.rawValue).gguf"
            _ = try GGUFExporter.export(input: ModelFixture.root + "/qwen3_next-allmoe", output: path, type: type)
            let file = try GGUFFile(path: path)
            XCTAssertEqual(file.tensor(named: "blk.0.ssm_conv1d.weight")?.type, .F32, type.rawValue)
            XCTAssertEqual(file.tensor(named: "blk.0.ssm_a")?.type, .F32, type.rawValue)
        }
    }

    func testRowsThatAreNotWholeBlocksFallBackAsLlamaQuantizeDoes() throws {
        let folder = try temporaryFolder()
        let path = folder + "/out.gguf"
        // mixtral-gqa: rows of 32 (hidden) and 48 (expert width).
        let summary = try GGUFExporter.export(input: ModelFixture.root + "/mixtral-gqa", output: path, type: .q4_k)
        let file = try GGUFFile(path: path)
        XCTAssertEqual(file.tensor(named: "blk.0.attn_q.weight")?.type, .Q5_0)
        XCTAssertEqual(file.tensor(named: "blk.0.ffn_down_exps.weight")?.type, .F16)
        XCTAssertEqual(file.tensor(named: "blk.0.ffn_gate_inp.weight")?.type, .F32)
        XCTAssertEqual(summary.tensorsByType["F16"], 2)
    }

    func testUnsupportedInputsAreClearErrors() throws {
        let folder = try temporaryFolder()
        XCTAssertThrowsError(try GGUFExporter.export(input: folder + "/missing", output: folder + "/x.gguf", type: .q8_0)) { error in
            XCTAssertTrue("\(error)".contains("no such file or folder"), "\(error)")
        }
        try Data(#"{"model_type": "gpt2"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        XCTAssertThrowsError(try GGUFExporter.export(input: folder, output: folder + "/x.gguf", type: .q8_0)) { error in
            XCTAssertTrue("\(error)".contains("unsupported model type 'gpt2'"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.gguf"))
        let model = folder + "/odd"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ModelFixture.root + "/qwen2-tied/config.json", toPath: model + "/config.json")
        let stray = TensorData(name: "model.layers.0.mlp.extra_proj.weight", dtype: .F32, shape: [2], bytes: [UInt8](repeating: 0, count: 8))
        try SafetensorsWriter.write([stray], to: model + "/model.safetensors")
        XCTAssertThrowsError(try GGUFExporter.export(input: model, output: folder + "/x.gguf", type: .f32)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("model.layers.0.mlp.extra_proj.weight") && message.contains("no llama.cpp counterpart"), message)
        }
        let ints = TensorData(name: "model.norm.weight", dtype: .I32, shape: [2], bytes: [UInt8](repeating: 0, count: 8))
        try SafetensorsWriter.write([ints], to: model + "/model.safetensors")
        XCTAssertThrowsError(try GGUFExporter.export(input: model, output: folder + "/x.gguf", type: .f32)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("model.norm.weight") && message.contains("dtype I32"), message)
        }
    }

    func testQ4KMRecipeFollowsLlamaQuantize() throws {
        // 8 layers: use_more_bits(i, 8) holds for i = 0, 3, 6, 7.
        let moreBits: Set<Int> = [0, 3, 6, 7]
        func layouts(_ json: String) throws -> [String: GGMLType] {
            let config = try ModelConfig(json: Data(json.utf8), file: "test")
            let plan = SyntheticGGUF(config: config, raw: [:], name: "test", type: .q4_k_m)
            return Dictionary(uniqueKeysWithValues: plan.layouts.map { ($0.name, $0.type) })
        }
        let dense = try layouts("""
            {"model_type": "llama", "vocab_size": 64, "hidden_size": 256, "intermediate_size": 512,
             "num_hidden_layers": 8, "num_attention_heads": 4, "num_key_value_heads": 2}
            """)
        XCTAssertEqual(dense["output.weight"], .Q6_K)
        XCTAssertEqual(dense["token_embd.weight"], .Q4_K)
        for i in 0..<8 {
            let more: GGMLType = moreBits.contains(i) ? .Q6_K : .Q4_K
            XCTAssertEqual(dense["blk.\(i).attn_v.weight"], more, "layer \(i)")
            XCTAssertEqual(dense["blk.\(i).ffn_down.weight"], more, "layer \(i)")
            XCTAssertEqual(dense["blk.\(i).attn_q.weight"], .Q4_K)
            XCTAssertEqual(dense["blk.\(i).attn_norm.weight"], .F32)
        }
        // Eight experts: attn_v and attn_k Q8_0, attn_output Q5_K.
        let moe = try layouts("""
            {"model_type": "mixtral", "vocab_size": 64, "hidden_size": 256, "intermediate_size": 256,
             "num_hidden_layers": 8, "num_attention_heads": 4, "num_key_value_heads": 2,
             "num_local_experts": 8, "num_experts_per_tok": 2}
            """)
        for i in 0..<8 {
            XCTAssertEqual(moe["blk.\(i).attn_v.weight"], .Q8_0)
            XCTAssertEqual(moe["blk.\(i).attn_k.weight"], .Q8_0)
            XCTAssertEqual(moe["blk.\(i).attn_output.weight"], .Q5_K)
            XCTAssertEqual(moe["blk.\(i).ffn_down_exps.weight"], moreBits.contains(i) ? .Q6_K : .Q4_K)
            XCTAssertEqual(moe["blk.\(i).ffn_gate_exps.weight"], .Q4_K)
            XCTAssertEqual(moe["blk.\(i).ffn_gate_inp.weight"], .F32)
        }
    }
}
