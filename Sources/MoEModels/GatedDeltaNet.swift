import Foundation
import MoEKernels

/// Gated DeltaNet linear attention (Qwen3-Next, Qwen3.5): a causal depthwise convolution
/// and SiLU over queries, keys and values, then the gated delta rule, which keeps one
/// `(keyDim, valueDim)` matrix per value head instead of a growing key/value cache:
/// `S <- exp(g) S; S <- S + k (beta (v - S^T k))^T; o = S^T q`, with q and k L2-normalised and
/// `beta = sigmoid(b)`, `g = -exp(A_log) * softplus(a + dt_bias)`. The output is normalised
/// per head and gated, `w * norm(o) * silu(z)`, before `out_proj`.
struct GatedDeltaNet: TokenMixer {
    /// The projections of the input, as the checkpoint stores them.
    enum InputProjections: Sendable {
        /// `(2 keyHeads keyDim + 2 valueHeads valueDim, hidden)`: per key head, its query,
        /// key, and its value heads' values and gates.
        case groupedQKVZ(WeightMatrix)
        /// `(2 keyHeads keyDim + valueHeads valueDim, hidden)` then `(valueHeads valueDim, hidden)`.
        case separateQKVZ(qkv: WeightMatrix, z: WeightMatrix)
    }

    /// The beta and alpha projections.
    enum GateProjections: Sendable {
        /// `(2 valueHeads, hidden)`: per key head, its value heads' betas then alphas.
        case groupedBA(WeightMatrix)
        /// `(valueHeads, hidden)` each.
        case separateBA(b: WeightMatrix, a: WeightMatrix)
    }

    let shape: GatedDeltaNetConfig
    let inputs: InputProjections
    let gates: GateProjections
    /// `(channels, kernel)`: the depthwise convolution's taps, oldest first.
    let convolution: [Float]
    /// `(valueHeads)`: `-exp(A_log)`, the decay rate per head.
    let decayRate: [Float]
    /// `(valueHeads)`
    let timeStepBias: [Float]
    /// `(valueDim)`: the gated norm's weight (a plain weight, never offset).
    let normWeight: [Float]
    /// `(hidden, valueHeads * valueDim)`
    let output: WeightMatrix
    let eps: Float

    /// Loads `<prefix>.{in_proj_*, conv1d, A_log, dt_bias, norm, out_proj}`.
    init(_ w: WeightLoader, prefix: String, config c: ModelConfig) throws {
        guard let s = c.deltaNet else {
            throw ConfigError(file: w.location, field: "linear_num_value_heads", "a linear-attention layer needs the DeltaNet shape")
        }
        shape = s
        let hidden = c.hiddenSize
        let keyWidth = s.keyHeads * s.keyDim, valueWidth = s.valueHeads * s.valueDim
        if s.groupedQKVZ {
            inputs = .groupedQKVZ(try w.matrix("\(prefix).in_proj_qkvz.weight", rows: 2 * keyWidth + 2 * valueWidth, cols: hidden))
        } else {
            inputs = .separateQKVZ(qkv: try w.matrix("\(prefix).in_proj_qkv.weight", rows: 2 * keyWidth + valueWidth, cols: hidden),
                                   z: try w.matrix("\(prefix).in_proj_z.weight", rows: valueWidth, cols: hidden))
        }
        if s.groupedBA {
            gates = .groupedBA(try w.matrix("\(prefix).in_proj_ba.weight", rows: 2 * s.valueHeads, cols: hidden))
        } else {
            gates = .separateBA(b: try w.matrix("\(prefix).in_proj_b.weight", rows: s.valueHeads, cols: hidden),
                                a: try w.matrix("\(prefix).in_proj_a.weight", rows: s.valueHeads, cols: hidden))
        }
        convolution = try w.squeezedMatrix("\(prefix).conv1d.weight", rows: s.convolutionChannels, cols: s.convolutionKernel)
        let a = try w.vector("\(prefix).A_log", count: s.valueHeads)
        decayRate = s.decayStoredAsRate ? a : a.map { -Foundation.exp($0) }
        timeStepBias = try w.vector("\(prefix).dt_bias", count: s.valueHeads)
        normWeight = try w.vector("\(prefix).norm.weight", count: s.valueDim)
        output = try w.matrix("\(prefix).out_proj.weight", rows: hidden, cols: valueWidth)
        eps = c.rmsNormEps
    }

