import MoEKernels
import MoEModels

/// A conversation with a model: the cache and the tokens it holds persist between
/// `generate` calls, so a follow-up whose prompt extends the previous context only runs
/// the new tokens (a chat turn re-renders the whole conversation; its shared prefix is
/// reused from the cache).
public final class GenerationSession {
    /// The model.
    public let model: Transformer
    /// Tokens the cache holds (keys and values, or recurrent state), in order.
    public private(set) var cachedTokens: [Int] = []
    private let cache: ModelCache

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
        // A recurrent model resumes from its latest checkpoint inside the shared prefix.
        var shared = 0
        while shared < min(cachedTokens.count, prompt.count - 1), cachedTokens[shared] == prompt[shared] { shared += 1 }
        shared = cache.rewind(toAtMost: shared)
        cachedTokens.removeLast(cachedTokens.count - shared)
        let stops = stopTokens ?? Set(model.config.eosTokenIds)
        var context = prompt
        let clock = ContinuousClock()
        var started = clock.now
        let fresh = Array(prompt[shared...])
        var pending = fresh
        if cache.isRecurrent, fresh.count > 1 {
            // Recurrent state cannot be cut back: save it before the prompt's last token, so
            // that the next turn (or the same prompt again) resumes from here.
            _ = try model.forward(Array(fresh.dropLast()), cache: cache, logits: .last, trace: trace)
            cache.checkpoint()
            pending = [fresh[fresh.count - 1]]
        }
        var logits = try model.forward(pending, cache: cache, logits: .last, trace: trace)
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
