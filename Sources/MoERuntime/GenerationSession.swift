import MoEKernels
import MoEModels

/// A conversation with a model: the KV cache and the tokens it holds persist between
/// `generate` calls, so a follow-up whose prompt extends the previous context only runs
/// the new tokens (a chat turn re-renders the whole conversation; its shared prefix is
/// reused from the cache).
public final class GenerationSession {
    /// The model.
    public let model: Transformer
    /// Tokens whose keys and values are in the cache, in order.
    public private(set) var cachedTokens: [Int] = []
    private let cache: KVCache

    /// A session holding up to `capacity` tokens of context.
    public init(model: Transformer, capacity: Int) {
        self.model = model
        cache = model.makeCache(capacity: capacity)
    }

    /// Positions the session can hold.
    public var capacity: Int { cache.capacity }

    /// Generates up to `maxTokens` tokens after `prompt` (the whole context), and stops with
    /// `.contextFull` when prompt and reply fill the capacity; a prompt longer than the
    /// capacity is `ModelError.contextFull`. `onToken` sees each new id as it is chosen and
    /// returns false to stop. With `stopAtEndOfSequence`, generation ends after one of
    /// `stopTokens` (default: the config's EOS tokens).
    public func generate(
        prompt: [Int], maxTokens: Int, sampling: SamplingParameters, stopAtEndOfSequence: Bool = true,
        stopTokens: Set<Int>? = nil, trace: RoutingTrace? = nil, onToken: (Int) -> Bool = { _ in true }
    ) throws -> GenerationResult {
        var sampler = try Sampler(sampling)
        var result = GenerationResult(ids: [], promptTokens: prompt.count, prefillSeconds: 0, stepSeconds: [], stopReason: .length)
        guard maxTokens > 0 else { return result }
        guard !prompt.isEmpty else { throw ModelError.emptyInput }
        guard prompt.count <= cache.capacity else {
            throw ModelError.contextFull(needed: prompt.count, capacity: cache.capacity)
        }
        guard prompt.count < cache.capacity else {
            result.stopReason = .contextFull
            return result
        }
        // Reuse the cached prefix, but always run at least the last prompt token for its logits.
        var shared = 0
        while shared < min(cachedTokens.count, prompt.count - 1), cachedTokens[shared] == prompt[shared] { shared += 1 }
        cache.truncate(to: shared)
        cachedTokens.removeLast(cachedTokens.count - shared)
        let stops = stopTokens ?? Set(model.config.eosTokenIds)
        var context = prompt
        let clock = ContinuousClock()
        var started = clock.now
        let fresh = Array(prompt[shared...])
        var logits = try model.forward(fresh, cache: cache, logits: .last, trace: trace)
        cachedTokens += fresh
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
            if stopAtEndOfSequence, stops.contains(next) {
                result.stopReason = .endOfSequence
                break
            }
            if result.ids.count >= maxTokens { break }
            if context.count >= cache.capacity {
                result.stopReason = .contextFull
                break
            }
            started = clock.now
            logits = try model.forward([next], cache: cache, logits: .last, trace: trace)
            cachedTokens.append(next)
        }
        result.reusedPromptTokens = shared
        return result
    }
}
