import Foundation
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
        if case .grouped(let g) = rule {
            routeGrouped(logits: logits, expertCount: expertCount, topK: topK, rule: g, selectionBias: selectionBias,
                         experts: experts, weights: weights)
            return
        }
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
        case .grouped:
            break
        }
    }

    /// DeepSeek's rule: scores, choice scores (plus the selection bias), the best
    /// `topGroups` groups by their group score, the top k of their experts, weights from
    /// the unbiased scores (renormalised with transformers' 1e-20 guard) times the scale.
    /// The config guarantees `groups` divides `expertCount` and the allowed groups hold at
    /// least `topK` experts.
    ///
    /// - logits: `(expertCount)`, consumed as scratch
    private static func routeGrouped(
        logits: UnsafeMutablePointer<Float>, expertCount: Int, topK: Int, rule: GroupedRouting, selectionBias: [Float]?,
        experts: UnsafeMutablePointer<Int>, weights: UnsafeMutablePointer<Float>
    ) {
        switch rule.scoring {
        case .softmax: Kernels.softmax(logits, count: expertCount)
        case .sigmoid: for e in 0..<expertCount { logits[e] = 1 / (1 + exp(-logits[e])) }
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: expertCount + rule.groups) { scratch in
            let base = scratch.baseAddress!
            let choice = base                                // (expertCount)
            let groupScores = base + expertCount             // (groups)
            for e in 0..<expertCount { choice[e] = logits[e] + (selectionBias?[e] ?? 0) }
            if rule.topGroups < rule.groups {
                let size = expertCount / rule.groups
                for g in 0..<rule.groups {
                    let members = choice + g * size
                    var best = -Float.infinity, second = -Float.infinity
                    for i in 0..<size {
                        let v = members[i]
                        if v > best { (best, second) = (v, best) } else if v > second { second = v }
                    }
                    groupScores[g] = rule.groupScore == .max ? best : best + second
                }
                withUnsafeTemporaryAllocation(of: Int.self, capacity: rule.topGroups) { kept in
                    selectTopK(groupScores, count: rule.groups, k: rule.topGroups, experts: kept.baseAddress!)
                    for g in 0..<rule.groups where !kept.contains(g) {
                        (choice + g * size).update(repeating: -.infinity, count: size)
                    }
                }
            }
            selectTopK(choice, count: expertCount, k: topK, experts: experts)
        }
        var sum: Float = 0
        for i in 0..<topK {
            weights[i] = logits[experts[i]]
            sum += weights[i]
        }
        let scale = rule.renormalize ? rule.scale / (sum + 1e-20) : rule.scale
        for i in 0..<topK { weights[i] *= scale }
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
