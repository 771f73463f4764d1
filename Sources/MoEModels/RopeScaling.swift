import Foundation

/// Rotary position embedding parameters: base frequency and optional frequency scaling.
public struct RopeConfig: Sendable, Equatable {
    /// How the inverse frequencies are rescaled for longer contexts.
    public enum Scaling: Sendable, Equatable {
        /// Plain RoPE.
        case none
        /// Position interpolation: every inverse frequency divided by `factor`.
        case linear(factor: Double)
        /// Llama 3's piecewise rescaling of low and medium frequencies.
        case llama3(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalMaxPositions: Double)
        /// Each inverse frequency divided by its own factor: GGUF's `rope_freqs.weight`, the
        /// form llama.cpp's converter stores Llama 3 scaling in. `(dimension / 2)`
        case frequencyFactors([Double])
        /// YaRN: frequencies blended between `1/factor`-interpolated and unscaled across the
        /// dimensions whose rotations over `originalMaxPositions` fall between `betaSlow` and
        /// `betaFast` (bounds rounded outward when `truncate`), and cos/sin scaled by
        /// `attentionFactor`.
        case yarn(factor: Double, originalMaxPositions: Double, betaFast: Double, betaSlow: Double, truncate: Bool,
                  attentionFactor: Double)
    }

    /// Base of the geometric frequency progression (`rope_theta`).
    public var theta: Double
    /// Frequency rescaling.
    public var scaling: Scaling

    /// RoPE with base `theta` and the given scaling.
    public init(theta: Double, scaling: Scaling = .none) {
        self.theta = theta
        self.scaling = scaling
    }

    /// Inverse frequencies for a rotary dimension of `dimension` (even), in the order the
    /// rotate-half layout pairs them: `(dimension / 2)`.
    ///
    /// Mirrors transformers' `ROPE_INIT_FUNCTIONS` for `default`, `linear`, `llama3` and `yarn`.
    public func inverseFrequencies(dimension: Int) -> [Double] {
        let base = (0..<(dimension / 2)).map { i in 1.0 / pow(theta, Double(2 * i) / Double(dimension)) }
        switch scaling {
        case .none:
            return base
        case .linear(let factor):
            return base.map { $0 / factor }
        case .frequencyFactors(let factors):
            return zip(base, factors).map { $0 / $1 }
        case .yarn(let factor, let original, let fast, let slow, let truncate, _):
            let d = Double(dimension)
            func correction(_ rotations: Double) -> Double {
                d * log(original / (rotations * 2 * Double.pi)) / (2 * log(theta))
            }
            var low = correction(fast), high = correction(slow)
            if truncate {
                low = low.rounded(.down)
                high = high.rounded(.up)
            }
            low = max(low, 0)
            high = min(high, d - 1)
            if low == high { high += 0.001 }
            return base.enumerated().map { i, f in
                let ramp = min(max((Double(i) - low) / (high - low), 0), 1)
                let extrapolation = 1 - ramp
                return f / factor * ramp + f * extrapolation
            }
        case .llama3(let factor, let low, let high, let original):
            let lowWavelength = original / low
            let highWavelength = original / high
            return base.map { f in
                let wavelength = 2 * Double.pi / f
                if wavelength < highWavelength { return f }
                if wavelength > lowWavelength { return f / factor }
                let smooth = (original / wavelength - low) / (high - low)
                return (1 - smooth) * f / factor + smooth * f
            }
        }
    }

    /// The factor cos and sin are multiplied by: YaRN's attention factor, else 1.
    public var attentionFactor: Double {
        if case .yarn(_, _, _, _, _, let a) = scaling { return a }
        return 1
    }

    /// Reads `rope_parameters` (transformers v5) or top-level `rope_theta` / `rope_scaling`
    /// (transformers v4 and most hub checkpoints).
    static func read(_ json: JSONFields, defaultTheta: Double) throws -> RopeConfig {
        let parameters = try json.optionalObject("rope_parameters") ?? json.optionalObject("rope_scaling")
        let theta = try parameters?.optionalDouble("rope_theta") ?? json.optionalDouble("rope_theta") ?? defaultTheta
        guard theta > 1 else {
            throw ConfigError(file: json.file, field: "rope_theta", "expected a base > 1, found \(theta)")
        }
        guard let p = parameters else { return RopeConfig(theta: theta, scaling: .none) }
        let type = try p.optionalString("rope_type") ?? p.optionalString("type") ?? "default"
        switch type {
        case "default":
            return RopeConfig(theta: theta, scaling: .none)
        case "linear":
            return RopeConfig(theta: theta, scaling: .linear(factor: try positive(p, "factor")))
        case "llama3":
            let low = try positive(p, "low_freq_factor")
            let high = try positive(p, "high_freq_factor")
            guard high > low else {
                throw ConfigError(file: p.file, field: p.path + "high_freq_factor", "must exceed low_freq_factor")
            }
            return RopeConfig(theta: theta, scaling: .llama3(
                factor: try positive(p, "factor"), lowFreqFactor: low, highFreqFactor: high,
                originalMaxPositions: try positive(p, "original_max_position_embeddings")))
        case "yarn":
            return RopeConfig(theta: theta, scaling: try yarn(p))
        default:
            throw ConfigError(file: p.file, field: p.path + "rope_type",
                              "unsupported RoPE type '\(type)' (supported: default, linear, llama3, yarn)")
        }
    }

    /// YaRN's fields as transformers reads them: `beta_fast` / `beta_slow` default to 32 / 1
    /// (also when 0), `truncate` to true; `attention_factor`, when absent, is
    /// `mscale(factor, mscale) / mscale(factor, mscale_all_dim)` if both are given, else
    /// `mscale(factor)`, with `mscale(s, m) = 0.1 m ln(s) + 1` for `s > 1`, else 1.
    private static func yarn(_ p: JSONFields) throws -> Scaling {
        let factor = try positive(p, "factor")
        let original = try positive(p, "original_max_position_embeddings")
        func nonzero(_ key: String, _ fallback: Double) throws -> Double {
            let v = try p.optionalDouble(key) ?? 0
            return v == 0 ? fallback : v
        }
        func mscale(_ m: Double) -> Double { factor <= 1 ? 1 : 0.1 * m * log(factor) + 1 }
        var attention = try p.optionalDouble("attention_factor")
        if attention == nil {
            let m = try p.optionalDouble("mscale") ?? 0, all = try p.optionalDouble("mscale_all_dim") ?? 0
            attention = m != 0 && all != 0 ? mscale(m) / mscale(all) : mscale(1)
        }
        return .yarn(factor: factor, originalMaxPositions: original, betaFast: try nonzero("beta_fast", 32),
                     betaSlow: try nonzero("beta_slow", 1), truncate: try p.optionalBool("truncate") ?? true,
                     attentionFactor: attention ?? 1)
    }

    private static func positive(_ p: JSONFields, _ key: String) throws -> Double {
        let v = try p.double(key)
        guard v > 0 else { throw ConfigError(file: p.file, field: p.path + key, "expected a positive number, found \(v)") }
        return v
    }
}
