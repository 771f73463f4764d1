import Foundation

// Reference: transformers/models/gpt_oss/modeling_gpt_oss.py

extension ModelFamily {
    /// GPT-OSS: attention with q/k/v/o biases and a learned sink logit per head, layers
    /// alternating sliding-window and full attention (`layer_types`; sliding first when
    /// absent), YaRN RoPE; every layer a MoE whose router has a bias and keeps the top k logits
    /// before a softmax over them, with experts computing a clamped SwiGLU with biases.
    static let gptOSS = ModelFamily(
        modelType: "gpt_oss", defaultRopeTheta: 150_000, defaultRMSNormEps: 1e-5,
        moeBlock: "mlp", router: "router", experts: .transposedInterleaved,
        gguf: GGUFArchitecture(name: "gpt-oss", layerTensors: ModelFamily.gptOSSTensors) { gguf, config in
            try config.readGptOSS(gguf: gguf)
        }
    ) { json, config in
        let bias = try json.optionalBool("attention_bias") ?? true
        config.qkvBias = bias
        config.outputBias = bias
        config.attentionSinks = true
        if try json.optionalObject("rope_parameters") == nil, try json.optionalObject("rope_scaling") == nil {
            config.rope.scaling = .gptOSSDefault
        }
        if try json.optionalStringList("layer_types") == nil {
            let window = try json.has("sliding_window") ? ModelConfig.window(json) : 128
            for i in 0..<config.layerCount where i % 2 == 0 { config.slidingWindow[i] = window }
        }
        try config.readMoE(json, intermediateKey: "intermediate_size", routing: .topKSoftmax)
        let limit = try json.optionalDouble("swiglu_limit") ?? 7
        let alpha = try json.optionalDouble("swiglu_alpha") ?? 1.702
        guard limit > 0, alpha > 0 else {
            throw ConfigError(file: json.file, field: limit > 0 ? "swiglu_alpha" : "swiglu_limit",
                              "expected a positive number, found \(limit > 0 ? alpha : limit)")
        }
        config.moe?.routerBias = true
        if let quantization = try json.optionalObject("quantization_config") {
            let method = try quantization.optionalString("quant_method") ?? ""
            guard method == "mxfp4" else {
                throw ConfigError(file: json.file, field: "quantization_config.quant_method",
                                  "unsupported quantization '\(method)' (supported: mxfp4)")
            }
            config.moe?.expertsMXFP4 = true
        }
        config.moe?.expertActivation = .clampedSwiGLU(limit: Float(limit), alpha: Float(alpha))
    }
}

extension ModelFamily {
    /// llama.cpp's names for GPT-OSS's own layer tensors.
    static let gptOSSTensors = [
        "post_attention_layernorm.weight": "post_attention_norm.weight",
        "self_attn.sinks": "attn_sinks.weight",
        "mlp.router.bias": "ffn_gate_inp.bias",
    ]
}

extension ModelConfig {
    /// What llama.cpp's `gpt-oss` files leave to the architecture: every layer's attention has
    /// sinks, even layers use `attention.sliding_window` (llama.cpp's pattern; the file has no
    /// layer list), RoPE is YaRN (`rope.scaling.*`, not truncated, as GPT-OSS's config), the
    /// router has a bias and keeps the top k logits, and the experts' clamped SwiGLU uses
    /// llama.cpp's built-in limit 7 and alpha 1.702.
    mutating func readGptOSS(gguf: GGUFFields) throws {
        attentionSinks = true
        let window = try gguf.int("attention.sliding_window")
        for i in 0..<layerCount where i % 2 == 0 { slidingWindow[i] = window }
        if case .yarn(var yarn) = rope.scaling {
            yarn.truncate = false
            rope.scaling = .yarn(yarn)
        }
        moe?.routing = .topKSoftmax
        moe?.routerBias = true
        moe?.expertActivation = .clampedSwiGLU(limit: 7, alpha: 1.702)
    }
}

extension RopeConfig.Scaling {
    /// GPT-OSS's RoPE scaling when the config names none (transformers' `GptOssConfig`):
    /// YaRN, factor 32 over 4096 original positions, betas 32 / 1, not truncated.
    static let gptOSSDefault = RopeConfig.Scaling.yarn(YaRNScaling(
        factor: 32, originalMaxPositions: 4096, betaFast: 32, betaSlow: 1, mscale: 0, mscaleAllDim: 0,
        explicitAttentionFactor: nil, truncate: false))
}
