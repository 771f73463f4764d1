import MoEKernels

/// `a = silu(g) * u` element-wise, the SwiGLU activation.
enum SwiGLU {
    /// - gate, up, out: `(count)`
    static func forward(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                        count: Int, pool: ThreadPool) {
        let chunks = (count + Elementwise.chunk - 1) / Elementwise.chunk
        pool.parallelFor(chunks) { c in
            let start = c * Elementwise.chunk, end = min(count, start + Elementwise.chunk)
            var i = start
            while i + 8 <= end {
                let g = gate.load8(i)
                out.store8(g / (1 + VectorMath.exp(-g)) * up.load8(i), at: i)
                i += 8
            }
            while i < end {
                let g = gate[i]
                out[i] = g / (1 + Math.expf(-g)) * up[i]
                i += 1
            }
        }
    }

    /// Gradients of `forward`: `dGate`, `dUp` overwritten.
    ///
    /// - gate, up, dOut, dGate, dUp: `(count)`
    static func backward(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
                         dGate: UnsafeMutablePointer<Float>, dUp: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool) {
        let chunks = (count + Elementwise.chunk - 1) / Elementwise.chunk
        pool.parallelFor(chunks) { c in
            let start = c * Elementwise.chunk, end = min(count, start + Elementwise.chunk)
            var i = start
            while i + 8 <= end {
                let g = gate.load8(i), d = dOut.load8(i)
                let s = 1 / (1 + VectorMath.exp(-g))
                dUp.store8(d * g * s, at: i)
                dGate.store8(d * up.load8(i) * s * (1 + g * (1 - s)), at: i)
                i += 8
            }
            while i < end {
                let g = gate[i]
                let s = 1 / (1 + Math.expf(-g))
                dUp[i] = dOut[i] * g * s
                dGate[i] = dOut[i] * up[i] * s * (1 + g * (1 - s))
                i += 1
            }
        }
    }
}

/// Cross-entropy over logits rows with integer targets.
enum CrossEntropy {
    /// Mean over tokens of `-log softmax(logits)[target]`; replaces `logits` by the gradient
    /// of that mean (`(softmax - onehot) / tokens`). Per-token losses are summed in token
    /// order (deterministic).
    ///
    /// - logits: `(tokens, vocab)`
    /// - targets: `(tokens)`
    static func lossAndGradient(logits: UnsafeMutablePointer<Float>, targets: [Int32], vocab: Int,
                                pool: ThreadPool, losses: UnsafeMutablePointer<Float>) -> Float {
        let tokens = targets.count
        let scale = 1 / Float(tokens)
        targets.withUnsafeBufferPointer { tp in
            Elementwise.forRows(tokens, pool: pool) { rows in
                for t in rows {
                    let row = logits + t * vocab
                    var m = -Float.infinity
                    for i in 0..<vocab { m = max(m, row[i]) }
                    let target = Int(tp[t])
                    let targetLogit = row[target]
                    var sums = SIMD8<Float>()
                    var i = 0
                    while i + 8 <= vocab {
                        let e = VectorMath.exp(row.load8(i) - m)
                        row.store8(e, at: i)
                        sums += e
                        i += 8
                    }
                    var total = sums.sum()
                    while i < vocab {
                        row[i] = Math.expf(row[i] - m)
                        total += row[i]
                        i += 1
                    }
                    losses[t] = Math.logf(total) + m - targetLogit
                    let inv = 1 / total
                    for i in 0..<vocab { row[i] *= inv * scale }
                    row[target] -= scale
                }
            }
        }
        var sum: Float = 0
        for t in 0..<tokens { sum += losses[t] }
        return sum * scale
    }
}
