import MoEKernels

/// Qwen2-MoE's always-on shared expert, added to the routed mix of an MoE layer:
/// `out += sigmoid(g . x) * mlp(x)` with `g` the `(1, hidden)` `shared_expert_gate`.
struct SharedExpert {
    let tokens: Int
    let hidden: Int
    let ffn: Int

    /// Parameter (or gradient) pointers of one layer's shared expert.
    struct Weights {
        /// The SwiGLU MLP, of width `ffn`.
        let mlp: SwiGLUFeedForward.Weights
        /// `(1, hidden)`
        let gate: UnsafeMutablePointer<Float>
    }

    private var mlp: SwiGLUFeedForward { SwiGLUFeedForward(tokens: tokens, hidden: hidden, ffn: ffn) }

    /// Adds the gated shared expert's output to `out`, keeping what backward needs under `tag`.
    ///
    /// - x: `(tokens, hidden)`
    /// - out: `(tokens, hidden)`, added to
    func forward(x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, weights w: Weights,
                 buffers: Scratch, tag: String, pool: ThreadPool) {
        let (y, gate) = activations(buffers, tag: tag)
        mlp.forward(x: x, out: y, weights: w.mlp, buffers: buffers, tag: "\(tag).shared", pool: pool)
        Linear.forward(w.gate, outputs: 1, inputs: hidden, x: x, y: gate, tokens: tokens, pool: pool)
        let d = hidden
        Elementwise.forRows(tokens, pool: pool) { range in
            for t in range {
                gate[t] = 1 / (1 + Math.expf(-gate[t]))
                Elementwise.axpy(gate[t], y + t * d, out + t * d, count: d)
            }
        }
    }

    /// Gradients of the `forward` run under `tag`: adds d(loss)/d(x) to `dx` and the
    /// parameter gradients to `g`.
    ///
    /// With `s = sigmoid(g . x)`: `d(mlp out) = s dOut` and `d(g . x) = s (1 - s) <dOut, mlp(x)>`.
    ///
    /// - x, dOut, dx: `(tokens, hidden)`
    func backward(x: UnsafePointer<Float>, dOut: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                  weights w: Weights, grads g: Weights, buffers: Scratch, tag: String, pool: ThreadPool) {
        let (y, gate) = activations(buffers, tag: tag)
        let dy = buffers.pointer("shared.dy", rows: tokens, cols: hidden)        // (tokens, hidden)
        let dLogit = buffers.pointer("shared.dLogit", rows: tokens, cols: 1)     // (tokens)
        let d = hidden
        Elementwise.forRows(tokens, pool: pool) { range in
            for t in range {
                let s = gate[t], src = dOut + t * d, dst = dy + t * d
                dLogit[t] = Elementwise.dot(src, y + t * d, count: d) * s * (1 - s)
                for i in 0..<d { dst[i] = s * src[i] }
            }
        }
        mlp.backward(x: x, dOut: dy, dx: dx, accumulateDx: true, weights: w.mlp, grads: g.mlp, buffers: buffers,
                     tag: "\(tag).shared", pool: pool)
        Linear.backward(w.gate, outputs: 1, inputs: d, x: x, dy: dLogit, tokens: tokens, dx: dx, dw: g.gate,
                        accumulateDx: true, pool: pool)
    }

    /// The MLP's output `(tokens, hidden)` and the gate's sigmoid `(tokens)` of the pass under `tag`.
    private func activations(_ buffers: Scratch, tag: String) -> (y: UnsafeMutablePointer<Float>, gate: UnsafeMutablePointer<Float>) {
        (buffers.pointer("\(tag).sharedOut", rows: tokens, cols: hidden), buffers.pointer("\(tag).sharedGate", rows: tokens, cols: 1))
    }
}
