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
    /// `(experts)`: added to the routing scores when experts are chosen, if the checkpoint
    /// has `<router>.e_score_correction_bias`.
    let selectionBias: [Float]?
    /// Routed experts, `(experts)`.
    let experts: [FeedForward]
    /// Always-on expert (Qwen2-MoE; DeepSeek's shared experts as one), if any.
    let shared: FeedForward?
    /// `(1, hidden)`: the shared expert's gate, if it is gated.
    let sharedGate: WeightMatrix?
    let topK: Int
    let rule: RoutingRule
    /// `(experts)`: the router's linear bias, added to its logits before routing.
    let routerBias: [Float]?
    /// What each routed expert computes between its projections.
    let activation: ExpertActivation
    /// Per expert, biases of its projections (GPT-OSS). `(experts)`
    let expertBiases: [ExpertBiases]?
    /// Expert matrices converted at load, kept alive for `experts`.
    let ownedWeights: [WeightStorage]

    /// Loads the block `<layer>.<family.moeBlock>`.
    init(_ w: WeightLoader, layerPrefix: String, family: ModelFamily, config c: ModelConfig, moe: MoEConfig) throws {
        let prefix = "\(layerPrefix).\(family.moeBlock)"
        let hidden = c.hiddenSize, inter = moe.expertIntermediateSize
        router = try w.matrix("\(prefix).\(family.router).weight", rows: moe.expertCount, cols: hidden)
        selectionBias = try w.optionalVector("\(prefix).\(family.router).e_score_correction_bias", count: moe.expertCount)
        routerBias = moe.routerBias ? try w.vector("\(prefix).\(family.router).bias", count: moe.expertCount) : nil
        activation = moe.expertActivation
        var biases: [ExpertBiases]?
        var owned: [WeightStorage] = []
        switch family.experts {
        case .separate where w.source.tensor("\(prefix).experts.gate_up_proj") != nil:
            // transformers v5's own storage: `(experts, 2 * inter, hidden)` gate rows then up
            // rows, and `(experts, hidden, inter)`.
            experts = try Self.stacked(w, input: "\(prefix).experts.gate_up_proj", output: "\(prefix).experts.down_proj",
                                       count: moe.expertCount, hidden: hidden, intermediate: inter)
        case .separate(let gate, let up, let down):
            experts = try (0..<moe.expertCount).map { e in
                try FeedForward(w, prefix: "\(prefix).experts.\(e)", names: (gate, up, down),
                                hidden: hidden, intermediate: inter)
            }
            if case .clampedSwiGLU = moe.expertActivation {
                biases = try BiasedExperts.separateBiases(w, prefix: prefix, names: (gate, up, down), count: moe.expertCount,
                                                          hidden: hidden, intermediate: inter)
            }
        case .fused(let input, let output):
            experts = try Self.stacked(w, input: "\(prefix).\(input).weight", output: "\(prefix).\(output).weight",
                                       count: moe.expertCount, hidden: hidden, intermediate: inter)
        case .transposedInterleaved:
            let loaded = try BiasedExperts(w, prefix: prefix, count: moe.expertCount, hidden: hidden, intermediate: inter,
                                           mxfp4: moe.expertsMXFP4)
            experts = loaded.experts
            biases = loaded.biases
            owned = loaded.storage
        }
        expertBiases = biases
        ownedWeights = owned
        if let s = moe.sharedExpertIntermediateSize {
            shared = try FeedForward(w, prefix: "\(prefix).\(family.sharedExpert)", names: ("gate_proj", "up_proj", "down_proj"),
                                     hidden: hidden, intermediate: s)
            sharedGate = moe.sharedExpertGated ? try w.matrix("\(prefix).shared_expert_gate.weight", rows: 1, cols: hidden) : nil
        } else {
            shared = nil
            sharedGate = nil
        }
        topK = moe.topK
        rule = moe.routing
    }

    /// Experts stored as two stacked tensors: `input` `(count, 2 * intermediate, hidden)`,
    /// gate rows then up rows, and `output` `(count, hidden, intermediate)`.
    private static func stacked(
        _ w: WeightLoader, input: String, output: String, count: Int, hidden: Int, intermediate: Int
    ) throws -> [FeedForward] {
        let inputs = try w.stackedMatrices(input, count: count, rows: 2 * intermediate, cols: hidden)
        let outputs = try w.stackedMatrices(output, count: count, rows: hidden, cols: intermediate)
        return zip(inputs, outputs).map { i, o in
            FeedForward(gate: i.rows(0, count: intermediate), up: i.rows(intermediate, count: intermediate), down: o)
        }
    }

    /// Runs the block on `tokens` rows and reports each token's choice to `trace`.
    ///
    /// - input: `(tokens, hidden)`
    /// - output: `(tokens, hidden)`, overwritten
    func callAsFunction(
        _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens: Int,
        layer: Int, workspace ws: Workspace, pool: ThreadPool, trace: RoutingTrace?
    ) {
        if tokens == 1 {
            decodeOne(input, output: output, layer: layer, workspace: ws, pool: pool, trace: trace)
            return
        }
        let hidden = router.cols, expertCount = experts.count
        let logits = ws.buffer("moe.logits", rows: tokens, cols: expertCount)
        Kernels.matmul(router, input: input, output: logits.base, tokens: tokens, pool: pool)
        if let routerBias { VectorOps.addBias(routerBias, to: logits.base, rows: tokens) }
        var chosen = [Int](repeating: 0, count: tokens * topK)
        var weights = [Float](repeating: 0, count: tokens * topK)
        chosen.withUnsafeMutableBufferPointer { c in
            weights.withUnsafeMutableBufferPointer { w in
                guard let cp = c.baseAddress, let wp = w.baseAddress else { return }
                for t in 0..<tokens {
                    Router.route(logits: logits.row(t), expertCount: expertCount, topK: topK, rule: rule, selectionBias: selectionBias,
                                 experts: cp + t * topK, weights: wp + t * topK)
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
            // Rows in pieces across the pool; an expert's tokens are distinct, so no two
            // pieces write the same output row.
            let piece = 16, pieces = (list.count + piece - 1) / piece
            list.withUnsafeBufferPointer { items in
                pool.parallelFor(pieces) { p in
                    for i in p * piece..<min(items.count, (p + 1) * piece) {
                        gathered.row(i).update(from: input + items[i].token * hidden, count: hidden)
                    }
                }
            }
            runExpert(e, gathered.base, output: produced.base, tokens: list.count, scratch: scratch, pool: pool)
            list.withUnsafeBufferPointer { items in
                pool.parallelFor(pieces) { p in
                    for i in p * piece..<min(items.count, (p + 1) * piece) {
                        VectorOps.addScaled(produced.row(i), scale: items[i].weight, into: output + items[i].token * hidden,
                                            count: hidden)
                    }
                }
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

    /// The one-token (decode) path: three pool dispatches per layer instead of one per
    /// matrix. Router and shared-expert projections go together, then the gate and up
    /// projections of every chosen expert, then their down projections.
    ///
    /// - input, output: `(hidden)`
    private func decodeOne(
        _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, layer: Int,
        workspace ws: Workspace, pool: ThreadPool, trace: RoutingTrace?
    ) {
        let hidden = router.cols, inter = experts[0].intermediateSize
        let logits = ws.buffer("moe.logits", rows: 1, cols: experts.count)
        let sharedGateValue = ws.buffer("moe.sharedgate", rows: 1, cols: 1)
        var first = [MatvecJob(router, input: input, output: logits.base)]
        var sharedBuffers: (gate: FloatBuffer, up: FloatBuffer, out: FloatBuffer)?
        if let shared {
            let b = (ws.buffer("moe.sgate", rows: 1, cols: shared.intermediateSize),
                     ws.buffer("moe.sup", rows: 1, cols: shared.intermediateSize),
                     ws.buffer("moe.shared", rows: 1, cols: hidden))
            first.append(MatvecJob(shared.gate, input: input, output: b.0.base))
            first.append(MatvecJob(shared.up, input: input, output: b.1.base))
            if let sharedGate { first.append(MatvecJob(sharedGate, input: input, output: sharedGateValue.base)) }
            sharedBuffers = b
        }
        Kernels.matvecGroup(first, pool: pool)
        if let routerBias { VectorOps.addBias(routerBias, to: logits.base, rows: 1) }

        var chosen = [Int](repeating: 0, count: topK)
        var weights = [Float](repeating: 0, count: topK)
        chosen.withUnsafeMutableBufferPointer { c in
            weights.withUnsafeMutableBufferPointer { w in
                guard let cp = c.baseAddress, let wp = w.baseAddress else { return }
                Router.route(logits: logits.base, expertCount: experts.count, topK: topK, rule: rule,
                             selectionBias: selectionBias, experts: cp, weights: wp)
            }
        }
        trace?.record(layer: layer, experts: chosen, topK: topK)

        let gates = ws.buffer("moe.dgate", rows: topK, cols: inter)  // (topK, inter)
        let ups = ws.buffer("moe.dup", rows: topK, cols: inter)      // (topK, inter)
        let outs = ws.buffer("moe.dout", rows: topK, cols: hidden)   // (topK, hidden)
        var projections: [MatvecJob] = []
        for (j, e) in chosen.enumerated() {
            projections.append(MatvecJob(experts[e].gate, input: input, output: gates.row(j)))
            projections.append(MatvecJob(experts[e].up, input: input, output: ups.row(j)))
        }
        Kernels.matvecGroup(projections, pool: pool)
        activate(chosen, gates: gates, ups: ups)
        var downs = chosen.enumerated().map { j, e in MatvecJob(experts[e].down, input: gates.row(j), output: outs.row(j)) }
        if let shared, let b = sharedBuffers {
            Kernels.siluMul(gate: b.gate.base, up: b.up.base, count: shared.intermediateSize)
            downs.append(MatvecJob(shared.down, input: b.gate.base, output: b.out.base))
        }
        Kernels.matvecGroup(downs, pool: pool)
        if let expertBiases {
            for (j, e) in chosen.enumerated() { VectorOps.addBias(expertBiases[e].down, to: outs.row(j), rows: 1) }
        }

        output.update(repeating: 0, count: hidden)
        for j in 0..<topK { VectorOps.addScaled(outs.row(j), scale: weights[j], into: output, count: hidden) }
        if let b = sharedBuffers {
            let g: Float = sharedGate == nil ? 1 : 1 / (1 + exp(-sharedGateValue[0, 0]))
            VectorOps.addScaled(b.out.base, scale: g, into: output, count: hidden)
        }
    }
}

extension SparseMoE {
    /// Expert `e` on `tokens` rows, per the block's expert activation. Routed experts see a
    /// handful to a few dozen of a prompt's tokens each: their products run on quantised
    /// activations at every count, as the decode step's do.
    ///
    /// - input, output: `(tokens, hidden)`
    /// - scratch: two buffers of at least `(tokens, intermediate)`
    private func runExpert(
        _ e: Int, _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens: Int,
        scratch: (FloatBuffer, FloatBuffer), pool: ThreadPool
    ) {
        guard case .clampedSwiGLU(let limit, let alpha) = activation else {
            experts[e](input, output: output, tokens: tokens, scratch: scratch, quantisedInput: true, pool: pool)
            return
        }
        let expert = experts[e], g = scratch.0.base, u = scratch.1.base
        Kernels.matmul([MatvecJob(expert.gate, input: input, output: g), MatvecJob(expert.up, input: input, output: u)],
                       tokens: tokens, quantisedInput: true, pool: pool)
        let biases = expertBiases?[e]
        if let biases {
            VectorOps.addBias(biases.gate, to: g, rows: tokens)
            VectorOps.addBias(biases.up, to: u, rows: tokens)
        }
        Kernels.clampedSwiGLU(gate: g, up: u, count: tokens * expert.intermediateSize, limit: limit, alpha: alpha)
        Kernels.matmul(expert.down, input: g, output: output, tokens: tokens, quantisedInput: true, pool: pool)
        if let biases { VectorOps.addBias(biases.down, to: output, rows: tokens) }
    }

    /// The decode path's activation of the chosen experts' gate and up rows, in place in `gates`.
    ///
    /// - gates, ups: `(topK, intermediate)`
    private func activate(_ chosen: [Int], gates: FloatBuffer, ups: FloatBuffer) {
        let inter = experts[0].intermediateSize
        guard case .clampedSwiGLU(let limit, let alpha) = activation else {
            Kernels.siluMul(gate: gates.base, up: ups.base, count: chosen.count * inter)
            return
        }
        if let expertBiases {
            for (j, e) in chosen.enumerated() {
                VectorOps.addBias(expertBiases[e].gate, to: gates.row(j), rows: 1)
                VectorOps.addBias(expertBiases[e].up, to: ups.row(j), rows: 1)
            }
        }
        Kernels.clampedSwiGLU(gate: gates.base, up: ups.base, count: chosen.count * inter, limit: limit, alpha: alpha)
    }
}
