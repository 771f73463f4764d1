import MoEKernels

/// The loss of one forward pass, by term.
public struct LossBreakdown: Sendable, Equatable {
    /// Mean cross-entropy of the next-token predictions (nats).
    public var crossEntropy: Float
    /// Load-balancing loss before its coefficient (0 for dense models).
    public var aux: Float
    /// Router z-loss before its coefficient (0 for dense models).
    public var z: Float
    /// The optimised objective: `crossEntropy + auxCoef * aux + zCoef * z`.
    public var total: Float
}

/// A Mixtral-style MoE (optionally with Qwen2-MoE shared experts) or Llama-style dense
/// transformer with hand-written forward and backward passes in f32.
///
/// Parameters and gradients are flat buffers in Hugging Face tensor naming. `forward` keeps
/// every activation backward needs in named scratch buffers; `backward` adds the gradient of
/// the last forward pass's total loss into `grads`.
public final class TrainableModel: @unchecked Sendable {
    /// The architecture.
    public let shape: ModelShape
    /// Weights.
    public let params: ParameterBuffer
    /// Gradients, accumulated by `backward` until `grads.zero()`.
    public let grads: ParameterBuffer
    /// Loss terms and routing options.
    public var options: LossOptions
    /// Per MoE layer, the selection bias of `.bias` balancing. `(layers, experts)`
    public var routerBias: [[Float]]
    /// Threads every kernel runs on.
    public let pool: ThreadPool

    let rotary: Rotary
    let buffers = Scratch()
    let moeActivations: [MoEActivations]
    /// Sequences in the last forward pass.
    private(set) var batchSize = 0
    /// Tokens per sequence in the last forward pass.
    private(set) var sequenceLength = 0
    private var inputs: [Int32] = []
    /// Per MoE layer, d(loss)/d(router probability) from the balance loss. `(layers, experts)`
    private(set) var auxGradients: [[Float]] = []
    /// d(loss)/d(logsumexp^2) of every token from the z-loss.
    private(set) var zGradient: Float = 0

    /// A model of `shape` with zero weights (load or `params.initialize` them).
    public init(shape: ModelShape, options: LossOptions = LossOptions(), pool: ThreadPool) throws {
        try shape.validate()
        self.shape = shape
        self.options = options
        self.pool = pool
        let layout = ParameterLayout(shape: shape)
        params = ParameterBuffer(layout: layout)
        grads = ParameterBuffer(layout: layout)
        routerBias = [[Float]](repeating: [Float](repeating: 0, count: shape.experts), count: shape.isMoE ? shape.layers : 0)
        rotary = Rotary(headDim: shape.headDim, context: shape.context, theta: shape.ropeTheta)
        moeActivations = (0..<(shape.isMoE ? shape.layers : 0)).map { _ in MoEActivations() }
    }

    /// The routers' selection biases as checkpoint tensors (`LayerTensorNames.selectionBias`),
    /// when `.bias` balancing uses them; inference adds them as training did. `(experts)` each
    public var selectionBiasTensors: [(name: String, values: [Float])] {
        guard options.balance == .bias else { return [] }
        return routerBias.enumerated().map { (LayerTensorNames(layer: $0.offset, layout: shape.layout).selectionBias, $0.element) }
    }

    /// Tokens routed to each expert by the last forward pass (top-k selections, before
    /// capacity dropping). `(layers, experts)`
    public var expertLoads: [[Int]] { moeActivations.map(\.selections) }

