import MoEKernels
import MoEModels

/// Why generation ended.
public enum StopReason: String, Sendable {
    /// The requested number of tokens was produced.
    case length
    /// Prompt and reply fill the context (the session's capacity).
    case contextFull = "context_full"
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
    /// Prompt tokens whose keys and values were reused from an earlier call.
    public var reusedPromptTokens = 0

    /// Prompt tokens per second.
    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
    /// Generated tokens per second after the first.
    public var decodeTokensPerSecond: Double {
        let total = stepSeconds.reduce(0, +)
        return total > 0 ? Double(stepSeconds.count) / total : 0
    }
}

/// Runs prefill then token-by-token decoding with a fresh KV cache per call.
public struct Generator {
    /// The model.
    public let model: Transformer

    /// Wraps `model`.
    public init(model: Transformer) { self.model = model }

    /// Generates up to `maxTokens` tokens after `prompt`, within the model's context
    /// (`max_position_embeddings`); see ``GenerationSession``.
    public func generate(
        prompt: [Int], maxTokens: Int, sampling: SamplingParameters, stopAtEndOfSequence: Bool = true,
        trace: RoutingTrace? = nil, onToken: (Int) -> Bool = { _ in true }
    ) throws -> GenerationResult {
        let wanted = prompt.count.addingReportingOverflow(max(0, maxTokens))
        let capacity = min(wanted.overflow ? Int.max : wanted.partialValue, max(0, model.config.maxPositionEmbeddings))
        let session = GenerationSession(model: model, capacity: capacity)
        return try session.generate(prompt: prompt, maxTokens: maxTokens, sampling: sampling,
                                    stopAtEndOfSequence: stopAtEndOfSequence, trace: trace, onToken: onToken)
    }
}
