import Foundation

/// Everything that defines a training run besides the data.
public struct TrainingConfig: Sendable, Equatable {
    /// The model.
    public var shape: ModelShape
    /// Loss terms and routing options.
    public var loss: LossOptions
    /// Optimizer steps.
    public var steps: Int
    /// Sequences per micro-batch.
    public var batch: Int
    /// Tokens per sequence.
    public var seq: Int
    /// Micro-batches per optimizer step (gradients averaged).
    public var gradAccum: Int
    /// Peak learning rate.
    public var lr: Float
    /// Warmup steps.
    public var warmup: Int
    /// Final learning rate as a fraction of the peak.
    public var minLRRatio: Float
    /// AdamW decoupled weight decay (matrices only).
    public var weightDecay: Float
    /// AdamW first-moment decay.
    public var beta1: Float
    /// AdamW second-moment decay.
    public var beta2: Float
    /// Global gradient-norm clip (0 disables it).
    public var gradClip: Float
    /// Standard deviation of the initial weights.
    public var initStd: Float
    /// Seed of the weight initialisation and of the batch order.
    public var seed: UInt64

    /// A run with the trainer's defaults.
    public init(shape: ModelShape, loss: LossOptions = LossOptions(), steps: Int = 1000, batch: Int = 16, seq: Int = 128,
                gradAccum: Int = 1, lr: Float = 3e-3, warmup: Int = 50, minLRRatio: Float = 0.1, weightDecay: Float = 0.1,
                beta1: Float = 0.9, beta2: Float = 0.95, gradClip: Float = 1, initStd: Float = 0.02, seed: UInt64 = 1) {
        self.shape = shape
        self.loss = loss
        self.steps = steps
        self.batch = batch
        self.seq = seq
        self.gradAccum = gradAccum
        self.lr = lr
        self.warmup = warmup
        self.minLRRatio = minLRRatio
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.gradClip = gradClip
        self.initStd = initStd
        self.seed = seed
    }

    /// The schedule of this run.
    public var schedule: LearningRateSchedule {
        LearningRateSchedule(peak: lr, warmup: warmup, totalSteps: steps, minRatio: minLRRatio)
    }

    /// Tokens consumed per optimizer step.
    public var tokensPerStep: Int { batch * seq * gradAccum }

    /// Throws unless the run can train: a valid shape, positive counts, and finite rates and
    /// coefficients in range (a NaN learning rate would write NaN checkpoints).
    public func validate() throws {
        try shape.validate()
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw TrainingError.invalidOption(message) }
        }
        try check(steps > 0 && batch > 0 && gradAccum > 0 && warmup >= 0,
                  "steps (\(steps)), batch (\(batch)) and grad-accum (\(gradAccum)) must be positive and warmup (\(warmup)) >= 0")
        try check(seq > 1 && seq <= shape.context, "sequence length \(seq) must be in 2...\(shape.context) (the context)")
        try check(lr.isFinite && lr > 0, "learning rate must be a finite number > 0, found \(lr)")
        try check(minLRRatio.isFinite && (0...1).contains(minLRRatio), "minimum learning-rate ratio must be in 0...1, found \(minLRRatio)")
        try check(weightDecay.isFinite && weightDecay >= 0, "weight decay must be a finite number >= 0, found \(weightDecay)")
        try check((0..<1).contains(beta1) && (0..<1).contains(beta2), "AdamW betas must be in [0, 1), found \(beta1), \(beta2)")
        try check(gradClip.isFinite && gradClip >= 0, "gradient clip must be a finite number >= 0 (0: off), found \(gradClip)")
        try check(initStd.isFinite && initStd > 0, "initial standard deviation must be a finite number > 0, found \(initStd)")
        try check(loss.auxLossCoef.isFinite && loss.auxLossCoef >= 0, "aux loss coefficient must be a finite number >= 0, found \(loss.auxLossCoef)")
        try check(loss.zLossCoef.isFinite && loss.zLossCoef >= 0, "z-loss coefficient must be a finite number >= 0, found \(loss.zLossCoef)")
        try check(loss.biasUpdateRate.isFinite && loss.biasUpdateRate >= 0, "bias update rate must be a finite number >= 0, found \(loss.biasUpdateRate)")
        if let factor = loss.capacityFactor {
            try check(factor.isFinite && factor > 0, "capacity factor must be a finite number > 0, found \(factor)")
        }
    }

    /// Bytes a run needs, roughly: f32 weights, gradients and two AdamW moments per parameter,
    /// plus a micro-batch's logits and per-layer activations. Computed in floating point, so
    /// no shape overflows it.
    public var estimatedBytes: Double {
        let s = shape
        let h = Double(s.hidden), layers = Double(s.layers)
        let attention = h * Double(s.queryWidth + 2 * s.kvWidth) + Double(s.queryWidth) * h
        let experts = s.isMoE ? Double(s.experts) * 3 * h * Double(s.ffnHidden) + Double(s.experts) * h : 3 * h * Double(s.ffnHidden)
        let shared = 3 * h * Double(s.sharedExpertHidden)
        let parameters = layers * (attention + experts + shared) + 2 * Double(s.vocabSize) * h
        let tokens = Double(batch) * Double(seq)
        let activations = tokens * (Double(s.vocabSize) + layers * (16 * h + Double(max(s.topK, 1)) * 3 * Double(s.ffnHidden)))
        return 4 * (4 * parameters + 2 * activations)
    }

    /// Throws unless `estimatedBytes` fits in `memoryBytes`.
    public func checkFits(memoryBytes: Int) throws {
        guard estimatedBytes <= Double(memoryBytes) else {
            let gib = { (bytes: Double) in String(format: "%.1f GiB", bytes / Double(1 << 30)) }
            throw TrainingError.invalidOption("the run needs about \(gib(estimatedBytes)) (weights, gradients, optimizer state and "
                + "activations), more than this machine's \(gib(Double(memoryBytes))); reduce the model or --batch")
        }
    }
}
