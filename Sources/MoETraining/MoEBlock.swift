import MoEKernels
import MoEModels

/// What one MoE layer's forward pass keeps for backward and for load statistics.
final class MoEActivations {
    /// Router probabilities. `(tokens, experts)`
    var probs: [Float] = []
    /// logsumexp of each token's router logits. `(tokens)`
    var logSumExp: [Float] = []
    /// Chosen experts per token, best first. `(tokens, topK)`
    var chosen: [Int32] = []
    /// Renormalised mixing weights of the chosen experts. `(tokens, topK)`
    var gates: [Float] = []
    /// Row of each assignment in the expert-grouped buffers, or -1 if dropped. `(tokens, topK)`
    var rowOf: [Int] = []
    /// Token of each grouped row. `(rows)`
    var tokenOfRow: [Int] = []
    /// First grouped row of each expert, and the end. `(experts + 1)`
    var expertStart: [Int] = []
    /// Top-k selections per expert before dropping. `(experts)`
    var selections: [Int] = []
}

/// A Mixtral sparse MoE block: softmax router, top-k, renormalised weights, SwiGLU experts.
///
/// Tokens are grouped by expert (in token order within an expert) so every expert runs one
/// matmul over all of its tokens, as in inference. Per-token outputs are then summed over
/// the token's slots in slot order, which keeps the result independent of scheduling.
struct MoEBlock {
    let tokens: Int
    let hidden: Int
    let ffn: Int
    let experts: Int
    let topK: Int

    /// Parameter pointers of one layer.
    struct Weights {
        /// `(experts, hidden)`
        let router: UnsafeMutablePointer<Float>
        /// Per expert: gate `(ffn, hidden)`, down `(hidden, ffn)`, up `(ffn, hidden)`.
        let w1: [UnsafeMutablePointer<Float>]
        let w2: [UnsafeMutablePointer<Float>]
        let w3: [UnsafeMutablePointer<Float>]
    }

    /// Routes, runs experts and mixes.
    ///
    /// - x: `(tokens, hidden)`
    /// - out: `(tokens, hidden)`, overwritten
    /// - bias: `(experts)` selection bias, or nil
    func forward(x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, weights w: Weights, bias: [Float]?,
                 options: LossOptions, acts a: MoEActivations, buffers: Scratch, tag: String, pool: ThreadPool) {
        let logits = buffers.pointer("\(tag).routerLogits", rows: tokens, cols: experts) // (tokens, experts)
        Linear.forward(w.router, outputs: experts, inputs: hidden, x: x, y: logits, tokens: tokens, pool: pool)
        route(logits: logits, bias: bias, acts: a)
        assign(capacityFactor: options.capacityFactor, acts: a)
        let rows = a.tokenOfRow.count
        let gathered = buffers.pointer("\(tag).x", rows: rows, cols: hidden) // (rows, hidden)
        let h1 = buffers.pointer("\(tag).h1", rows: rows, cols: ffn)          // (rows, ffn)
        let h3 = buffers.pointer("\(tag).h3", rows: rows, cols: ffn)          // (rows, ffn)
        let act = buffers.pointer("\(tag).act", rows: rows, cols: ffn)        // (rows, ffn)
        let y = buffers.pointer("\(tag).y", rows: rows, cols: hidden)         // (rows, hidden)
        a.tokenOfRow.withUnsafeBufferPointer { tr in
            Elementwise.forRows(rows, pool: pool) { range in
                for r in range { (gathered + r * hidden).update(from: x + tr[r] * hidden, count: hidden) }
            }
        }
        for e in 0..<experts {
            let r0 = a.expertStart[e], n = a.expertStart[e + 1] - r0
            guard n > 0 else { continue }
            Linear.forward(w.w1[e], outputs: ffn, inputs: hidden, x: gathered + r0 * hidden, y: h1 + r0 * ffn, tokens: n, pool: pool)
            Linear.forward(w.w3[e], outputs: ffn, inputs: hidden, x: gathered + r0 * hidden, y: h3 + r0 * ffn, tokens: n, pool: pool)
        }
        SwiGLU.forward(gate: h1, up: h3, out: act, count: rows * ffn, pool: pool)
        for e in 0..<experts {
            let r0 = a.expertStart[e], n = a.expertStart[e + 1] - r0
            guard n > 0 else { continue }
            Linear.forward(w.w2[e], outputs: hidden, inputs: ffn, x: act + r0 * ffn, y: y + r0 * hidden, tokens: n, pool: pool)
        }
        let k = topK, d = hidden
        a.rowOf.withUnsafeBufferPointer { ro in
            a.gates.withUnsafeBufferPointer { g in
                Elementwise.forRows(tokens, pool: pool) { range in
                    for t in range {
                        let o = out + t * d
                        o.update(repeating: 0, count: d)
                        for s in 0..<k where ro[t * k + s] >= 0 {
                            Elementwise.axpy(g[t * k + s], y + ro[t * k + s] * d, o, count: d)
                        }
                    }
                }
            }
        }
    }

