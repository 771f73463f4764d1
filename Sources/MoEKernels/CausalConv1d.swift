extension Kernels {
    /// Depthwise causal convolution over time followed by SiLU, the short convolution of a gated
    /// DeltaNet layer, with a rolling window so that a prefill and the decode steps after it
    /// chain:
    ///
    /// `output[t, c] = silu(sum_j weight[c, j] * x[t - (kernel - 1) + j, c])`,
    ///
    /// where `x` is `state` followed by `input`: positions before 0 read the previous inputs
    /// held in `state`. `weight[c, kernel - 1]` multiplies the current token (PyTorch's conv1d
    /// weight `(channels, 1, kernel)` squeezed). On return `state` holds the last `kernel - 1`
    /// positions of that sequence. Pieces of `convolutionChannels` channels are spread over
    /// `pool`; results do not depend on the thread count. `output` must not overlap `input` or
    /// `state`.
    ///
    /// - input, output: `(tokens, channels)`
    /// - weight: `(channels, kernel)`
    /// - state: `(kernel - 1, channels)`, oldest first; zeros for a fresh sequence
    public static func causalConv1d(
        _ input: UnsafePointer<Float>, tokens: Int, channels: Int, weight: UnsafePointer<Float>, kernel: Int,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        precondition(tokens >= 0 && channels >= 0 && kernel >= 1, "causalConv1d: bad shape")
        guard tokens > 0, channels > 0 else { return }
        let piece = convolutionChannels
        pool.parallelFor((channels + piece - 1) / piece) { index in
            let first = index * piece
            convolvePiece(input, tokens: tokens, channels: channels, first: first, width: min(piece, channels - first),
                          weight: weight, kernel: kernel, state: state, output: output)
        }
    }

    /// Channels per pool task of `causalConv1d`: a piece's `kernel` input rows stay in L1.
    static var convolutionChannels: Int { 256 }

    /// `causalConv1d` for channels `first ..< first + width` on the calling thread, then the
    /// window update of those channels.
    ///
    /// - input, output: `(tokens, channels)`
    /// - weight: `(channels, kernel)`
    /// - state: `(kernel - 1, channels)`
    private static func convolvePiece(
        _ input: UnsafePointer<Float>, tokens: Int, channels: Int, first: Int, width: Int,
        weight: UnsafePointer<Float>, kernel: Int, state: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let history = kernel - 1
        withUnsafeTemporaryAllocation(of: Float.self, capacity: kernel * width) { buffer in
            let taps = buffer.baseAddress!  // (kernel, width): the piece's weights, tap-major
            for j in 0..<kernel {
                for c in 0..<width { taps[j * width + c] = weight[(first + c) * kernel + j] }
            }
            /// Channel `first` of sequence position `p` (negative positions are in `state`).
            func row(_ p: Int) -> UnsafePointer<Float> {
                p >= 0 ? input + p * channels + first : UnsafePointer(state + (history + p) * channels + first)
            }
            for t in 0..<tokens {
                let out = output + t * channels + first
                // One pass per tap over the piece's row: each a plain vector loop.
                for j in 0..<kernel {
                    multiplyAdd(UnsafePointer(taps + j * width), row(t - history + j), into: out, count: width,
                                accumulate: j > 0)
                }
                VectorMath.silu(out, count: width)
            }
        }
        // Window row r becomes sequence position tokens + r - history; rows are rewritten in
        // increasing order, so a row of `state` is read before it is overwritten.
        for r in 0..<history {
            let p = tokens + r - history
            let source = p >= 0 ? input + p * channels + first : UnsafePointer(state + (history + p) * channels + first)
            (state + r * channels + first).update(from: source, count: width)
        }
    }

    /// `out[i] (+)= a[i] * b[i]`.
    ///
    /// - a, b, out: `(count)`
    private static func multiplyAdd(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
        accumulate: Bool
    ) {
        let full = count & ~7, rest = count - full
        var c = 0
        while c < full {
            var sum = accumulate ? out.load8(c) : SIMD8<Float>()
            sum.addProduct(a.load8(c), b.load8(c))
            out.store8(sum, at: c)
            c += 8
        }
        if rest > 0 {
            var sum = accumulate ? out.loadPartial8(full, count: rest) : SIMD8<Float>()
            sum.addProduct(a.loadPartial8(full, count: rest), b.loadPartial8(full, count: rest))
            out.storePartial8(sum, at: full, count: rest)
        }
    }
}