    /// A zero convolution window and zero recurrent matrices.
    func makeCache(capacity: Int) -> LayerCache {
        .recurrent(RecurrentState(convolutionRows: shape.convolutionKernel - 1, channels: shape.convolutionChannels,
                                  matrixRows: shape.valueHeads * shape.keyDim, valueDim: shape.valueDim))
    }

    /// Runs `tokens` new positions through the layer, continuing from and updating its
    /// recurrent state.
    ///
    /// - input: `(tokens, hidden)`
    /// - output: `(tokens, hidden)`, overwritten
    func callAsFunction(
        _ input: UnsafePointer<Float>, output out: UnsafeMutablePointer<Float>, tokens: Int, start: Int,
        state: LayerCache, context: MixerContext
    ) {
        guard case .recurrent(let recurrent) = state else { preconditionFailure("gated DeltaNet needs a recurrent state") }
        let ws = context.workspace, pool = context.pool, s = shape
        let keyWidth = s.keyHeads * s.keyDim, valueWidth = s.valueHeads * s.valueDim, channels = s.convolutionChannels
        let mixed = ws.buffer("dn.mixed", rows: tokens, cols: channels)   // (tokens, channels): queries, keys, values
        let z = ws.buffer("dn.z", rows: tokens, cols: valueWidth)          // (tokens, valueHeads * valueDim)
        let b = ws.buffer("dn.b", rows: tokens, cols: s.valueHeads)        // (tokens, valueHeads)
        let a = ws.buffer("dn.a", rows: tokens, cols: s.valueHeads)        // (tokens, valueHeads)
        project(input, tokens: tokens, mixed: mixed, z: z, b: b, a: a, workspace: ws, pool: pool)

        let convolved = ws.buffer("dn.conv", rows: tokens, cols: channels) // (tokens, channels)
        convolution.withUnsafeBufferPointer { taps in
            guard let weight = taps.baseAddress else { return }
            Kernels.causalConv1d(mixed.base, tokens: tokens, channels: channels, weight: weight, kernel: s.convolutionKernel,
                                 state: recurrent.convolution.base, output: convolved.base, pool: pool)
        }
        // The rule's key heads: the stored ones, or one per value head when value heads are
        // tiled over the key heads (each value head then carries its own copy).
        let ruleKeyHeads = s.valueHeadOrder == .grouped ? s.keyHeads : s.valueHeads
        let q = ws.buffer("dn.q", rows: tokens, cols: ruleKeyHeads * s.keyDim) // (tokens, ruleKeyHeads * keyDim)
        let k = ws.buffer("dn.k", rows: tokens, cols: ruleKeyHeads * s.keyDim) // (tokens, ruleKeyHeads * keyDim)
        let v = ws.buffer("dn.v", rows: tokens, cols: valueWidth)               // (tokens, valueHeads * valueDim)
        for t in 0..<tokens {
            let row = convolved.row(t)
            for h in 0..<ruleKeyHeads {
                let source = h % s.keyHeads
                (q.row(t) + h * s.keyDim).update(from: row + source * s.keyDim, count: s.keyDim)
                (k.row(t) + h * s.keyDim).update(from: row + keyWidth + source * s.keyDim, count: s.keyDim)
            }
            v.row(t).update(from: row + 2 * keyWidth, count: valueWidth)
        }
        // beta = sigmoid(b) and g = -exp(A_log) * softplus(a + dt_bias), in place.
        for t in 0..<tokens {
            let bt = b.row(t), at = a.row(t)
            for h in 0..<s.valueHeads {
                bt[h] = 1 / (1 + Foundation.exp(-bt[h]))
                at[h] = decayRate[h] * Self.softplus(at[h] + timeStepBias[h])
            }
        }
        let mixedOut = ws.buffer("dn.out", rows: tokens, cols: valueWidth) // (tokens, valueHeads * valueDim)
        let heads = DeltaNetHeads(keyHeads: ruleKeyHeads, valueHeads: s.valueHeads, keyDim: s.keyDim, valueDim: s.valueDim)
        Kernels.gatedDeltaRule(query: q.base, key: k.base, value: v.base, logDecay: a.base, beta: b.base, tokens: tokens,
                               heads: heads, state: recurrent.matrix.base, output: mixedOut.base, pool: pool)
        normWeight.withUnsafeBufferPointer { w in
            guard let weight = w.baseAddress else { return }
            Kernels.gatedRMSNorm(mixedOut.base, gate: z.base, weight: weight, rows: tokens * s.valueHeads, width: s.valueDim,
                                 eps: eps, output: mixedOut.base)
        }
        Kernels.matmul(output, input: mixedOut.base, output: out, tokens: tokens, pool: pool)
    }