    /// Gradients of `forward`. `dx` is overwritten; parameter gradients are added to.
    ///
    /// `auxGradient[e]` is d(loss)/d(probs[t, e]) from the balancing loss (the same for every
    /// token); `zGradient` is d(loss)/d(logsumexp_t^2) (the same for every token).
    ///
    /// - x, dx, dOut: `(tokens, hidden)`
    func backward(x: UnsafePointer<Float>, dOut: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                  weights w: Weights, grads g: Weights, acts a: MoEActivations, auxGradient: [Float], zGradient: Float,
                  buffers: Scratch, tag: String, pool: ThreadPool) {
        let rows = a.tokenOfRow.count, k = topK, d = hidden, f = ffn
        let gathered = buffers.pointer("\(tag).x", rows: rows, cols: hidden) // (rows, hidden)
        let h1 = buffers.pointer("\(tag).h1", rows: rows, cols: ffn)          // (rows, ffn)
        let h3 = buffers.pointer("\(tag).h3", rows: rows, cols: ffn)          // (rows, ffn)
        let act = buffers.pointer("\(tag).act", rows: rows, cols: ffn)        // (rows, ffn)
        let y = buffers.pointer("\(tag).y", rows: rows, cols: hidden)         // (rows, hidden)
        let dy = buffers.pointer("moe.dy", rows: rows, cols: hidden)          // (rows, hidden)
        let dAct = buffers.pointer("moe.dact", rows: rows, cols: ffn)         // (rows, ffn)
        let dh1 = buffers.pointer("moe.dh1", rows: rows, cols: ffn)           // (rows, ffn)
        let dh3 = buffers.pointer("moe.dh3", rows: rows, cols: ffn)           // (rows, ffn)
        let dGathered = buffers.pointer("moe.dx", rows: rows, cols: hidden)   // (rows, hidden)
        var dGate = [Float](repeating: 0, count: tokens * k)                 // (tokens, topK)
        a.rowOf.withUnsafeBufferPointer { ro in
            a.gates.withUnsafeBufferPointer { gates in
                dGate.withUnsafeMutableBufferPointer { dg in
                    Elementwise.forRows(tokens, pool: pool) { range in
                        for t in range {
                            for s in 0..<k where ro[t * k + s] >= 0 {
                                let r = ro[t * k + s]
                                dg[t * k + s] = Elementwise.dot(dOut + t * d, y + r * d, count: d)
                                let dyr = dy + r * d, src = dOut + t * d, gate = gates[t * k + s]
                                for i in 0..<d { dyr[i] = gate * src[i] }
                            }
                        }
                    }
                }
            }
        }
        for e in 0..<experts {
            let r0 = a.expertStart[e], n = a.expertStart[e + 1] - r0
            guard n > 0 else { continue }
            Linear.backward(w.w2[e], outputs: d, inputs: f, x: act + r0 * f, dy: dy + r0 * d, tokens: n,
                            dx: dAct + r0 * f, dw: g.w2[e], pool: pool)
        }
        SwiGLU.backward(gate: h1, up: h3, dOut: dAct, dGate: dh1, dUp: dh3, count: rows * f, pool: pool)
        for e in 0..<experts {
            let r0 = a.expertStart[e], n = a.expertStart[e + 1] - r0
            guard n > 0 else { continue }
            Linear.backward(w.w1[e], outputs: f, inputs: d, x: gathered + r0 * d, dy: dh1 + r0 * f, tokens: n,
                            dx: dGathered + r0 * d, dw: g.w1[e], pool: pool)
            Linear.backward(w.w3[e], outputs: f, inputs: d, x: gathered + r0 * d, dy: dh3 + r0 * f, tokens: n,
                            dx: dGathered + r0 * d, dw: g.w3[e], accumulateDx: true, pool: pool)
        }
        let dLogits = buffers.pointer("moe.dLogits", rows: tokens, cols: experts) // (tokens, experts)
        routerBackward(dGate: dGate, auxGradient: auxGradient, zGradient: zGradient, acts: a, dLogits: dLogits, pool: pool)
        Linear.backward(w.router, outputs: experts, inputs: d, x: x, dy: dLogits, tokens: tokens,
                        dx: dx, dw: g.router, pool: pool)
        a.rowOf.withUnsafeBufferPointer { ro in
            Elementwise.forRows(tokens, pool: pool) { range in
                for t in range {
                    for s in 0..<k where ro[t * k + s] >= 0 {
                        let r = ro[t * k + s]
                        Elementwise.axpy(1, dGathered + r * d, dx + t * d, count: d)
                    }
                }
            }
        }
    }

