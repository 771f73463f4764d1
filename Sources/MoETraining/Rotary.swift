import MoEKernels

/// Rotary position embedding in the Hugging Face "rotate half" form: within each head,
/// element `i` pairs with `i + headDim / 2`.
struct Rotary: Sendable {
    /// `(context, headDim / 2)`
    let cos: [Float]
    /// `(context, headDim / 2)`
    let sin: [Float]
    let half: Int

    /// Tables for positions `0 ..< context` (angles computed in double precision).
    init(headDim: Int, context: Int, theta: Double) {
        half = headDim / 2
        var c = [Float](repeating: 0, count: context * half), s = c
        for p in 0..<context {
            for i in 0..<half {
                let inv = 1 / Math.pow(theta, Double(2 * i) / Double(headDim))
                let angle = Double(p) * Float(inv).asDouble
                c[p * half + i] = Float(Math.cos(angle))
                s[p * half + i] = Float(Math.sin(angle))
            }
        }
        cos = c
        sin = s
    }

    /// Rotates every head of every token in place by its position's angles (`inverse`
    /// rotates back: the backward pass of the rotation).
    ///
    /// - x: `(batch * seq, heads * 2 * half)`
    func apply(_ x: UnsafeMutablePointer<Float>, batch: Int, seq: Int, heads: Int, inverse: Bool, pool: ThreadPool) {
        let width = heads * 2 * half
        let sign: Float = inverse ? -1 : 1
        Elementwise.forRows(batch * seq, pool: pool) { rows in
            for t in rows {
                let p = t % seq
                for h in 0..<heads {
                    let v = x + t * width + h * 2 * half
                    for i in 0..<half {
                        let c = cos[p * half + i], s = sign * sin[p * half + i]
                        let a = v[i], b = v[i + half]
                        v[i] = a * c - b * s
                        v[i + half] = b * c + a * s
                    }
                }
            }
        }
    }
}

extension Float {
    /// Widened to double.
    var asDouble: Double { Double(self) }
}
