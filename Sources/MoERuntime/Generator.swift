import MoEKernels
import MoEModels

/// Why generation ended.
public enum StopReason: String, Sendable {
    /// The requested number of tokens was produced.
    case length
    /// An end-of-sequence token was produced.
    case endOfSequence = "eos"
    /// The token callback asked to stop.
    case cancelled
}

/// What one `generate` call produced and how long it took.
public struct GenerationResult: Sendable {
    /// Generated token ids (not including the prompt; including a final EOS, if any).
    public var ids: [Int]
    /// Prompt length in tokens.
    public var promptTokens: Int
    /// Seconds spent on the prompt (prefill), including the first sampled token.
    public var prefillSeconds: Double
    /// Seconds of each decode step after the first token, in order.
    public var stepSeconds: [Double]
    /// Why generation ended.
    public var stopReason: StopReason

    /// Prompt tokens per second.
    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
    /// Generated tokens per second after the first.
    public var decodeTokensPerSecond: Double {
        let total = stepSeconds.reduce(0, +)
        return total > 0 ? Double(stepSeconds.count) / total : 0
    }
}

/// Runs prefill then token-by-token decoding with a KV cache.
public struct Generator {
    /// The model.
    public let model: Transformer

    /// Wraps `model`.
    public init(model: Transformer) { self.model = model }

    /// Generates up to `maxTokens` tokens after `prompt`. `onToken` sees each new id as it
    /// is chosen and returns false to stop. With `stopAtEndOfSequence`, generation ends
    /// after the config's EOS token.
    public func generate(
        prompt: [Int], maxTokens: Int, sampling: SamplingParameters, stopAtEndOfSequence: Bool = true,
        trace: RoutingTrace? = nil, onToken: (Int) -> Bool = { _ in true }
    ) throws -> GenerationResult {
        var sampler = try Sampler(sampling)
        let cache = model.makeCache(capacity: prompt.count + maxTokens)
        var result = GenerationResult(ids: [], promptTokens: prompt.count, prefillSeconds: 0, stepSeconds: [], stopReason: .length)
        guard maxTokens > 0 else { return result }
        let eos = Set(model.config.eosTokenIds)
        var context = prompt
        let clock = ContinuousClock()
        var started = clock.now
        var logits = try model.forward(prompt, cache: cache, logits: .last, trace: trace)
        while true {
            let next = sampler.sample(logits.rowArray(0), context: context)
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            if result.ids.isEmpty { result.prefillSeconds = seconds } else { result.stepSeconds.append(seconds) }
            result.ids.append(next)
            context.append(next)
            if !onToken(next) {
                result.stopReason = .cancelled
                break
            }
            if stopAtEndOfSequence, eos.contains(next) {
                result.stopReason = .endOfSequence
                break
            }
            if result.ids.count >= maxTokens { break }
            started = clock.now
            logits = try model.forward([next], cache: cache, logits: .last, trace: trace)
        }
        return result
    }
}
