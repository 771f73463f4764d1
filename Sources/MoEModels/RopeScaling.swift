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
        /// YaRN: interpolation blended with extrapolation per frequency, and an attention
        /// factor on cos/sin (DeepSeek-V2/V3 also scale the softmax: ``YaRNScaling``).
        case yarn(YaRNScaling)
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
        case .yarn(let yarn):
            return yarn.inverseFrequencies(theta: theta, dimension: dimension)
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

    /// The factor cos and sin are multiplied by (YaRN's attention factor; 1 otherwise).
    public var attentionFactor: Double {
        if case .yarn(let yarn) = scaling { return yarn.attentionFactor }
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
            return RopeConfig(theta: theta, scaling: .yarn(try YaRNScaling.read(p, top: json)))
        default:
            throw ConfigError(file: p.file, field: p.path + "rope_type",
                              "unsupported RoPE type '\(type)' (supported: default, linear, llama3, yarn)")
        }
    }

    static func positive(_ p: JSONFields, _ key: String) throws -> Double {
        let v = try p.double(key)
        guard v > 0 else { throw ConfigError(file: p.file, field: p.path + key, "expected a positive number, found \(v)") }
        return v
    }
}