    /// The input projections, rearranged into queries|keys|values, gates, betas and alphas.
    ///
    /// - mixed: `(tokens, channels)`; z: `(tokens, valueHeads * valueDim)`; b, a: `(tokens, valueHeads)`
    private func project(
        _ input: UnsafePointer<Float>, tokens: Int, mixed: FloatBuffer, z: FloatBuffer, b: FloatBuffer, a: FloatBuffer,
        workspace ws: Workspace, pool: ThreadPool
    ) {
        let s = shape, keyWidth = s.keyHeads * s.keyDim, perKey = s.valueHeads / s.keyHeads
        var jobs: [MatvecJob] = []
        var groupedQKVZ: FloatBuffer?, groupedBA: FloatBuffer?
        switch inputs {
        case .groupedQKVZ(let m):
            let buffer = ws.buffer("dn.qkvz", rows: tokens, cols: m.rows) // (tokens, 2 keyWidth + 2 valueWidth)
            jobs.append(MatvecJob(m, input: input, output: buffer.base))
            groupedQKVZ = buffer
        case .separateQKVZ(let qkv, let zm):
            jobs.append(MatvecJob(qkv, input: input, output: mixed.base))
            jobs.append(MatvecJob(zm, input: input, output: z.base))
        }
        switch gates {
        case .groupedBA(let m):
            let buffer = ws.buffer("dn.ba", rows: tokens, cols: m.rows) // (tokens, 2 valueHeads)
            jobs.append(MatvecJob(m, input: input, output: buffer.base))
            groupedBA = buffer
        case .separateBA(let bm, let am):
            jobs.append(MatvecJob(bm, input: input, output: b.base))
            jobs.append(MatvecJob(am, input: input, output: a.base))
        }
        Kernels.matmul(jobs, tokens: tokens, pool: pool)
        if let grouped = groupedQKVZ {
            let groupValues = perKey * s.valueDim, group = 2 * s.keyDim + 2 * groupValues
            for t in 0..<tokens {
                let from = grouped.row(t), to = mixed.row(t)
                for g in 0..<s.keyHeads {
                    let src = from + g * group
                    (to + g * s.keyDim).update(from: src, count: s.keyDim)
                    (to + keyWidth + g * s.keyDim).update(from: src + s.keyDim, count: s.keyDim)
                    (to + 2 * keyWidth + g * groupValues).update(from: src + 2 * s.keyDim, count: groupValues)
                    (z.row(t) + g * groupValues).update(from: src + 2 * s.keyDim + groupValues, count: groupValues)
                }
            }
        }
        if let grouped = groupedBA {
            for t in 0..<tokens {
                let from = grouped.row(t)
                for g in 0..<s.keyHeads {
                    (b.row(t) + g * perKey).update(from: from + 2 * g * perKey, count: perKey)
                    (a.row(t) + g * perKey).update(from: from + 2 * g * perKey + perKey, count: perKey)
                }
            }
        }
    }

    /// PyTorch's `softplus` (beta 1, threshold 20).
    private static func softplus(_ x: Float) -> Float {
        x > 20 ? x : Foundation.log1p(Foundation.exp(x))
    }

    /// Parameters in the layer's weights.
    var parameterCount: Int {
        let matrices: [WeightMatrix]
        switch inputs {
        case .groupedQKVZ(let m): matrices = [m]
        case .separateQKVZ(let qkv, let z): matrices = [qkv, z]
        }
        let gateMatrices: [WeightMatrix]
        switch gates {
        case .groupedBA(let m): gateMatrices = [m]
        case .separateBA(let b, let a): gateMatrices = [b, a]
        }
        return (matrices + gateMatrices + [output]).reduce(0) { $0 + $1.rows * $1.cols }
            + convolution.count + decayRate.count + timeStepBias.count + normWeight.count
    }
}
