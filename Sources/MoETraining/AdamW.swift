import MoEKernels

/// AdamW with decoupled weight decay, step for step as `torch.optim.AdamW` (the default
/// `amsgrad=False`, `maximize=False`): decay only on matrices (`ParameterSlot.decays`), none
/// on norm weights.
public final class AdamW: @unchecked Sendable {
    /// Exponential decay of the first moment.
    public var beta1: Float
    /// Exponential decay of the second moment.
    public var beta2: Float
    /// Added to the denominator.
    public var eps: Float
    /// Decoupled weight decay.
    public var weightDecay: Float
    /// Steps taken so far.
    public var step: Int = 0
    /// First moments. `(parameters)`
    public let m: ParameterBuffer
    /// Second moments. `(parameters)`
    public let v: ParameterBuffer

    /// An optimizer for parameters laid out by `layout`.
    public init(layout: ParameterLayout, beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        m = ParameterBuffer(layout: layout)
        v = ParameterBuffer(layout: layout)
    }

    /// Applies one update with learning rate `lr` to `params` from `grads`.
    public func update(params: ParameterBuffer, grads: ParameterBuffer, lr: Float, pool: ThreadPool) {
        step += 1
        let b1 = beta1, b2 = beta2, e = eps
        let stepSize = lr / (1 - Float(Math.pow(Double(b1), Double(step))))
        let correction2 = Float((1 - Math.pow(Double(b2), Double(step))).squareRoot())
        for slot in params.layout.slots {
            let p = params.base + slot.offset, g = grads.base + slot.offset
            let m1 = m.base + slot.offset, m2 = v.base + slot.offset
            let decay = slot.decays ? 1 - lr * weightDecay : 1
            let count = slot.count
            let chunks = (count + Elementwise.chunk - 1) / Elementwise.chunk
            pool.parallelFor(chunks) { c in
                for i in c * Elementwise.chunk..<min(count, (c + 1) * Elementwise.chunk) {
                    p[i] *= decay
                    m1[i] += (g[i] - m1[i]) * (1 - b1)
                    m2[i] = m2[i] * b2 + (1 - b2) * g[i] * g[i]
                    p[i] -= stepSize * m1[i] / (m2[i].squareRoot() / correction2 + e)
                }
            }
        }
    }
}

/// Linear warmup to `peak`, then cosine decay to `peak * minRatio` at `totalSteps`.
public struct LearningRateSchedule: Sendable, Equatable {
    /// Largest learning rate.
    public var peak: Float
    /// Steps of linear warmup.
    public var warmup: Int
    /// Steps of the whole run.
    public var totalSteps: Int
    /// Final learning rate as a fraction of `peak`.
    public var minRatio: Float

    /// Creates a schedule.
    public init(peak: Float, warmup: Int, totalSteps: Int, minRatio: Float = 0.1) {
        self.peak = peak
        self.warmup = warmup
        self.totalSteps = totalSteps
        self.minRatio = minRatio
    }

    /// Learning rate of step `step` (0-based).
    public func rate(at step: Int) -> Float {
        if step < warmup { return peak * Float(step + 1) / Float(warmup) }
        let span = max(1, totalSteps - warmup)
        let progress = min(1, Double(step - warmup) / Double(span))
        let low = peak * minRatio
        return low + (peak - low) * Float(0.5 * (1 + Math.cos(Double.pi * progress)))
    }
}

/// Global-norm gradient clipping, as `torch.nn.utils.clip_grad_norm_`.
public enum GradientClipping {
    /// The L2 norm of all of `grads` (summed in double, in buffer order: deterministic).
    public static func norm(_ grads: ParameterBuffer) -> Float {
        var sum: Double = 0
        for i in 0..<grads.count { sum += Double(grads.base[i]) * Double(grads.base[i]) }
        return Float(sum.squareRoot())
    }

    /// Scales `grads` so their norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public static func clip(_ grads: ParameterBuffer, maxNorm: Float) -> Float {
        let total = norm(grads)
        let scale = maxNorm / (total + 1e-6)
        if scale < 1 {
            for i in 0..<grads.count { grads.base[i] *= scale }
        }
        return total
    }
}
