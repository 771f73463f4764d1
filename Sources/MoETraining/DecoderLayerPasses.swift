import MoEKernels

/// One decoder layer's forward and backward pass: rmsnorm -> attention -> residual ->
/// rmsnorm -> MoE (plus any gated shared expert) or dense SwiGLU -> residual. Activations
/// of layer `l` live in scratch buffers named `L<l>.*`; the residual stream entering layer
/// `l` is `x<l>`.
extension TrainableModel {
    /// Pointers to layer `l`'s weights (in `params`) or gradients (in `grads`).
    struct LayerWeights {
        let norm1, q, k, v, o, norm2: UnsafeMutablePointer<Float>
        /// The dense SwiGLU (dense models).
        let dense: SwiGLUFeedForward.Weights?
        let moe: MoEBlock.Weights?
        /// The shared expert (MoE models with one).
        let shared: SharedExpert.Weights?
    }

    func layerWeights(_ l: Int, in buffer: ParameterBuffer) -> LayerWeights {
        let names = LayerTensorNames(layer: l, layout: shape.layout)
        func mlp(_ n: SwiGLUNames) -> SwiGLUFeedForward.Weights {
            SwiGLUFeedForward.Weights(gate: buffer.pointer(n.gate), up: buffer.pointer(n.up), down: buffer.pointer(n.down))
        }
        let experts = (0..<shape.experts).map { mlp(names.expert($0)) }
        let moe = shape.isMoE
            ? MoEBlock.Weights(router: buffer.pointer(names.router), w1: experts.map(\.gate), w2: experts.map(\.down),
                               w3: experts.map(\.up))
            : nil
        let shared = shape.hasSharedExpert
            ? SharedExpert.Weights(mlp: mlp(names.sharedExpert), gate: buffer.pointer(names.sharedExpertGate))
            : nil
        return LayerWeights(
            norm1: buffer.pointer(names.inputNorm),
            q: buffer.pointer(names.query), k: buffer.pointer(names.key),
            v: buffer.pointer(names.value), o: buffer.pointer(names.output),
            norm2: buffer.pointer(names.postAttentionNorm),
            dense: shape.isMoE ? nil : mlp(names.denseMLP), moe: moe, shared: shared)
    }

    /// The shared expert of an MoE layer, over this pass's tokens.
    var sharedExpert: SharedExpert {
        SharedExpert(tokens: batchSize * sequenceLength, hidden: shape.hidden, ffn: shape.sharedExpertHidden)
    }

    /// The dense SwiGLU of a dense layer, over this pass's tokens.
    var denseFeedForward: SwiGLUFeedForward {
        SwiGLUFeedForward(tokens: batchSize * sequenceLength, hidden: shape.hidden, ffn: shape.ffnHidden)
    }

    var attention: CausalAttention {
        CausalAttention(batch: batchSize, seq: sequenceLength, heads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim)
    }

