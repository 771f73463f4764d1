import Foundation
import MoEModels
import MoETestFixtures
import XCTest

final class ConfigTests: XCTestCase, ConfigParsing {
    let llama = """
        {"model_type": "llama", "vocab_size": 32, "hidden_size": 16, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24%@}
        """

    func llama(_ extra: String) -> String { llama.replacingOccurrences(of: "%@", with: extra) }

    func testV4AndV5ConfigFormsReadTheSame() throws {
        for name in ["mixtral-gqa", "llama-llama3rope", "qwen3_moe-base"] {
            let v5 = try ModelConfig.load(folder: ModelFixture.root + "/" + name)
            let v4 = try ModelConfig.load(folder: ModelFixture.root + "/" + name + "-v4config")
            XCTAssertEqual(v4.rope, v5.rope, name)
            XCTAssertEqual(v4.moe, v5.moe, name)
            XCTAssertEqual(v4.moeLayers, v5.moeLayers, name)
            XCTAssertEqual(v4.slidingWindow, v5.slidingWindow, name)
            XCTAssertEqual(v4.headDim, v5.headDim, name)
        }
    }

    func testRopeForms() throws {
        XCTAssertEqual(try config(llama(#", "rope_theta": 500000.0"#)).rope, RopeConfig(theta: 500000, scaling: .none))
        XCTAssertEqual(try config(llama(#", "rope_parameters": {"rope_theta": 1000.0, "rope_type": "linear", "factor": 4.0}"#)).rope,
                       RopeConfig(theta: 1000, scaling: .linear(factor: 4)))
        let llama3 = try config(llama(#", "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}"#))
        XCTAssertEqual(llama3.rope.scaling, .llama3(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192))
        XCTAssertEqual(error(llama(#", "rope_scaling": {"rope_type": "longrope", "factor": 4.0}"#))?.field, "rope_scaling.rope_type")
        XCTAssertEqual(error(llama(#", "rope_scaling": {"rope_type": "yarn", "factor": 4.0}"#))?.field,
                       "rope_scaling.original_max_position_embeddings")
    }

    func testLlama3FrequenciesFollowThePiecewiseRule() {
        let rope = RopeConfig(theta: 500000, scaling: .llama3(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192))
        let plain = RopeConfig(theta: 500000, scaling: .none).inverseFrequencies(dimension: 128)
        let scaled = rope.inverseFrequencies(dimension: 128)
        // High frequencies (short wavelengths) are kept, low ones divided by the factor.
        XCTAssertEqual(scaled[0], plain[0])
        XCTAssertEqual(scaled[63], plain[63] / 8, accuracy: 1e-18)
        // Medium ones are interpolated between the two.
        let wavelengths: [Double] = plain.map { 2 * Double.pi / $0 }
        let medium = (0..<64).filter { wavelengths[$0] > 2048 && wavelengths[$0] < 8192 }
        XCTAssertFalse(medium.isEmpty)
        for i in medium { XCTAssertTrue(scaled[i] < plain[i] && scaled[i] > plain[i] / 8) }
    }

    func testUnknownModelTypeListsTheSupportedOnes() {
        let e = error(#"{"model_type": "bert"}"#)
        XCTAssertEqual(e?.field, "model_type")
        for name in ["mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "granitemoe", "llama", "mistral", "qwen2", "qwen3"] {
            XCTAssertTrue(e?.message.contains(name) ?? false, name)
        }
    }

    func testBadFieldsAreNamed() {
        XCTAssertEqual(error("not json")?.field, nil)
        XCTAssertEqual(error("{\n  \"model_type\": \"llama\",\n  \"hidden_size\": 16,,\n}")?.message,
                       "not valid JSON: line 3, column 21: expected a string key")
        XCTAssertEqual(error("[1, 2]")?.message.contains("object"), true)
        XCTAssertEqual(error(llama("").replacingOccurrences(of: #""hidden_size": 16"#, with: #""hidden_size": "16""#))?.field, "hidden_size")
        XCTAssertEqual(error(llama("").replacingOccurrences(of: #""hidden_size": 16, "#, with: ""))?.field, "hidden_size")
        XCTAssertEqual(error(llama("").replacingOccurrences(of: #""num_key_value_heads": 2"#, with: #""num_key_value_heads": 3"#))?.field, "num_key_value_heads")
        XCTAssertEqual(error(llama("").replacingOccurrences(of: #""vocab_size": 32"#, with: #""vocab_size": 1e300"#))?.field, "vocab_size")
        XCTAssertEqual(error(llama("").replacingOccurrences(of: #""num_hidden_layers": 2"#, with: #""num_hidden_layers": -1"#))?.field, "num_hidden_layers")
        XCTAssertEqual(error(llama(#", "tie_word_embeddings": 1"#))?.field, "tie_word_embeddings")
        XCTAssertEqual(error(llama(#", "layer_types": ["full_attention"]"#))?.field, "layer_types")
        XCTAssertEqual(error(llama(#", "head_dim": 7"#))?.field, "head_dim")
        XCTAssertEqual(error(llama(#", "max_position_embeddings": 0"#))?.field, "max_position_embeddings")
        XCTAssertEqual(error(llama(#", "max_position_embeddings": -1"#))?.field, "max_position_embeddings")
        XCTAssertEqual(error(llama(#", "hidden_act": "banana""#))?.field, "hidden_act")
        XCTAssertNil(error(llama(#", "hidden_act": "silu""#)))
    }

    func testMoEFields() throws {
        let base = #"{"model_type": "qwen2_moe", "vocab_size": 32, "hidden_size": 16, "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 24, "moe_intermediate_size": 8, "num_experts": 6, "num_experts_per_tok": 2%@}"#
        let q = try config(base.replacingOccurrences(of: "%@", with: #", "decoder_sparse_step": 2, "mlp_only_layers": [3], "shared_expert_intermediate_size": 12, "norm_topk_prob": true"#))
        XCTAssertEqual(q.moeLayers, [false, true, false, false])
        XCTAssertEqual(q.moe, MoEConfig(expertCount: 6, topK: 2, expertIntermediateSize: 8, sharedExpertIntermediateSize: 12,
                                        sharedExpertGated: true, routing: .softmaxTopK(renormalize: true)))
        XCTAssertEqual(error(base.replacingOccurrences(of: #""num_experts_per_tok": 2"#, with: #""num_experts_per_tok": 7"#).replacingOccurrences(of: "%@", with: ""))?.field,
                       "num_experts_per_tok")
    }

    func testSlidingWindowPerFamily() throws {
        let mistral = try config(llama(#", "sliding_window": 5"#).replacingOccurrences(of: #""llama""#, with: #""mistral""#))
        XCTAssertEqual(mistral.slidingWindow, [5, 5])
        let qwen = try config(llama(#", "sliding_window": 7, "use_sliding_window": true, "max_window_layers": 1"#).replacingOccurrences(of: #""llama""#, with: #""qwen2""#))
        XCTAssertEqual(qwen.slidingWindow, [nil, 7])
        let v5 = try config(llama(#", "sliding_window": 3, "layer_types": ["sliding_attention", "full_attention"]"#).replacingOccurrences(of: #""llama""#, with: #""qwen2""#))
        XCTAssertEqual(v5.slidingWindow, [3, nil])
    }
}
