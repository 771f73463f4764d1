import MoEKernels

/// One layer's per-sequence state, as its token mixer keeps it.
enum LayerCache: Sendable {
    /// Keys and values of every position (attention).
    case attention(AttentionCache)
    /// A fixed-size state that summarises every position (gated DeltaNet).
    case recurrent(RecurrentState)
    /// The compressed latent and rotary key of every position (multi-head latent attention).
    case latent(LatentCache)
}

/// Keys and values of one attention layer for the positions processed so far, grown on
/// demand up to the cache's capacity. Key and value widths may differ.
///
/// A sliding-window layer keeps only the positions its next queries can still see, plus one
/// window more so that a sequence can be cut back by up to a window and continue: when the
/// buffers fill, rows more than `2 * window - 1` positions before the next query are
/// dropped, so such a cache holds at most four windows or one pass plus two windows.
final class AttentionCache: @unchecked Sendable {
    /// Positions the buffers may grow to.
    let capacity: Int
    /// The layer's attention window (the query plus `window - 1` earlier positions), or nil.
    let window: Int?
    /// Position of row 0: 0 unless a sliding window has dropped older rows.
    private(set) var first = 0
    /// `(allocated, keyWidth)`: row `r` holds position `first + r`.
    private(set) var keys: FloatBuffer
    /// `(allocated, valueWidth)`: row `r` holds position `first + r`.
    private(set) var values: FloatBuffer

    /// Empty buffers for rows of `keyWidth` and `valueWidth` floats.
    init(capacity: Int, keyWidth: Int, valueWidth: Int, window: Int? = nil) {
        self.capacity = capacity
        self.window = window
        let initial = min(capacity, 64)
        keys = FloatBuffer(rows: initial, cols: keyWidth)
        values = FloatBuffer(rows: initial, cols: valueWidth)
    }

    /// Makes room for positions up to `needed` (exclusive), keeping positions `first ..<
    /// length`: doubles the buffers, or for a sliding window first drops the rows no query
    /// from `length` on can see.
    func reserve(_ needed: Int, keeping length: Int) {
        guard needed - first > keys.rows else { return }
        var keepFrom = first
        var rows = min(capacity, max(needed, keys.rows * 2))
        if let window {
            keepFrom = max(first, length - (2 * window - 1))
            rows = min(capacity, max(needed - keepFrom, 4 * window))
        }
        keys = keys.grown(rows: rows, keeping: (keepFrom - first)..<(length - first))
        values = values.grown(rows: rows, keeping: (keepFrom - first)..<(length - first))
        first = keepFrom
    }

    /// Whether a sequence cut back to `length` positions can continue: the rows its next
    /// query sees are still held.
    func canResume(at length: Int) -> Bool {
        guard let window, first > 0 else { return true }
        return length - (window - 1) >= first
    }

    /// Forgets every position.
    func clear() { first = 0 }
}

/// One multi-head latent attention layer's cache: per position, the normalised latent
/// `kv_a_layernorm(c)` (`latentRank` floats) followed by the rotated shared key (`ropeDim`
/// floats), and nothing per head. Attention reads it as one key/value head whose keys are
/// whole rows and whose values are the latent part. Grown on demand up to the capacity.
final class LatentCache: @unchecked Sendable {
    /// Positions the buffer may grow to.
    let capacity: Int
    /// `(allocated, latentRank + ropeDim)`
    private(set) var rows: FloatBuffer

    /// An empty cache of rows of `width` floats.
    init(capacity: Int, width: Int) {
        self.capacity = capacity
        rows = FloatBuffer(rows: min(capacity, 64), cols: width)
    }

    /// Makes room for rows up to `needed` (exclusive), doubling the buffer and keeping the
    /// first `length` rows.
    func reserve(_ needed: Int, keeping length: Int) {
        guard needed > rows.rows else { return }
        rows = rows.grown(rows: min(capacity, max(needed, rows.rows * 2)), keeping: 0..<length)
    }
}

extension FloatBuffer {
    /// A buffer of `rows` rows holding this one's rows `kept` at the top.
    func grown(rows: Int, keeping kept: Range<Int>) -> FloatBuffer {
        let new = FloatBuffer(rows: rows, cols: cols)
        new.base.update(from: row(kept.lowerBound), count: kept.count * cols)
        return new
    }
}

/// The state of one gated DeltaNet layer: the last `kernel - 1` inputs of its causal
/// convolution and the recurrent matrix of every value head.
final class RecurrentState: @unchecked Sendable {
    /// `(kernel - 1, channels)`, oldest first.
    let convolution: FloatBuffer
    /// `(valueHeads * keyDim, valueDim)`: one `(keyDim, valueDim)` matrix per value head.
    let matrix: FloatBuffer

    /// A zero state.
    init(convolutionRows: Int, channels: Int, matrixRows: Int, valueDim: Int) {
        convolution = FloatBuffer(rows: convolutionRows, cols: channels)
        matrix = FloatBuffer(rows: matrixRows, cols: valueDim)
        clear()
    }

    /// Back to the state of an empty sequence.
    func clear() {
        convolution.zero()
        matrix.zero()
    }

    /// An independent copy.
    func copy() -> RecurrentState {
        let c = RecurrentState(convolutionRows: convolution.rows, channels: convolution.cols,
                               matrixRows: matrix.rows, valueDim: matrix.cols)
        c.restore(from: self)
        return c
    }

    /// Overwrites this state with `other`'s (same shapes).
    func restore(from other: RecurrentState) {
        convolution.base.update(from: other.convolution.base, count: convolution.count)
        matrix.base.update(from: other.matrix.base, count: matrix.count)
    }

    /// Bytes held.
    var byteCount: Int { (convolution.count + matrix.count) * MemoryLayout<Float>.size }
}