    /// Runs layer `l` from `x<l>` into `x<l+1>`.
    func layerForward(_ l: Int) {
        let s = shape, n = batchSize * sequenceLength, d = s.hidden, f = s.ffnHidden, tag = "L\(l)"
        let w = layerWeights(l, in: params)
        let x = buffers.pointer("x\(l)", rows: n, cols: d)                      // (n, hidden)
        let normed1 = buffers.pointer("\(tag).normed1", rows: n, cols: d)       // (n, hidden)
        let inv1 = buffers.pointer("\(tag).inv1", rows: n, cols: 1)             // (n)
        let q = buffers.pointer("\(tag).q", rows: n, cols: s.queryWidth)        // (n, heads * headDim), rotated
        let k = buffers.pointer("\(tag).k", rows: n, cols: s.kvWidth)           // (n, kvHeads * headDim), rotated
        let v = buffers.pointer("\(tag).v", rows: n, cols: s.kvWidth)           // (n, kvHeads * headDim)
        let att = buffers.pointer("\(tag).att", rows: n, cols: s.queryWidth)    // (n, heads * headDim)
        let probs = buffers.pointer("\(tag).probs", rows: batchSize * s.heads * sequenceLength, cols: sequenceLength) // (batch, heads, seq, seq)
        let mid = buffers.pointer("\(tag).mid", rows: n, cols: d)               // (n, hidden) residual after attention
        let normed2 = buffers.pointer("\(tag).normed2", rows: n, cols: d)       // (n, hidden)
        let inv2 = buffers.pointer("\(tag).inv2", rows: n, cols: 1)             // (n)
        let out = buffers.pointer("x\(l + 1)", rows: n, cols: d)                // (n, hidden)
        Norm.forward(x: x, w: w.norm1, y: normed1, inverseRMS: inv1, tokens: n, width: d, eps: s.rmsNormEps, pool: pool)
        Linear.forward(w.q, outputs: s.queryWidth, inputs: d, x: normed1, y: q, tokens: n, pool: pool)
        Linear.forward(w.k, outputs: s.kvWidth, inputs: d, x: normed1, y: k, tokens: n, pool: pool)
        Linear.forward(w.v, outputs: s.kvWidth, inputs: d, x: normed1, y: v, tokens: n, pool: pool)
        rotary.apply(q, batch: batchSize, seq: sequenceLength, heads: s.heads, inverse: false, pool: pool)
        rotary.apply(k, batch: batchSize, seq: sequenceLength, heads: s.kvHeads, inverse: false, pool: pool)
        attention.forward(q: q, k: k, v: v, out: att, probs: probs, pool: pool)
        Linear.forward(w.o, outputs: d, inputs: s.queryWidth, x: att, y: mid, tokens: n, pool: pool)
        Elementwise.add(x, into: mid, count: n * d, pool: pool)
        Norm.forward(x: mid, w: w.norm2, y: normed2, inverseRMS: inv2, tokens: n, width: d, eps: s.rmsNormEps, pool: pool)
        if let moe = w.moe {
            let block = MoEBlock(tokens: n, hidden: d, ffn: f, experts: s.experts, topK: s.topK)
            block.forward(x: normed2, out: out, weights: moe, bias: options.balance == .bias ? routerBias[l] : nil,
                          options: options, acts: moeActivations[l], buffers: buffers, tag: tag, pool: pool)
            if let shared = w.shared {
                sharedExpert.forward(x: normed2, out: out, weights: shared, buffers: buffers, tag: tag, pool: pool)
            }
        } else if let dense = w.dense {
            denseFeedForward.forward(x: normed2, out: out, weights: dense, buffers: buffers, tag: tag, pool: pool)
        }
        Elementwise.add(mid, into: out, count: n * d, pool: pool)
    }