    /// Runs the model on `batch` sequences of `seq` tokens and returns the loss of predicting
    /// `targets`; keeps what `backward` needs.
    ///
    /// - inputs, targets: `(batch, seq)` token ids in `0 ..< vocabSize`
    public func forward(inputs: [Int32], targets: [Int32], batch: Int, seq: Int) throws -> LossBreakdown {
        let s = shape
        guard batch > 0, seq > 0, seq <= s.context, inputs.count == batch * seq, targets.count == batch * seq else {
            throw TrainingError.data("batch of \(inputs.count) inputs / \(targets.count) targets does not match \(batch) x \(seq) (context \(s.context))")
        }
        for id in inputs + targets where !(0..<Int32(s.vocabSize)).contains(id) {
            throw TrainingError.data("token id \(id) outside the vocabulary of \(s.vocabSize)")
        }
        batchSize = batch
        sequenceLength = seq
        self.inputs = inputs
        let n = batch * seq, d = s.hidden
        let x = buffers.pointer("x0", rows: n, cols: d) // (n, hidden) embeddings
        let embedding = params.pointer("model.embed_tokens.weight")
        for t in 0..<n { (x + t * d).update(from: embedding + Int(inputs[t]) * d, count: d) }
        for l in 0..<s.layers { layerForward(l) }
        let last = buffers.pointer("x\(s.layers)", rows: n, cols: d)    // (n, hidden)
        let normed = buffers.pointer("final.normed", rows: n, cols: d)  // (n, hidden)
        let inv = buffers.pointer("final.inv", rows: n, cols: 1)        // (n)
        Norm.forward(x: last, w: params.pointer("model.norm.weight"), y: normed, inverseRMS: inv,
                     tokens: n, width: d, eps: s.rmsNormEps, pool: pool)
        let logits = buffers.pointer("logits", rows: n, cols: s.vocabSize) // (n, vocab), becomes dlogits
        Linear.forward(params.pointer("lm_head.weight"), outputs: s.vocabSize, inputs: d, x: normed, y: logits, tokens: n, pool: pool)
        let losses = buffers.pointer("losses", rows: n, cols: 1) // (n)
        let ce = CrossEntropy.lossAndGradient(logits: logits, targets: targets, vocab: s.vocabSize, pool: pool, losses: losses)
        let (aux, z) = routerLosses(tokens: n)
        return LossBreakdown(crossEntropy: ce, aux: aux, z: z,
                             total: ce + options.effectiveAuxCoef * aux + options.zLossCoef * z)
    }

    /// Adds the gradient of the last `forward`'s total loss to `grads`.
    public func backward() {
        let s = shape, n = batchSize * sequenceLength, d = s.hidden
        let normed = buffers.pointer("final.normed", rows: n, cols: d)   // (n, hidden)
        let inv = buffers.pointer("final.inv", rows: n, cols: 1)         // (n)
        let dLogits = buffers.pointer("logits", rows: n, cols: s.vocabSize) // (n, vocab)
        let dNormed = buffers.pointer("d.normed", rows: n, cols: d)      // (n, hidden)
        let dx = buffers.pointer("d.x", rows: n, cols: d)                // (n, hidden) residual gradient
        Linear.backward(params.pointer("lm_head.weight"), outputs: s.vocabSize, inputs: d, x: normed, dy: dLogits,
                        tokens: n, dx: dNormed, dw: grads.pointer("lm_head.weight"), pool: pool)
        Norm.backward(x: buffers.pointer("x\(s.layers)", rows: n, cols: d), w: params.pointer("model.norm.weight"),
                      inverseRMS: inv, dy: dNormed, dx: dx, dw: grads.pointer("model.norm.weight"),
                      tokens: n, width: d, accumulate: false, pool: pool)
        for l in stride(from: s.layers - 1, through: 0, by: -1) { layerBackward(l, dx: dx) }
        let dEmbedding = grads.pointer("model.embed_tokens.weight")
        for t in 0..<n { Elementwise.axpy(1, dx + t * d, dEmbedding + Int(inputs[t]) * d, count: d) }
    }

    /// Balance and z losses of the last forward pass; sets the gradients backward applies.
    private func routerLosses(tokens n: Int) -> (aux: Float, z: Float) {
        guard shape.isMoE else { return (0, 0) }
        let e = shape.experts, layers = Float(shape.layers), scale = 1 / (Float(n) * layers)
        var aux: Float = 0, z: Float = 0
        var pooledF = [Float](repeating: 0, count: e), pooledP = pooledF
        var perLayerF: [[Float]] = []
        for a in moeActivations {
            var f = [Float](repeating: 0, count: e), p = f
            for i in 0..<e { f[i] = Float(a.selections[i]) / Float(n) }
            for t in 0..<n { for i in 0..<e { p[i] += a.probs[t * e + i] } }
            for i in 0..<e { p[i] /= Float(n) }
            var layerAux: Float = 0
            for i in 0..<e { layerAux += f[i] * p[i] }
            aux += Float(e) * layerAux / layers
            for i in 0..<e {
                pooledF[i] += f[i] / layers
                pooledP[i] += p[i] / layers
            }
            perLayerF.append(f)
            var zs: Float = 0
            for t in 0..<n { zs += a.logSumExp[t] * a.logSumExp[t] }
            z += zs / Float(n) / layers
        }
        if options.pooledAuxLoss {
            aux = 0
            for i in 0..<e { aux += pooledF[i] * pooledP[i] }
            aux *= Float(e)
        }
        let coef = options.effectiveAuxCoef * Float(e) * scale
        auxGradients = perLayerF.map { f in (options.pooledAuxLoss ? pooledF : f).map { coef * $0 } }
        zGradient = options.zLossCoef * scale
        return (aux, z)
    }
}
