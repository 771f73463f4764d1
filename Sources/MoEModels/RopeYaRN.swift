import Foundation

/// YaRN RoPE scaling, as transformers' `_compute_yarn_parameters` computes it: each inverse
/// frequency blends its interpolated (`/ factor`) and original value along a linear ramp
/// between the dimensions that turn `betaFast` and `betaSlow` times over the original
/// context, and cos/sin are multiplied by an attention factor. DeepSeek-V2/V3 also multiply
/// the softmax scale by `mscale(factor, mscaleAllDim)^2` (``softmaxScaleFactor``).
public struct YaRNScaling: Sendable, Equatable {
    /// Context extension factor.
    public var factor: Double
    /// The context the model was pretrained with (`original_max_position_embeddings`).
    public var originalMaxPositions: Double
    /// Rotations bounding the extrapolated (fast) dimensions (`beta_fast`, default 32).
    public var betaFast: Double
    /// Rotations bounding the interpolated (slow) dimensions (`beta_slow`, default 1).
    public var betaSlow: Double
    /// `mscale`, or 0 when absent.
    public var mscale: Double
    /// `mscale_all_dim`, or 0 when absent.
    public var mscaleAllDim: Double
    /// An explicit `attention_factor`, if the config gives one.
    public var explicitAttentionFactor: Double?
    /// Whether the ramp's ends are rounded outwards to whole dimensions (`truncate`, default true).
    public var truncate: Bool

    /// YaRN's `0.1 * m * ln(scale) + 1` (1 for `scale <= 1`).
    static func mscale(_ scale: Double, _ m: Double) -> Double {
        scale <= 1 ? 1 : 0.1 * m * log(scale) + 1
    }

    /// The factor cos and sin are multiplied by.
    public var attentionFactor: Double {
        if let explicitAttentionFactor { return explicitAttentionFactor }
        if mscale != 0 && mscaleAllDim != 0 { return Self.mscale(factor, mscale) / Self.mscale(factor, mscaleAllDim) }
        return Self.mscale(factor, 1)
    }

    /// The factor DeepSeek's multi-head latent attention multiplies its softmax scale by
    /// (transformers' `yarn_apply_mscale`): `mscale(factor, mscaleAllDim)^2`, 1 without `mscale_all_dim`.
    public var softmaxScaleFactor: Double {
        guard mscaleAllDim != 0 else { return 1 }
        let m = Self.mscale(factor, mscaleAllDim)
        return m * m
    }

    /// Inverse frequencies for `dimension` rotary dimensions of base `theta`: `(dimension / 2)`.
    func inverseFrequencies(theta: Double, dimension: Int) -> [Double] {
        func correctionDimension(_ rotations: Double) -> Double {
            Double(dimension) * log(originalMaxPositions / (rotations * 2 * Double.pi)) / (2 * log(theta))
        }
        var low = correctionDimension(betaFast), high = correctionDimension(betaSlow)
        if truncate {
            low = low.rounded(.down)
            high = high.rounded(.up)
        }
        low = max(low, 0)
        high = min(high, Double(dimension - 1))
        if low == high { high += 0.001 }
        return (0..<(dimension / 2)).map { i in
            let f = 1 / pow(theta, Double(2 * i) / Double(dimension))
            let ramp = min(max((Double(i) - low) / (high - low), 0), 1)
            let extrapolation = 1 - ramp
            return f / factor * (1 - extrapolation) + f * extrapolation
        }
    }

    /// Reads the `yarn` entries of `rope_parameters` / `rope_scaling` (`p`); `top` is the
    /// config holding `max_position_embeddings`, which with `original_max_position_embeddings`
    /// gives the factor when `factor` is absent.
    static func read(_ p: JSONFields, top: JSONFields) throws -> YaRNScaling {
        let original = try RopeConfig.positive(p, "original_max_position_embeddings")
        let factor: Double
        if p.has("factor") {
            factor = try RopeConfig.positive(p, "factor")
        } else {
            factor = Double(try top.optionalInt("max_position_embeddings") ?? 4096) / original
        }
        func optional(_ key: String) throws -> Double? {
            guard p.has(key) else { return nil }
            let v = try p.double(key)
            guard v >= 0 else { throw ConfigError(file: p.file, field: p.path + key, "expected a number >= 0, found \(v)") }
            return v
        }
        return YaRNScaling(
            factor: factor, originalMaxPositions: original,
            betaFast: try optional("beta_fast").flatMap { $0 == 0 ? nil : $0 } ?? 32,
            betaSlow: try optional("beta_slow").flatMap { $0 == 0 ? nil : $0 } ?? 1,
            mscale: try optional("mscale") ?? 0, mscaleAllDim: try optional("mscale_all_dim") ?? 0,
            explicitAttentionFactor: try optional("attention_factor"),
            truncate: try p.optionalBool("truncate") ?? true)
    }
}

extension YaRNScaling {
    /// YaRN as llama.cpp reads it from `<arch>.rope.scaling.*`: factor, original context,
    /// betas; cos/sin scaled by `yarn_attn_factor` times YaRN's `0.1 ln(factor) + 1`. DeepSeek's
    /// files add their softmax mscale (`yarn_log_multiplier`), which the family reads.
    init(gguf f: GGUFFields, contextLength: Int) throws {
        let factor = f.double("rope.scaling.factor") ?? 1
        let original = Double(f.optionalInt("rope.scaling.original_context_length") ?? contextLength)
        guard factor > 0, original > 0 else {
            throw f.fail("rope.scaling.factor", "expected a positive factor and original context, found \(factor) and \(original)")
        }
        self.init(factor: factor, originalMaxPositions: original, betaFast: f.double("rope.scaling.yarn_beta_fast") ?? 32,
                  betaSlow: f.double("rope.scaling.yarn_beta_slow") ?? 1, mscale: 0, mscaleAllDim: 0,
                  explicitAttentionFactor: f.double("rope.scaling.yarn_attn_factor").map { $0 * Self.mscale(factor, 1) },
                  truncate: true)
    }
}
