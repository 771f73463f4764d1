import MoEKernels

/// Turns one token's router logits into its chosen experts and their mixing weights, in
/// f32, per the family's routing rule (DESIGN.md §3).
public enum Router {
    /// Writes the `topK` chosen experts (highest first) and their weights. A selection bias
    /// (DeepSeek-V3's `e_score_correction_bias`, or `moe train --balance bias`) is added to
    /// the scores the experts are chosen by (probabilities or logits, per `rule`), not to the
    /// weights.
    ///
    /// - logits: `(expertCount)`, consumed as scratch
    /// - selectionBias: `(expertCount)`
    /// - experts, weights: `(topK)`
    static func route(
        logits: UnsafeMutablePointer<Float>, expertCount: Int, topK: Int, rule: RoutingRule, selectionBias: [Float]? = nil,
        experts: UnsafeMutablePointer<Int>, weights: UnsafeMutablePointer<Float>
    ) {
        if case .softmaxTopK = rule { Kernels.softmax(logits, count: expertCount) }
        if let selectionBias {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: expertCount) { scores in
                for e in 0..<expertCount { scores[e] = logits[e] + selectionBias[e] }
                selectTopK(scores.baseAddress!, count: expertCount, k: topK, experts: experts)
            }
        } else {
            selectTopK(logits, count: expertCount, k: topK, experts: experts)
        }
        for i in 0..<topK { weights[i] = logits[experts[i]] }
        switch rule {
        case .softmaxTopK(let renormalize):
            guard renormalize else { return }
            var sum: Float = 0
            for i in 0..<topK { sum += weights[i] }
            for i in 0..<topK { weights[i] /= sum }
        case .topKSoftmax:
            Kernels.softmax(weights, count: topK)
        }
    }

    /// Indices of the `k` largest values, largest first; ties go to the lower index. The one
    /// rule by which inference and `moe train` choose experts.
    ///
    /// - values: `(count)`
    /// - experts: `(k)`
    public static func selectTopK(_ values: UnsafePointer<Float>, count: Int, k: Int, experts: UnsafeMutablePointer<Int>) {
        var chosen = 0
        while chosen < k {
            var best = -1
            for e in 0..<count where !(0..<chosen).contains(where: { experts[$0] == e }) {
                if best < 0 || values[e] > values[best] { best = e }
            }
            experts[chosen] = best
            chosen += 1
        }
    }
}