    /// Turns `dx` = d(loss)/d(x<l+1>) into d(loss)/d(x<l>) in place, adding layer `l`'s
    /// parameter gradients to `grads`.
    ///
    /// - dx: `(n, hidden)`
    func layerBackward(_ l: Int, dx: UnsafeMutablePointer<Float>) {
        let s = shape, n = batchSize * sequenceLength, d = s.hidden, f = s.ffnHidden, tag = "L\(l)"
        let w = layerWeights(l, in: params), g = layerWeights(l, in: grads)
        let x = buffers.pointer("x\(l)", rows: n, cols: d)                      // (n, hidden)
        let normed1 = buffers.pointer("\(tag).normed1", rows: n, cols: d)       // (n, hidden)
        let inv1 = buffers.pointer("\(tag).inv1", rows: n, cols: 1)             // (n)
        let q = buffers.pointer("\(tag).q", rows: n, cols: s.queryWidth)        // (n, heads * headDim)
        let k = buffers.pointer("\(tag).k", rows: n, cols: s.kvWidth)           // (n, kvHeads * headDim)
        let v = buffers.pointer("\(tag).v", rows: n, cols: s.kvWidth)           // (n, kvHeads * headDim)
        let att = buffers.pointer("\(tag).att", rows: n, cols: s.queryWidth)    // (n, heads * headDim)
        let probs = buffers.pointer("\(tag).probs", rows: batchSize * s.heads * sequenceLength, cols: sequenceLength)
        let mid = buffers.pointer("\(tag).mid", rows: n, cols: d)               // (n, hidden)
        let normed2 = buffers.pointer("\(tag).normed2", rows: n, cols: d)       // (n, hidden)
        let inv2 = buffers.pointer("\(tag).inv2", rows: n, cols: 1)             // (n)
        let dNormed = buffers.pointer("d.layerNormed", rows: n, cols: d)        // (n, hidden)
        // The FFN branch: dx is also the gradient of `mid` through the residual.
        if let moe = w.moe, let moeGrads = g.moe {
            let block = MoEBlock(tokens: n, hidden: d, ffn: f, experts: s.experts, topK: s.topK)
            block.backward(x: normed2, dOut: dx, dx: dNormed, weights: moe, grads: moeGrads, acts: moeActivations[l],
                           auxGradient: auxGradients[l], zGradient: zGradient, buffers: buffers, tag: tag, pool: pool)
            if let shared = w.shared, let sharedGrads = g.shared {
                sharedExpert.backward(x: normed2, dOut: dx, dx: dNormed, weights: shared, grads: sharedGrads,
                                      buffers: buffers, tag: tag, pool: pool)
            }
        } else if let dense = w.dense, let denseGrads = g.dense {
            denseFeedForward.backward(x: normed2, dOut: dx, dx: dNormed, weights: dense, grads: denseGrads,
                                      buffers: buffers, tag: tag, pool: pool)
        }
        Norm.backward(x: mid, w: w.norm2, inverseRMS: inv2, dy: dNormed, dx: dx, dw: g.norm2,
                      tokens: n, width: d, accumulate: true, pool: pool)
        // The attention branch: dx is now d(loss)/d(mid), also the gradient of o_proj's output.
        let dAtt = buffers.pointer("d.att", rows: n, cols: s.queryWidth) // (n, heads * headDim)
        let dq = buffers.pointer("d.q", rows: n, cols: s.queryWidth)     // (n, heads * headDim)
        let dk = buffers.pointer("d.k", rows: n, cols: s.kvWidth)        // (n, kvHeads * headDim)
        let dv = buffers.pointer("d.v", rows: n, cols: s.kvWidth)        // (n, kvHeads * headDim)
        Linear.backward(w.o, outputs: d, inputs: s.queryWidth, x: att, dy: dx, tokens: n, dx: dAtt, dw: g.o, pool: pool)
        attention.backward(q: q, k: k, v: v, probs: probs, dOut: dAtt, dq: dq, dk: dk, dv: dv, pool: pool)
        rotary.apply(dq, batch: batchSize, seq: sequenceLength, heads: s.heads, inverse: true, pool: pool)
        rotary.apply(dk, batch: batchSize, seq: sequenceLength, heads: s.kvHeads, inverse: true, pool: pool)
        Linear.backward(w.q, outputs: s.queryWidth, inputs: d, x: normed1, dy: dq, tokens: n, dx: dNormed, dw: g.q, pool: pool)
        Linear.backward(w.k, outputs: s.kvWidth, inputs: d, x: normed1, dy: dk, tokens: n, dx: dNormed, dw: g.k,
                        accumulateDx: true, pool: pool)
        Linear.backward(w.v, outputs: s.kvWidth, inputs: d, x: normed1, dy: dv, tokens: n, dx: dNormed, dw: g.v,
                        accumulateDx: true, pool: pool)
        Norm.backward(x: x, w: w.norm1, inverseRMS: inv1, dy: dNormed, dx: dx, dw: g.norm1,
                      tokens: n, width: d, accumulate: true, pool: pool)
    }
}
