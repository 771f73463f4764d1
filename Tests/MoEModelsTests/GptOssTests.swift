import Foundation
import MoEKernels
@testable import MoEModels
import MoETestFixtures
import XCTest

/// GPT-OSS beyond the shared parity tests: its config defaults and errors, YaRN frequencies,
/// the bounded cache of sliding-window layers, and prefix reuse across that window.
final class GptOssTests: XCTestCase, ConfigParsing {
    let pool = ThreadPool(threadCount: 2)
    let base = """
        {"model_type": "gpt_oss", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 4,
         "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 32,
         "num_local_experts": 4, "num_experts_per_tok": 2%@}
        """

    func gptOSS(_ extra: String) -> String { base.replacingOccurrences(of: "%@", with: extra) }

    func testDefaultsFollowTransformersConfig() throws {
        let c = try config(gptOSS(""))
        XCTAssertEqual(c.slidingWindow, [128, nil, 128, nil], "sliding first, window 128")
        XCTAssertTrue(c.qkvBias && c.outputBias && c.attentionSinks)
        XCTAssertEqual(c.moe?.routing, .topKSoftmax)
        XCTAssertEqual(c.moe?.routerBias, true)
        XCTAssertEqual(c.moe?.expertActivation, .clampedSwiGLU(limit: 7, alpha: 1.702))
        XCTAssertEqual(c.moe?.expertsMXFP4, false)
        XCTAssertEqual(c.rope.theta, 150_000)
        XCTAssertEqual(c.rope.scaling, .gptOSSDefault)
        XCTAssertEqual(c.rope.attentionFactor, 0.1 * log(32) + 1, accuracy: 1e-12)
        let listed = try config(gptOSS(#", "sliding_window": 4, "layer_types": ["full_attention", "sliding_attention", "full_attention", "full_attention"]"#))
        XCTAssertEqual(listed.slidingWindow, [nil, 4, nil, nil])
        XCTAssertEqual(listed.cacheBytesPerToken, 3 * 2 * 2 * 16 * 4, "the sliding layer's cache does not grow")
        XCTAssertEqual(listed.slidingWindowCacheBytes, 4 * 4 * 2 * 2 * 16 * 4)
        let mxfp4 = try config(gptOSS(#", "quantization_config": {"quant_method": "mxfp4"}"#))
        XCTAssertEqual(mxfp4.moe?.expertsMXFP4, true)
    }

    func testReleasedConfigReads() throws {
        // openai/gpt-oss-20b's config.json (transformers v4 form: rope_scaling at the top level).
        let types = (0..<24).map { $0 % 2 == 0 ? #""sliding_attention""# : #""full_attention""# }.joined(separator: ", ")
        let released = """
            {"architectures": ["GptOssForCausalLM"], "attention_bias": true, "attention_dropout": 0.0, "eos_token_id": 200002,
             "experts_per_token": 4, "head_dim": 64, "hidden_act": "silu", "hidden_size": 2880, "initial_context_length": 4096,
             "intermediate_size": 2880, "layer_types": [\(types)],
             "max_position_embeddings": 131072, "model_type": "gpt_oss", "num_attention_heads": 64, "num_experts_per_tok": 4,
             "num_hidden_layers": 24, "num_key_value_heads": 8, "num_local_experts": 32, "pad_token_id": 199999,
             "quantization_config": {"modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router",
                                     "model.embed_tokens", "lm_head"], "quant_method": "mxfp4"},
             "rms_norm_eps": 1e-05, "rope_scaling": {"beta_fast": 32.0, "beta_slow": 1.0, "factor": 32.0,
             "original_max_position_embeddings": 4096, "rope_type": "yarn", "truncate": false}, "rope_theta": 150000,
             "sliding_window": 128, "swiglu_limit": 7.0, "tie_word_embeddings": false, "vocab_size": 201088}
            """
        let c = try config(released)
        XCTAssertEqual(c.layerCount, 24)
        XCTAssertEqual(c.slidingWindow.compactMap { $0 }.count, 12)
        XCTAssertEqual(c.slidingWindow[0], 128)
        XCTAssertNil(c.slidingWindow[1])
        XCTAssertEqual(c.moe?.expertCount, 32)
        XCTAssertEqual(c.moe?.topK, 4)
        XCTAssertEqual(c.moe?.expertsMXFP4, true)
        XCTAssertEqual(c.rope.scaling, .gptOSSDefault)
        XCTAssertEqual(c.eosTokenIds, [200002])
    }

    func testBadConfigsNameTheField() {
        XCTAssertEqual(error(gptOSS(#", "quantization_config": {"quant_method": "fp8"}"#))?.field, "quantization_config.quant_method")
        XCTAssertEqual(error(gptOSS(#", "swiglu_limit": 0"#))?.field, "swiglu_limit")
        XCTAssertEqual(error(gptOSS(#", "sliding_window": 0"#))?.field, "sliding_window")
        XCTAssertEqual(error(gptOSS(#", "rope_parameters": {"rope_type": "yarn", "factor": 32}"#))?.field,
                       "rope_parameters.original_max_position_embeddings")
    }

    func testYarnFrequenciesMatchTransformers() {
        // transformers' _compute_yarn_parameters for head_dim 16, theta 150000, factor 32 over
        // 4096 positions, betas 32 / 1, not truncated (float32 there: 1e-5 relative).
        let rope = RopeConfig(theta: 150_000, scaling: .gptOSSDefault)
        let f = rope.inverseFrequencies(dimension: 16)
        let expected = [1, 0.225418, 0.05081327, 0.006794959, 0.0004564839, 1.818834e-05, 4.099978e-06, 9.24209e-07]
        for (a, b) in zip(f, expected) { XCTAssertEqual(a, b, accuracy: 1e-5 * b) }
    }

    func testSlidingLayersKeepOnlyTheirWindow() throws {
        let fixture = try ModelFixture.load("gpt_oss-base")
        let model = try Transformer(path: fixture.folder, pool: pool)
        guard let ids = fixture.cases.last?.inputIDs, let window = model.config.slidingWindow[0] else {
            return XCTFail("gpt_oss-base needs a long case and a sliding first layer")
        }
        let cache = model.makeCache(capacity: ids.count)
        _ = try model.forward(Array(ids[..<20]), cache: cache)
        for id in ids[20...] { _ = try model.forward([id], cache: cache) }
        for (layer, state) in cache.layers.enumerated() {
            guard case .attention(let kv) = state else { return XCTFail("layer \(layer) has no key/value cache") }
            if model.config.slidingWindow[layer] != nil {
                XCTAssertLessThanOrEqual(kv.keys.rows, max(64, 4 * window), "layer \(layer)")
                XCTAssertGreaterThan(kv.first, 0, "layer \(layer) dropped rows no query sees")
            } else {
                XCTAssertGreaterThanOrEqual(kv.keys.rows, ids.count, "layer \(layer) keeps every position")
            }
        }
    }

    func testPrefixReuseEqualsAFreshRunOrStartsOver() throws {
        let fixture = try ModelFixture.load("gpt_oss-base")
        let model = try Transformer(path: fixture.folder, pool: pool)
        guard let ids = fixture.cases.last?.inputIDs, ids.count >= 120, let window = model.config.slidingWindow[0] else {
            return XCTFail("gpt_oss-base needs a long case and a sliding first layer")
        }
        let cache = model.makeCache(capacity: ids.count)
        _ = try model.forward(Array(ids[..<60]), cache: cache)
        for id in ids[60..<120] { _ = try model.forward([id], cache: cache) }
        // Back by one window: the sliding layers still hold the window before it.
        let target = 120 - window
        XCTAssertEqual(cache.rewind(toAtMost: target), target)
        let resumed = try model.forward(Array(ids[target..<116]), cache: cache)
        let fresh = try model.forward(Array(ids[..<116]), cache: model.makeCache(capacity: ids.count))
        for t in target..<116 {
            XCTAssertLessThanOrEqual(relativeL2(fresh.rowArray(t), resumed.rowArray(t - target)), 1e-5, "position \(t)")
        }
        // Back to 10: those rows are gone, so the cache starts over.
        XCTAssertEqual(cache.rewind(toAtMost: 10), 0)
        XCTAssertEqual(cache.length, 0)
        let again = try model.forward(Array(ids[..<116]), cache: cache)
        XCTAssertLessThanOrEqual(relativeL2(fresh.rowArray(115), again.rowArray(115)), 1e-6)
    }
}
