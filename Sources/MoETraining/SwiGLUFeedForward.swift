import MoEKernels

/// A SwiGLU MLP over every token, `y = down(silu(gate x) * up x)`: the dense layers' FFN and
/// the shared expert.
struct SwiGLUFeedForward {
    let tokens: Int
    let hidden: Int
    let ffn: Int

    /// Parameter (or gradient) pointers of one MLP.
    struct Weights {
        /// `(ffn, hidden)`
        let gate: UnsafeMutablePointer<Float>
        /// `(ffn, hidden)`
        let up: UnsafeMutablePointer<Float>
        /// `(hidden, ffn)`
        let down: UnsafeMutablePointer<Float>
    }

    /// Runs the MLP, keeping its activations in the scratch buffers `<tag>.h1`, `.h3`, `.act`.
    ///
    /// - x: `(tokens, hidden)`
    /// - out: `(tokens, hidden)`, overwritten
    func forward(x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, weights w: Weights,
                 buffers: Scratch, tag: String, pool: ThreadPool) {
        let (h1, h3, act) = activations(buffers, tag: tag)
        Linear.forward(w.gate, outputs: ffn, inputs: hidden, x: x, y: h1, tokens: tokens, pool: pool)
        Linear.forward(w.up, outputs: ffn, inputs: hidden, x: x, y: h3, tokens: tokens, pool: pool)
        SwiGLU.forward(gate: h1, up: h3, out: act, count: tokens * ffn, pool: pool)
        Linear.forward(w.down, outputs: hidden, inputs: ffn, x: act, y: out, tokens: tokens, pool: pool)
    }

    /// Gradients of the `forward` run under `tag`: `dx` is overwritten (added to with
    /// `accumulateDx`); parameter gradients are added to `g`.
    ///
    /// - x, dx, dOut: `(tokens, hidden)`
    func backward(x: UnsafePointer<Float>, dOut: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                  accumulateDx: Bool = false, weights w: Weights, grads g: Weights,
                  buffers: Scratch, tag: String, pool: ThreadPool) {
        let (h1, h3, act) = activations(buffers, tag: tag)
        let dAct = buffers.pointer("d.act", rows: tokens, cols: ffn)              // (tokens, ffn)
        let dh1 = buffers.pointer("d.h1", rows: tokens, cols: ffn)                // (tokens, ffn)
        let dh3 = buffers.pointer("d.h3", rows: tokens, cols: ffn)                // (tokens, ffn)
        Linear.backward(w.down, outputs: hidden, inputs: ffn, x: act, dy: dOut, tokens: tokens, dx: dAct, dw: g.down,
                        pool: pool)
        SwiGLU.backward(gate: h1, up: h3, dOut: dAct, dGate: dh1, dUp: dh3, count: tokens * ffn, pool: pool)
        Linear.backward(w.gate, outputs: ffn, inputs: hidden, x: x, dy: dh1, tokens: tokens, dx: dx, dw: g.gate,
                        accumulateDx: accumulateDx, pool: pool)
        Linear.backward(w.up, outputs: ffn, inputs: hidden, x: x, dy: dh3, tokens: tokens, dx: dx, dw: g.up,
                        accumulateDx: true, pool: pool)
    }

    /// The gate and up projections and their SwiGLU, each `(tokens, ffn)`, of the pass under `tag`.
    private func activations(_ buffers: Scratch, tag: String)
        -> (h1: UnsafeMutablePointer<Float>, h3: UnsafeMutablePointer<Float>, act: UnsafeMutablePointer<Float>) {
        (buffers.pointer("\(tag).h1", rows: tokens, cols: ffn), buffers.pointer("\(tag).h3", rows: tokens, cols: ffn),
         buffers.pointer("\(tag).act", rows: tokens, cols: ffn))
    }
}
