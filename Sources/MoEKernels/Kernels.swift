#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Numerical kernels over raw buffers. Every pointer argument documents its shape.
///
/// Skeleton: plain scalar loops until the SIMD kernels land.
public enum Kernels {
    /// `output[t, r] = sum_c weight[r, c] * input[t, c]`.
    ///
    /// - input: `(tokens, weight.cols)`
    /// - output: `(tokens, weight.rows)`
    public static func matmul(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        tokens: Int, pool: ThreadPool
    ) {
        let row = UnsafeMutablePointer<Float>.allocate(capacity: weight.cols)
        defer { row.deallocate() }
        for r in 0..<weight.rows {
            decodeRow(weight, row: r, into: row)
            for t in 0..<tokens {
                var s: Float = 0
                for c in 0..<weight.cols { s += row[c] * input[t * weight.cols + c] }
                output[t * weight.rows + r] = s
            }
        }
    }

    /// Converts row `row` of `weight` to f32.
    ///
    /// - output: `(weight.cols)`
    public static func decodeRow(_ weight: WeightMatrix, row: Int, into output: UnsafeMutablePointer<Float>) {
        let p = weight.base + row * weight.rowBytes
        switch weight.type {
        case .f32:
            let s = p.assumingMemoryBound(to: Float.self)
            for c in 0..<weight.cols { output[c] = s[c] }
        case .f16:
            let s = p.assumingMemoryBound(to: UInt16.self)
            for c in 0..<weight.cols { output[c] = Float(Float16(bitPattern: s[c])) }
        case .bf16:
            let s = p.assumingMemoryBound(to: UInt16.self)
            for c in 0..<weight.cols { output[c] = Float(bitPattern: UInt32(s[c]) << 16) }
        }
    }

    /// `output[i] = input[i] / sqrt(mean(input^2) + eps) * weight[i]`; `output` may equal `input`.
    ///
    /// - input, weight, output: `(count)`
    public static func rmsNorm(
        _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, eps: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        var ss: Float = 0
        for i in 0..<count { ss += input[i] * input[i] }
        let inv = 1 / (ss / Float(count) + eps).squareRoot()
        for i in 0..<count { output[i] = input[i] * inv * weight[i] }
    }

    /// In-place softmax.
    ///
    /// - values: `(count)`
    public static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
        var m = -Float.infinity
        for i in 0..<count { m = max(m, values[i]) }
        var s: Float = 0
        for i in 0..<count {
            values[i] = expf(values[i] - m)
            s += values[i]
        }
        for i in 0..<count { values[i] /= s }
    }

    /// `gate[i] = silu(gate[i]) * up[i]` (SwiGLU).
    ///
    /// - gate, up: `(count)`
    public static func siluMul(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// Rotary position embedding in the rotate-half layout of Hugging Face / GPT-NeoX: for
    /// each head, the pair `(x[i], x[i + rotaryDim/2])` is rotated by the angle whose
    /// cosine and sine are `cos[i]`, `sin[i]`. Dimensions past `rotaryDim` are untouched.
    ///
    /// - x: `(heads, headDim)`
    /// - cos, sin: `(rotaryDim / 2)`
    public static func rope(
        _ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, rotaryDim: Int,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>
    ) {
        let half = rotaryDim / 2
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<half {
                let a = v[i], b = v[i + half]
                v[i] = a * cos[i] - b * sin[i]
                v[i + half] = b * cos[i] + a * sin[i]
            }
        }
    }

    /// Attention of one query position over `length` cached positions, all heads, with
    /// grouped-query sharing (query head `h` reads key/value head `h / (heads / kvHeads)`).
    ///
    /// - query: `(heads, headDim)`
    /// - keys, values: `(length, kvHeads, headDim)`, consecutive positions `kvHeads * headDim` apart
    /// - output: `(heads, headDim)`
    /// - scratch: `(heads, length)`
    public static func attention(
        query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        length: Int, heads: Int, kvHeads: Int, headDim: Int, scale: Float,
        output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        let group = heads / kvHeads
        let stride = kvHeads * headDim
        for h in 0..<heads {
            let q = query + h * headDim
            let kvh = h / group
            let scores = scratch + h * length
            for t in 0..<length {
                let k = keys + t * stride + kvh * headDim
                var s: Float = 0
                for d in 0..<headDim { s += q[d] * k[d] }
                scores[t] = s * scale
            }
            softmax(scores, count: length)
            let o = output + h * headDim
            for d in 0..<headDim { o[d] = 0 }
            for t in 0..<length {
                let v = values + t * stride + kvh * headDim
                let w = scores[t]
                for d in 0..<headDim { o[d] += w * v[d] }
            }
        }
    }
}
