/// How the next token is picked from the logits. The defaults are greedy decoding.
///
/// Applied in Hugging Face's order: repetition penalty, temperature, top-k, top-p, min-p.
public struct SamplingParameters: Sendable, Equatable {
    /// 0 picks the most likely token (greedy); otherwise logits are divided by it.
    public var temperature: Float = 0
    /// Keep only the `topK` most likely tokens (0: off).
    public var topK: Int = 0
    /// Keep the smallest set of tokens whose probability sums to at least `topP` (1: off).
    public var topP: Float = 1
    /// Drop tokens less likely than `minP` times the most likely one (0: off).
    public var minP: Float = 0
    /// Penalise tokens already in the context: positive logits divided by it, negative
    /// ones multiplied (1: off).
    public var repetitionPenalty: Float = 1
    /// Seed of the random generator; nil draws one from the system.
    public var seed: UInt64?

    /// Greedy decoding.
    public init() {}

    /// Parameters with the given values; see the properties.
    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, minP: Float = 0,
                repetitionPenalty: Float = 1, seed: UInt64? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
    }

    /// Checks ranges; the message names the offending parameter.
    public func validate() throws {
        func fail(_ m: String) -> SamplingError { SamplingError(message: m) }
        guard temperature >= 0, temperature.isFinite else { throw fail("temperature must be >= 0, found \(temperature)") }
        guard topK >= 0 else { throw fail("top-k must be >= 0, found \(topK)") }
        guard topP > 0, topP <= 1 else { throw fail("top-p must be in (0, 1], found \(topP)") }
        guard minP >= 0, minP <= 1 else { throw fail("min-p must be in [0, 1], found \(minP)") }
        guard repetitionPenalty > 0, repetitionPenalty.isFinite else {
            throw fail("repetition penalty must be > 0, found \(repetitionPenalty)")
        }
    }
}

/// Invalid sampling parameters.
public struct SamplingError: Error, CustomStringConvertible, Equatable {
    /// What is wrong.
    public let message: String
    /// Same as `message`.
    public var description: String { message }
}
