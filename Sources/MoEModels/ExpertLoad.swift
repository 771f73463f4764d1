import Foundation

/// Balance statistics of one MoE layer's expert load: how evenly tokens were spread.
public struct ExpertLoad: Sendable, Equatable {
    /// Token slots routed to each expert. `(experts)`
    public let counts: [Int]

    /// Wraps per-expert counts.
    public init(counts: [Int]) { self.counts = counts }

    /// Share of the slots each expert received (zeros when nothing was routed). `(experts)`
    public var fractions: [Double] {
        let total = counts.reduce(0, +)
        return counts.map { total > 0 ? Double($0) / Double(total) : 0 }
    }

    /// Entropy of the load divided by log(experts): 1 is perfectly even, 0 is one expert.
    public var normalizedEntropy: Double {
        guard counts.count > 1 else { return 1 }
        let h = fractions.reduce(0.0) { $1 > 0 ? $0 - $1 * log($1) : $0 }
        return h / log(Double(counts.count))
    }

    /// Standard deviation of the counts over their mean (0 is perfectly even).
    public var coefficientOfVariation: Double {
        let n = Double(counts.count)
        let mean = Double(counts.reduce(0, +)) / n
        guard mean > 0 else { return 0 }
        let variance = counts.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return variance.squareRoot() / mean
    }

    /// The busiest expert's load over the mean load, minus 1 (0 is perfectly even).
    public var maxViolation: Double {
        let mean = Double(counts.reduce(0, +)) / Double(counts.count)
        guard mean > 0, let top = counts.max() else { return 0 }
        return Double(top) / mean - 1
    }

    /// Experts that received no tokens.
    public var deadExperts: Int { counts.filter { $0 == 0 }.count }
}