    /// Softmax, top-k (by probability plus `bias` if given; ties to the lower index) and
    /// renormalised weights from the unbiased probabilities.
    ///
    /// - logits: `(tokens, experts)`
    func route(logits: UnsafePointer<Float>, bias: [Float]?, acts a: MoEActivations) {
        a.probs = [Float](repeating: 0, count: tokens * experts)
        a.logSumExp = [Float](repeating: 0, count: tokens)
        a.chosen = [Int32](repeating: 0, count: tokens * topK)
        a.gates = [Float](repeating: 0, count: tokens * topK)
        a.selections = [Int](repeating: 0, count: experts)
        var scores = [Float](repeating: 0, count: experts), picked = [Int](repeating: 0, count: topK)
        for t in 0..<tokens {
            let z = logits + t * experts
            var m = -Float.infinity
            for e in 0..<experts { m = max(m, z[e]) }
            var total: Float = 0
            for e in 0..<experts {
                let p = Math.expf(z[e] - m)
                a.probs[t * experts + e] = p
                total += p
            }
            a.logSumExp[t] = m + Math.logf(total)
            var sum: Float = 0
            for e in 0..<experts {
                a.probs[t * experts + e] /= total
                scores[e] = a.probs[t * experts + e] + (bias?[e] ?? 0)
            }
            Router.selectTopK(scores, count: experts, k: topK, experts: &picked)
            for e in picked { sum += a.probs[t * experts + e] }
            for (s, e) in picked.enumerated() {
                a.chosen[t * topK + s] = Int32(e)
                a.gates[t * topK + s] = a.probs[t * experts + e] / sum
                a.selections[e] += 1
            }
        }
    }

    /// Groups assignments by expert in token order, dropping those beyond the capacity.
    func assign(capacityFactor: Float?, acts a: MoEActivations) {
        let capacity = capacityFactor.map { Int((Double($0) * Double(tokens * topK) / Double(experts)).rounded(.up)) }
            ?? tokens * topK
        var perExpert = [[Int]](repeating: [], count: experts) // assignment indices t * topK + s
        for t in 0..<tokens {
            for s in 0..<topK {
                let e = Int(a.chosen[t * topK + s])
                if perExpert[e].count < capacity { perExpert[e].append(t * topK + s) }
            }
        }
        a.rowOf = [Int](repeating: -1, count: tokens * topK)
        a.tokenOfRow = []
        a.expertStart = [0]
        for e in 0..<experts {
            for assignment in perExpert[e] {
                a.rowOf[assignment] = a.tokenOfRow.count
                a.tokenOfRow.append(assignment / topK)
            }
            a.expertStart.append(a.tokenOfRow.count)
        }
    }

    /// d(loss)/d(router logits) from the mixing weights, the balance loss and the z-loss.
    ///
    /// With `s = sum_{j in S} p_j` and `g_i = p_i / s`: `dz_i = g_i (dg_i - sum_j g_j dg_j)`
    /// for chosen `i` (the renormalisation makes the softmax's cross term vanish). The
    /// balance term adds `p * (a - <a, p>)` and the z-loss `zGradient * p`.
    ///
    /// - dGate: `(tokens, topK)`
    /// - dLogits: `(tokens, experts)`, overwritten
    func routerBackward(dGate: [Float], auxGradient: [Float], zGradient: Float, acts a: MoEActivations,
                        dLogits: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        for t in 0..<tokens {
            let dz = dLogits + t * experts
            var mean: Float = 0
            for e in 0..<experts { mean += auxGradient[e] * a.probs[t * experts + e] }
            for e in 0..<experts {
                let p = a.probs[t * experts + e]
                dz[e] = p * (auxGradient[e] - mean) + zGradient * 2 * a.logSumExp[t] * p
            }
            var weighted: Float = 0
            for s in 0..<topK { weighted += a.gates[t * topK + s] * dGate[t * topK + s] }
            for s in 0..<topK {
                let e = Int(a.chosen[t * topK + s])
                dz[e] += a.gates[t * topK + s] * (dGate[t * topK + s] - weighted)
            }
        }
    }
}
