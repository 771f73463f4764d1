/// Health of one MoE layer's routing, from how many assignments each expert received.
public struct ExpertLoadMetrics: Sendable, Equatable {
    /// Assignments per expert. `(experts)`
    public let load: [Int]
    /// Entropy of the load distribution divided by `log(experts)`: 1 is perfectly even.
    public let normalizedEntropy: Double
    /// Standard deviation of the load over its mean (0 is perfectly even).
    public let coefficientOfVariation: Double
    /// Largest load over the mean load, minus 1 (0 is perfectly even).
    public let maxViolation: Double
    /// Experts that received nothing.
    public let deadExperts: Int

    /// Metrics of `load`.
    public init(load: [Int]) {
        self.load = load
        let n = Double(load.count), total = Double(load.reduce(0, +))
        guard load.count > 1, total > 0 else {
            normalizedEntropy = load.count == 1 ? 1 : 0
            coefficientOfVariation = 0
            maxViolation = 0
            deadExperts = total > 0 ? 0 : load.count
            return
        }
        var entropy = 0.0
        for c in load where c > 0 {
            let p = Double(c) / total
            entropy -= p * Math.log(p)
        }
        normalizedEntropy = entropy / Math.log(n)
        let mean = total / n
        let variance = load.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        coefficientOfVariation = variance.squareRoot() / mean
        maxViolation = Double(load.max() ?? 0) / mean - 1
        deadExperts = load.filter { $0 == 0 }.count
    }
}
