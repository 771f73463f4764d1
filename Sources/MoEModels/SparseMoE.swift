import Foundation
import MoEKernels

/// The sparse MoE feed-forward block, one implementation for every family: a router picks
/// `topK` of `experts` per token (per `rule`), their SwiGLU outputs are mixed by the
/// routing weights, and an optional shared expert (optionally sigmoid-gated) is added.
///
/// Tokens are grouped by expert so each chosen expert runs one matmul over all of its
/// tokens (prefill) instead of one matvec per token.
struct SparseMoE: Sendable {
    /// `(experts, hidden)`
    let router: WeightMatrix
    /// Routed experts, `(experts)`.
    let experts: [FeedForward]
    /// Always-on expert (Qwen2-MoE), if any.
    let shared: FeedForward?
    /// `(1, hidden)`: the shared expert's gate, if it is gated.
    let sharedGate: WeightMatrix?
    let topK: Int
    let rule: RoutingRule

    /// Loads the block `<layer>.<family.moeBlock>`.
    init(_ w: WeightLoader, layerPrefix: String, family: ModelFamily, config c: ModelConfig, moe: MoEConfig) throws {
        let prefix = "\(layerPrefix).\(family.moeBlock)"
        let hidden = c.hiddenSize, inter = moe.expertIntermediateSize
        router = try w.matrix("\(prefix).\(family.router).weight", rows: moe.expertCount, cols: hidden)
        switch family.experts {
        case .separate(let gate, let up, let down):
            experts = try (0..<moe.expertCount).map { e in
                try FeedForward(w, prefix: "\(prefix).experts.\(e)", names: (gate, up, down),
                                hidden: hidden, intermediate: inter)
            }
        case .fused(let input, let output):
            let inputs = try w.stackedMatrices("\(prefix).\(input).weight", count: moe.expertCount, rows: 2 * inter, cols: hidden)
            let outputs = try w.stackedMatrices("\(prefix).\(output).weight", count: moe.expertCount, rows: hidden, cols: inter)
            experts = zip(inputs, outputs).map { i, o in
                FeedForward(gate: i.rows(0, count: inter), up: i.rows(inter, count: inter), down: o)
            }
        }
        if let s = moe.sharedExpertIntermediateSize {
            shared = try FeedForward(w, prefix: "\(prefix).shared_expert", names: ("gate_proj", "up_proj", "down_proj"),
                                     hidden: hidden, intermediate: s)
            sharedGate = moe.sharedExpertGated ? try w.matrix("\(prefix).shared_expert_gate.weight", rows: 1, cols: hidden) : nil
        } else {
            shared = nil
            sharedGate = nil
        }
        topK = moe.topK
        rule = moe.routing
    }

    /// Runs the block on `tokens` rows and reports each token's choice to `trace`.
    ///
    /// - input: `(tokens, hidden)`
    /// - output: `(tokens, hidden)`, overwritten
    func callAsFunction(
        _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens: Int,
        layer: Int, workspace ws: Workspace, pool: ThreadPool, trace: RoutingTrace?
    ) {
        let hidden = router.cols, expertCount = experts.count
        let logits = ws.buffer("moe.logits", rows: tokens, cols: expertCount)
        Kernels.matmul(router, input: input, output: logits.base, tokens: tokens, pool: pool)
        var chosen = [Int](repeating: 0, count: tokens * topK)
        var weights = [Float](repeating: 0, count: tokens * topK)
        chosen.withUnsafeMutableBufferPointer { c in
            weights.withUnsafeMutableBufferPointer { w in
                for t in 0..<tokens {
                    Router.route(logits: logits.row(t), expertCount: expertCount, topK: topK, rule: rule,
                                 experts: c.baseAddress! + t * topK, weights: w.baseAddress! + t * topK)
                }
            }
        }
        trace?.record(layer: layer, experts: chosen, topK: topK)

        // Token lists per expert, in token order.
        var assigned = [[(token: Int, weight: Float)]](repeating: [], count: expertCount)
        for t in 0..<tokens {
            for j in 0..<topK { assigned[chosen[t * topK + j]].append((t, weights[t * topK + j])) }
        }
        output.update(repeating: 0, count: tokens * hidden)
        let largest = assigned.map(\.count).max() ?? 0
        let gathered = ws.buffer("moe.in", rows: largest, cols: hidden)
        let produced = ws.buffer("moe.out", rows: largest, cols: hidden)
        let scratch = (ws.buffer("moe.gate", rows: largest, cols: experts[0].intermediateSize),
                       ws.buffer("moe.up", rows: largest, cols: experts[0].intermediateSize))
        for (e, list) in assigned.enumerated() where !list.isEmpty {
            for (i, item) in list.enumerated() {
                gathered.row(i).update(from: input + item.token * hidden, count: hidden)
            }
            experts[e](gathered.base, output: produced.base, tokens: list.count, scratch: scratch, pool: pool)
            for (i, item) in list.enumerated() {
                VectorOps.addScaled(produced.row(i), scale: item.weight, into: output + item.token * hidden, count: hidden)
            }
        }
        guard let shared else { return }
        let sharedOut = ws.buffer("moe.shared", rows: tokens, cols: hidden)
        let sharedScratch = (ws.buffer("moe.sgate", rows: tokens, cols: shared.intermediateSize),
                             ws.buffer("moe.sup", rows: tokens, cols: shared.intermediateSize))
        shared(input, output: sharedOut.base, tokens: tokens, scratch: sharedScratch, pool: pool)
        let gates = ws.buffer("moe.sharedgate", rows: tokens, cols: 1)
        if let sharedGate {
            Kernels.matmul(sharedGate, input: input, output: gates.base, tokens: tokens, pool: pool)
        }
        for t in 0..<tokens {
            let g: Float = sharedGate == nil ? 1 : 1 / (1 + exp(-gates[t, 0]))
            VectorOps.addScaled(sharedOut.row(t), scale: g, into: output + t * hidden, count: hidden)
        }
    }
}
