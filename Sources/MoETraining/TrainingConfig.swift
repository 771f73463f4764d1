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
}
