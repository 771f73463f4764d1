import MoEKernels

/// Keys and values of every layer for the positions processed so far, plus the scratch a
/// forward pass needs. One cache is one conversation: a model may serve several caches,
/// but one cache is used by one forward pass at a time.
public final class KVCache: @unchecked Sendable {
    /// Positions the cache can hold.
    public let capacity: Int
    /// Positions stored so far (the next token's position).
    public internal(set) var length = 0
    /// Floats per position per layer: `kvHeads * headDim`.
    let width: Int
    /// Per layer: `(allocated, width)`, grown on demand up to `capacity`.
    var keys: [FloatBuffer]
    /// Per layer: `(allocated, width)`.
    var values: [FloatBuffer]
    /// Scratch buffers reused between forward passes.
    let workspace = Workspace()

    /// An empty cache for `config` holding up to `capacity` positions.
    public init(config: ModelConfig, capacity: Int) {
        self.capacity = capacity
        width = config.kvHeadCount * config.headDim
        let initial = min(capacity, 64)
        keys = (0..<config.layerCount).map { _ in FloatBuffer(rows: initial, cols: config.kvHeadCount * config.headDim) }
        values = (0..<config.layerCount).map { _ in FloatBuffer(rows: initial, cols: config.kvHeadCount * config.headDim) }
    }

    /// Forgets every position (the buffers are kept).
    public func reset() { length = 0 }

    /// Forgets the positions from `newLength` on, keeping the first `newLength`.
    public func truncate(to newLength: Int) { length = max(0, min(length, newLength)) }

    /// Makes room for positions up to `needed` (exclusive), doubling the buffers.
    func reserve(_ needed: Int) {
        guard let allocated = keys.first?.rows, needed > allocated else { return }
        let rows = min(capacity, max(needed, allocated * 2))
        keys = keys.map { grow($0, rows: rows) }
        values = values.map { grow($0, rows: rows) }
    }

    private func grow(_ old: FloatBuffer, rows: Int) -> FloatBuffer {
        let new = FloatBuffer(rows: rows, cols: old.cols)
        new.base.update(from: old.base, count: length * old.cols)
        return new
    }

    /// Bytes the cache needs per position (f32 keys and values, all layers).
    public static func bytesPerToken(_ config: ModelConfig) -> Int {
        config.layerCount * 2 * config.kvHeadCount * config.headDim * MemoryLayout<Float>.size
    }
}

/// Named scratch buffers, each grown to the largest size asked for and then reused.
final class Workspace: @unchecked Sendable {
    private var buffers: [String: FloatBuffer] = [:]

    /// A buffer with at least `rows` rows of `cols` floats; contents unspecified.
    func buffer(_ name: String, rows: Int, cols: Int) -> FloatBuffer {
        if let b = buffers[name], b.cols == cols, b.rows >= rows { return b }
        let b = FloatBuffer(rows: rows, cols: cols)
        buffers[name] = b
        return b
    }
}
