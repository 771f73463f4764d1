import Foundation

/// Picks next tokens from logits per `SamplingParameters`, with its own seeded generator.
public struct Sampler: Sendable {
    /// The parameters in force.
    public let parameters: SamplingParameters
    private var random: RandomSource

    /// A sampler; throws if the parameters are out of range.
    public init(_ parameters: SamplingParameters) throws {
        try parameters.validate()
        self.parameters = parameters
        random = RandomSource(seed: parameters.seed ?? UInt64.random(in: .min ... .max))
    }

    /// The next token for `logits` (one row, vocabulary-sized) given the ids already in
    /// the context (for the repetition penalty).
    public mutating func sample(_ logits: [Float], context: [Int]) -> Int {
        var scores = logits
        let p = parameters
        if p.repetitionPenalty != 1 {
            for id in Set(context) where scores.indices.contains(id) {
                scores[id] = scores[id] < 0 ? scores[id] * p.repetitionPenalty : scores[id] / p.repetitionPenalty
            }
        }
        if p.temperature == 0 { return Self.argmax(scores) }

        // Candidates sorted by score, highest first (ties: lower id first).
        var candidates = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        if p.topK > 0, p.topK < candidates.count { candidates.removeLast(candidates.count - p.topK) }
        let top = scores[candidates[0]] / p.temperature
        var probabilities = candidates.map { Double(Foundation.exp(scores[$0] / p.temperature - top)) }
        var total = probabilities.reduce(0, +)
        if p.topP < 1 {
            var cumulative = 0.0, keep = 0
            while keep < probabilities.count {
                cumulative += probabilities[keep] / total
                keep += 1
                if cumulative >= Double(p.topP) { break }
            }
            probabilities.removeLast(probabilities.count - keep)
            candidates.removeLast(candidates.count - keep)
            total = probabilities.reduce(0, +)
        }
        if p.minP > 0 {
            // The most likely candidate has probability 1 / total after normalisation.
            let threshold = Double(p.minP) * probabilities[0]
            let keep = max(1, probabilities.prefix { $0 >= threshold }.count)
            probabilities.removeLast(probabilities.count - keep)
            candidates.removeLast(candidates.count - keep)
            total = probabilities.reduce(0, +)
        }
        var u = Double(random.nextUnitFloat()) * total
        for (i, q) in probabilities.enumerated() {
            u -= q
            if u < 0 { return candidates[i] }
        }
        return candidates[candidates.count - 1]
    }

    /// Index of the largest value (the first one on ties).
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
