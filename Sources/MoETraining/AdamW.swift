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
        let slots = params.layout.slots, total = params.count, chunk = Elementwise.chunk
        let decayed = 1 - lr * weightDecay
        // One dispatch over the whole buffer; a chunk may span several tensors (slots are
        // contiguous, in order), each updated with its own decay.
        pool.parallelFor((total + chunk - 1) / chunk) { c in
            let start = c * chunk, end = min(total, start + chunk)
            for slot in slots where slot.offset < end && slot.offset + slot.count > start {
                let lo = max(start, slot.offset), hi = min(end, slot.offset + slot.count)
                AdamW.apply(params: params.base + lo, grads: grads.base + lo, m: self.m.base + lo, v: self.v.base + lo,
                            count: hi - lo, decay: slot.decays ? decayed : 1, beta1: b1, beta2: b2, eps: e,
                            stepSize: stepSize, correction2: correction2)
            }
        }
    }

    /// The update of `count` consecutive parameters, 8 lanes at a time; every lane performs
    /// the scalar formula's f32 operations in the same order, so the result is the same.
    ///
    /// - params, grads, m, v: `(count)`
    @inline(__always)
    static func apply(
        params p: UnsafeMutablePointer<Float>, grads g: UnsafeMutablePointer<Float>, m m1: UnsafeMutablePointer<Float>,
        v m2: UnsafeMutablePointer<Float>, count: Int, decay: Float, beta1 b1: Float, beta2 b2: Float, eps e: Float,
        stepSize: Float, correction2: Float
    ) {
        typealias V = SIMD8<Float>
        func load(_ x: UnsafeMutablePointer<Float>, _ i: Int) -> V { UnsafeRawPointer(x + i).loadUnaligned(as: V.self) }
        func store(_ value: V, _ x: UnsafeMutablePointer<Float>, _ i: Int) {
            UnsafeMutableRawPointer(x + i).storeBytes(of: value, as: V.self)
        }
        var i = 0
        while i + 8 <= count {
            let gi = load(g, i)
            let pi = load(p, i) * decay
            let mi = load(m1, i) + (gi - load(m1, i)) * (1 - b1)
            let vi = load(m2, i) * b2 + (1 - b2) * gi * gi
            store(mi, m1, i)
            store(vi, m2, i)
            store(pi - stepSize * mi / (vi.squareRoot() / correction2 + e), p, i)
            i += 8
        }
        while i < count {
            p[i] *= decay
            m1[i] += (g[i] - m1[i]) * (1 - b1)
            m2[i] = m2[i] * b2 + (1 - b2) * g[i] * g[i]
            p[i] -= stepSize * m1[i] / (m2[i].squareRoot() / correction2 + e)
            i += 1
        }
    }
}

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
    /// The L2 norm of all of `grads`: squares summed in double per fixed chunk of the buffer
    /// (chunks split across `pool`), the chunk sums added in buffer order, so the value does
    /// not depend on the thread count.
    public static func norm(_ grads: ParameterBuffer, pool: ThreadPool) -> Float {
        let total = grads.count, chunk = Elementwise.chunk, chunks = (total + chunk - 1) / chunk
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks)  // (chunks)
        defer { partial.deallocate() }
        pool.parallelFor(chunks) { c in
            var sum: Double = 0
            for i in c * chunk..<min(total, (c + 1) * chunk) { sum += Double(grads.base[i]) * Double(grads.base[i]) }
            partial[c] = sum
        }
        var sum: Double = 0
        for c in 0..<chunks { sum += partial[c] }
        return Float(sum.squareRoot())
    }

    /// Scales `grads` so their norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public static func clip(_ grads: ParameterBuffer, maxNorm: Float, pool: ThreadPool) -> Float {
        let total = norm(grads, pool: pool)
        let scale = maxNorm / (total + 1e-6)
        if scale < 1 {
            let count = grads.count, chunk = Elementwise.chunk
            pool.parallelFor((count + chunk - 1) / chunk) { c in
                for i in c * chunk..<min(count, (c + 1) * chunk) { grads.base[i] *= scale }
            }
        }
        return total
    }
}
