import MoEKernels

/// One layer's per-sequence state, as its token mixer keeps it.
enum LayerCache: Sendable {
    /// Keys and values of every position (attention).
    case attention(AttentionCache)
    /// A fixed-size state that summarises every position (gated DeltaNet).
    case recurrent(RecurrentState)
}

/// Keys and values of one attention layer for the positions processed so far, grown on
/// demand up to the cache's capacity. Key and value widths may differ.
final class AttentionCache: @unchecked Sendable {
    /// Positions the buffers may grow to.
    let capacity: Int
    /// `(allocated, keyWidth)`
    private(set) var keys: FloatBuffer
    /// `(allocated, valueWidth)`
    private(set) var values: FloatBuffer

    /// Empty buffers for rows of `keyWidth` and `valueWidth` floats.
    init(capacity: Int, keyWidth: Int, valueWidth: Int) {
        self.capacity = capacity
        let initial = min(capacity, 64)
        keys = FloatBuffer(rows: initial, cols: keyWidth)
        values = FloatBuffer(rows: initial, cols: valueWidth)
    }

    /// Makes room for rows up to `needed` (exclusive), doubling the buffers and keeping the
    /// first `length` rows.
    func reserve(_ needed: Int, keeping length: Int) {
        guard needed > keys.rows else { return }
        let rows = min(capacity, max(needed, keys.rows * 2))
        keys = Self.grow(keys, rows: rows, keeping: length)
        values = Self.grow(values, rows: rows, keeping: length)
    }

    private static func grow(_ old: FloatBuffer, rows: Int, keeping length: Int) -> FloatBuffer {
        let new = FloatBuffer(rows: rows, cols: old.cols)
        new.base.update(from: old.base, count: length * old.cols)
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
