import MoEKernels

/// `a = silu(g) * u` element-wise, the SwiGLU activation.
enum SwiGLU {
    /// - gate, up, out: `(count)`
    static func forward(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                        count: Int, pool: ThreadPool) {
        let chunks = (count + Elementwise.chunk - 1) / Elementwise.chunk
        pool.parallelFor(chunks) { c in
            for i in c * Elementwise.chunk..<min(count, (c + 1) * Elementwise.chunk) {
                let g = gate[i]
                out[i] = g / (1 + Math.expf(-g)) * up[i]
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
            for i in c * Elementwise.chunk..<min(count, (c + 1) * Elementwise.chunk) {
                let g = gate[i]
                let s = 1 / (1 + Math.expf(-g))
                dUp[i] = dOut[i] * g * s
                dGate[i] = dOut[i] * up[i] * s * (1 + g * (1 - s))
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
                    var total: Float = 0
                    for i in 0..<vocab {
                        row[i] = Math.expf(row[i] - m)
                        total += row[i]
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
