import MoEKernels

/// What one optimizer step did.
public struct StepResult: Sendable {
    /// Mean loss terms over the step's micro-batches.
    public var loss: LossBreakdown
    /// Learning rate used.
    public var lr: Float
    /// Gradient norm before clipping.
    public var gradNorm: Float
}

/// Runs training: batches from a token stream, forward/backward with gradient accumulation,
/// clipping, AdamW on a warmup + cosine schedule, bias balancing, evaluation.
///
/// Deterministic: weights come from `seed`, batches from a separate stream of `seed`, and
/// every reduction runs in a fixed order, so the same config and data give bit-identical
/// runs (and `TrainingState` resumes them bit-exactly).
public final class Trainer: @unchecked Sendable {
    /// The run's settings.
    public let config: TrainingConfig
    /// The model being trained.
    public let model: TrainableModel
    /// The optimizer.
    public let optimizer: AdamW
    /// Steps completed.
    public var step: Int { optimizer.step }
    /// Source of batch offsets.
    public var dataRNG: SplitMix64
    /// Expert loads summed since the last `takeLoads()`. `(layers, experts)`
    public private(set) var loads: [[Int]]

    private let trainTokens: [Int32]

    /// A fresh run on `trainTokens` (must exceed `config.seq` tokens).
    public init(config: TrainingConfig, trainTokens: [Int32], pool: ThreadPool) throws {
        guard trainTokens.count > config.seq + 1 else {
            throw TrainingError.data("\(trainTokens.count) training tokens are fewer than one sequence of \(config.seq + 1)")
        }
        try config.validate()
        self.config = config
        self.trainTokens = trainTokens
        model = try TrainableModel(shape: config.shape, options: config.loss, pool: pool)
        var initRNG = SplitMix64(seed: config.seed ^ 0x5EED_0F_1417)
        model.params.initialize(std: config.initStd, rng: &initRNG)
        optimizer = AdamW(layout: model.params.layout, beta1: config.beta1, beta2: config.beta2, weightDecay: config.weightDecay)
        dataRNG = SplitMix64(seed: config.seed)
        loads = Self.emptyLoads(config.shape)
    }

    private static func emptyLoads(_ s: ModelShape) -> [[Int]] {
        [[Int]](repeating: [Int](repeating: 0, count: s.experts), count: s.isMoE ? s.layers : 0)
    }

    /// Returns the loads summed since the last call and starts a new sum.
    public func takeLoads() -> [[Int]] {
        defer { loads = Self.emptyLoads(config.shape) }
        return loads
    }

    /// One optimizer step over `gradAccum` random micro-batches.
    public func trainStep() throws -> StepResult {
        let c = config, n = c.batch * c.seq
        model.grads.zero()
        var sum = LossBreakdown(crossEntropy: 0, aux: 0, z: 0, total: 0)
        var stepLoads = Self.emptyLoads(c.shape)
        for _ in 0..<c.gradAccum {
            var inputs = [Int32](repeating: 0, count: n), targets = inputs
            for b in 0..<c.batch {
                let start = dataRNG.nextIndex(trainTokens.count - c.seq - 1)
                for t in 0..<c.seq {
                    inputs[b * c.seq + t] = trainTokens[start + t]
                    targets[b * c.seq + t] = trainTokens[start + t + 1]
                }
            }
            let loss = try model.forward(inputs: inputs, targets: targets, batch: c.batch, seq: c.seq)
            model.backward()
            sum.crossEntropy += loss.crossEntropy
            sum.aux += loss.aux
            sum.z += loss.z
            sum.total += loss.total
            for (l, layer) in model.expertLoads.enumerated() {
                for e in layer.indices { stepLoads[l][e] += layer[e] }
            }
        }
        let inv = 1 / Float(c.gradAccum)
        if c.gradAccum > 1 { Elementwise.scale(model.grads.base, by: inv, count: model.grads.count, pool: model.pool) }
        let norm = c.gradClip > 0 ? GradientClipping.clip(model.grads, maxNorm: c.gradClip, pool: model.pool)
            : GradientClipping.norm(model.grads, pool: model.pool)
        let lr = c.schedule.rate(at: step)
        optimizer.update(params: model.params, grads: model.grads, lr: lr, pool: model.pool)
        if c.loss.balance == .bias { updateBias(stepLoads) }
        for l in stepLoads.indices { for e in stepLoads[l].indices { loads[l][e] += stepLoads[l][e] } }
        let mean = LossBreakdown(crossEntropy: sum.crossEntropy * inv, aux: sum.aux * inv, z: sum.z * inv, total: sum.total * inv)
        return StepResult(loss: mean, lr: lr, gradNorm: norm)
    }

    /// DeepSeek-V3 bias update: under-loaded experts' selection bias rises, over-loaded falls.
    private func updateBias(_ stepLoads: [[Int]]) {
        for (l, layer) in stepLoads.enumerated() {
            let mean = Float(layer.reduce(0, +)) / Float(max(1, layer.count))
            for e in layer.indices {
                let error = mean - Float(layer[e])
                model.routerBias[l][e] += config.loss.biasUpdateRate * (error > 0 ? 1 : error < 0 ? -1 : 0)
            }
        }
    }

    /// Mean cross-entropy over up to `batches` batches of evenly spaced windows of `tokens`.
    public func evaluate(_ tokens: [Int32], batches: Int) throws -> Float {
        let c = config, n = c.batch * c.seq
        let windows = (tokens.count - 1) / c.seq
        guard windows > 0 else { throw TrainingError.data("validation text is shorter than one sequence of \(c.seq + 1) tokens") }
        let count = min(windows, batches * c.batch)
        let stride = windows / count
        var total: Double = 0
        var used = 0
        var w = 0
        while w + c.batch <= count {
            var inputs = [Int32](repeating: 0, count: n), targets = inputs
            for b in 0..<c.batch {
                let start = (w + b) * stride * c.seq
                for t in 0..<c.seq {
                    inputs[b * c.seq + t] = tokens[start + t]
                    targets[b * c.seq + t] = tokens[start + t + 1]
                }
            }
            total += Double(try model.forward(inputs: inputs, targets: targets, batch: c.batch, seq: c.seq).crossEntropy)
            used += 1
            w += c.batch
        }
        if used == 0 {
            let seq = min(c.seq, tokens.count - 1)
            let loss = try model.forward(inputs: Array(tokens[0..<seq]), targets: Array(tokens[1...seq]), batch: 1, seq: seq)
            return loss.crossEntropy
        }
        return Float(total / Double(used))
    }
}
