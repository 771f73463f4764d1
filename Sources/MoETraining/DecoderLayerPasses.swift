import MoEKernels

/// One decoder layer's forward and backward pass: rmsnorm -> attention -> residual ->
/// rmsnorm -> MoE or dense SwiGLU -> residual. Activations of layer `l` live in scratch
/// buffers named `L<l>.*`; the residual stream entering layer `l` is `x<l>`.
extension TrainableModel {
    /// Pointers to layer `l`'s weights (in `params`) or gradients (in `grads`).
    struct LayerWeights {
        let norm1, q, k, v, o, norm2: UnsafeMutablePointer<Float>
        /// Dense SwiGLU `(ffn, hidden)`, `(ffn, hidden)`, `(hidden, ffn)` (dense models).
        let gate, up, down: UnsafeMutablePointer<Float>?
        let moe: MoEBlock.Weights?
    }

    func layerWeights(_ l: Int, in buffer: ParameterBuffer) -> LayerWeights {
        let p = "model.layers.\(l)"
        let moe = shape.isMoE ? MoEBlock.Weights(
            router: buffer.pointer("\(p).block_sparse_moe.gate.weight"),
            w1: (0..<shape.experts).map { buffer.pointer("\(p).block_sparse_moe.experts.\($0).w1.weight") },
            w2: (0..<shape.experts).map { buffer.pointer("\(p).block_sparse_moe.experts.\($0).w2.weight") },
            w3: (0..<shape.experts).map { buffer.pointer("\(p).block_sparse_moe.experts.\($0).w3.weight") }
        ) : nil
        return LayerWeights(
            norm1: buffer.pointer("\(p).input_layernorm.weight"),
            q: buffer.pointer("\(p).self_attn.q_proj.weight"), k: buffer.pointer("\(p).self_attn.k_proj.weight"),
            v: buffer.pointer("\(p).self_attn.v_proj.weight"), o: buffer.pointer("\(p).self_attn.o_proj.weight"),
            norm2: buffer.pointer("\(p).post_attention_layernorm.weight"),
            gate: shape.isMoE ? nil : buffer.pointer("\(p).mlp.gate_proj.weight"),
            up: shape.isMoE ? nil : buffer.pointer("\(p).mlp.up_proj.weight"),
            down: shape.isMoE ? nil : buffer.pointer("\(p).mlp.down_proj.weight"),
            moe: moe)
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
        } else if let gate = w.gate, let up = w.up, let down = w.down {
            let h1 = buffers.pointer("\(tag).h1", rows: n, cols: f)   // (n, ffn)
            let h3 = buffers.pointer("\(tag).h3", rows: n, cols: f)   // (n, ffn)
            let act = buffers.pointer("\(tag).act", rows: n, cols: f) // (n, ffn)
            Linear.forward(gate, outputs: f, inputs: d, x: normed2, y: h1, tokens: n, pool: pool)
            Linear.forward(up, outputs: f, inputs: d, x: normed2, y: h3, tokens: n, pool: pool)
            SwiGLU.forward(gate: h1, up: h3, out: act, count: n * f, pool: pool)
            Linear.forward(down, outputs: d, inputs: f, x: act, y: out, tokens: n, pool: pool)
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
        } else if let gate = w.gate, let up = w.up, let down = w.down,
                  let dGate = g.gate, let dUp = g.up, let dDown = g.down {
            let h1 = buffers.pointer("\(tag).h1", rows: n, cols: f)       // (n, ffn)
            let h3 = buffers.pointer("\(tag).h3", rows: n, cols: f)       // (n, ffn)
            let act = buffers.pointer("\(tag).act", rows: n, cols: f)     // (n, ffn)
            let dAct = buffers.pointer("d.act", rows: n, cols: f)         // (n, ffn)
            let dh1 = buffers.pointer("d.h1", rows: n, cols: f)           // (n, ffn)
            let dh3 = buffers.pointer("d.h3", rows: n, cols: f)           // (n, ffn)
            let dUpInput = buffers.pointer("d.upInput", rows: n, cols: d) // (n, hidden)
            Linear.backward(down, outputs: d, inputs: f, x: act, dy: dx, tokens: n, dx: dAct, dw: dDown, scratch: buffers, pool: pool)
            SwiGLU.backward(gate: h1, up: h3, dOut: dAct, dGate: dh1, dUp: dh3, count: n * f, pool: pool)
            let normedT = Linear.transposed(normed2, tokens: n, inputs: d, name: "d.normedT", scratch: buffers, pool: pool)
            Linear.backward(gate, outputs: f, inputs: d, x: normed2, dy: dh1, tokens: n, dx: dNormed, dw: dGate, xT: normedT,
                            scratch: buffers, pool: pool)
            Linear.backward(up, outputs: f, inputs: d, x: normed2, dy: dh3, tokens: n, dx: dUpInput, dw: dUp, xT: normedT,
                            scratch: buffers, pool: pool)
            Elementwise.add(dUpInput, into: dNormed, count: n * d, pool: pool)
        }
        Norm.backward(x: mid, w: w.norm2, inverseRMS: inv2, dy: dNormed, dx: dx, dw: g.norm2,
                      tokens: n, width: d, accumulate: true, pool: pool)
        // The attention branch: dx is now d(loss)/d(mid), also the gradient of o_proj's output.
        let dAtt = buffers.pointer("d.att", rows: n, cols: s.queryWidth) // (n, heads * headDim)
        let dq = buffers.pointer("d.q", rows: n, cols: s.queryWidth)     // (n, heads * headDim)
        let dk = buffers.pointer("d.k", rows: n, cols: s.kvWidth)        // (n, kvHeads * headDim)
        let dv = buffers.pointer("d.v", rows: n, cols: s.kvWidth)        // (n, kvHeads * headDim)
        let dPart = buffers.pointer("d.part", rows: n, cols: d)          // (n, hidden)
        let attScratch = buffers.pointer("d.attScratch", rows: batchSize * s.kvHeads, cols: sequenceLength) // (batch * kvHeads, seq)
        Linear.backward(w.o, outputs: d, inputs: s.queryWidth, x: att, dy: dx, tokens: n, dx: dAtt, dw: g.o, scratch: buffers, pool: pool)
        attention.backward(q: q, k: k, v: v, probs: probs, dOut: dAtt, dq: dq, dk: dk, dv: dv, scratch: attScratch, pool: pool)
        rotary.apply(dq, batch: batchSize, seq: sequenceLength, heads: s.heads, inverse: true, pool: pool)
        rotary.apply(dk, batch: batchSize, seq: sequenceLength, heads: s.kvHeads, inverse: true, pool: pool)
        let normedT = Linear.transposed(normed1, tokens: n, inputs: d, name: "d.normedT", scratch: buffers, pool: pool)
        Linear.backward(w.q, outputs: s.queryWidth, inputs: d, x: normed1, dy: dq, tokens: n, dx: dNormed, dw: g.q, xT: normedT,
                        scratch: buffers, pool: pool)
        Linear.backward(w.k, outputs: s.kvWidth, inputs: d, x: normed1, dy: dk, tokens: n, dx: dPart, dw: g.k, xT: normedT,
                        scratch: buffers, pool: pool)
        Elementwise.add(dPart, into: dNormed, count: n * d, pool: pool)
        Linear.backward(w.v, outputs: s.kvWidth, inputs: d, x: normed1, dy: dv, tokens: n, dx: dPart, dw: g.v, xT: normedT,
                        scratch: buffers, pool: pool)
        Elementwise.add(dPart, into: dNormed, count: n * d, pool: pool)
        Norm.backward(x: x, w: w.norm1, inverseRMS: inv1, dy: dNormed, dx: dx, dw: g.norm1,
                      tokens: n, width: d, accumulate: true, pool: pool)
    }
}
