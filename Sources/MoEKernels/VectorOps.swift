import Foundation

/// Small element-wise helpers on f32 rows that the model blocks need between matmuls.
public enum VectorOps {
    /// `y[i] += a * x[i]`.
    ///
    /// - x, y: `(count)`
    public static func addScaled(_ x: UnsafePointer<Float>, scale a: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += a * x[i] }
    }

    /// `y[i] += bias[i]` for each of `rows` rows of width `bias.count`.
    ///
    /// - y: `(rows, bias.count)`
    public static func addBias(_ bias: [Float], to y: UnsafeMutablePointer<Float>, rows: Int) {
        let n = bias.count
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let row = y + r * n
                for i in 0..<n { row[i] += b[i] }
            }
        }
    }

    /// `x[i] *= a`.
    ///
    /// - x: `(count)`
    public static func scale(_ x: UnsafeMutablePointer<Float>, by a: Float, count: Int) {
        for i in 0..<count { x[i] *= a }
    }

    /// Clamps every element into `[-limit, limit]`.
    ///
    /// - x: `(count)`
    public static func clamp(_ x: UnsafeMutablePointer<Float>, limit: Float, count: Int) {
        for i in 0..<count { x[i] = min(max(x[i], -limit), limit) }
    }

    /// `x[i] *= sigmoid(gates[i])`: an output gate.
    ///
    /// - x, gates: `(count)`
    public static func multiplySigmoid(_ x: UnsafeMutablePointer<Float>, gates: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] *= 1 / (1 + Foundation.exp(-gates[i])) }
    }
}
