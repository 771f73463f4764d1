import MoEKernels

/// A SwiGLU feed-forward network: `down(silu(gate x) * up x)`. Dense FFNs, routed experts
/// and shared experts are all this.
struct FeedForward: Sendable {
    /// `(intermediate, hidden)`
    let gate: WeightMatrix
    /// `(intermediate, hidden)`
    let up: WeightMatrix
    /// `(hidden, intermediate)`
    let down: WeightMatrix

    /// Width of the hidden SwiGLU layer.
    var intermediateSize: Int { gate.rows }

    /// Loads `<prefix>.<gate|up|down>.weight`.
    init(_ w: WeightLoader, prefix: String, names: (gate: String, up: String, down: String),
         hidden: Int, intermediate: Int) throws {
        gate = try w.matrix("\(prefix).\(names.gate).weight", rows: intermediate, cols: hidden)
        up = try w.matrix("\(prefix).\(names.up).weight", rows: intermediate, cols: hidden)
        down = try w.matrix("\(prefix).\(names.down).weight", rows: hidden, cols: intermediate)
    }

    init(gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix) {
        self.gate = gate
        self.up = up
        self.down = down
    }

    /// Runs the FFN on `tokens` rows; `quantisedInput` as for `Kernels.matmul`.
    ///
    /// - input: `(tokens, hidden)`
    /// - output: `(tokens, hidden)`, overwritten
    /// - scratch: two buffers of at least `(tokens, intermediate)`
    func callAsFunction(
        _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens: Int,
        scratch: (FloatBuffer, FloatBuffer), quantisedInput: Bool = false, pool: ThreadPool
    ) {
        let g = scratch.0.base, u = scratch.1.base
        Kernels.matmul([MatvecJob(gate, input: input, output: g), MatvecJob(up, input: input, output: u)], tokens: tokens,
                       quantisedInput: quantisedInput, pool: pool)
        Kernels.siluMul(gate: g, up: u, count: tokens * intermediateSize, pool: pool)
        Kernels.matmul(down, input: g, output: output, tokens: tokens, quantisedInput: quantisedInput, pool: pool)
    }

    /// Parameters in the three matrices.
    var parameterCount: Int { gate.rows * gate.cols + up.rows * up.cols + down.rows * down.cols }
}
