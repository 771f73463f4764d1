/// An owned, zero-initialised, 64-byte-aligned f32 buffer laid out row-major as
/// `(rows, cols)`: the activations and scratch that kernels read and write.
public final class FloatBuffer: @unchecked Sendable {
    /// Number of rows.
    public let rows: Int
    /// Elements per row.
    public let cols: Int
    /// First element. `(rows, cols)`
    public let base: UnsafeMutablePointer<Float>

    /// Allocates `rows * cols` zeros.
    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        let count = max(1, rows * cols)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.initializeMemory(as: Float.self, repeating: 0, count: count)
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    /// Total elements.
    public var count: Int { rows * cols }

    /// First element of row `i`. `(cols)`
    public func row(_ i: Int) -> UnsafeMutablePointer<Float> { base + i * cols }

    /// Element `(i, j)`.
    public subscript(_ i: Int, _ j: Int) -> Float {
        get { base[i * cols + j] }
        set { base[i * cols + j] = newValue }
    }

    /// Sets every element to zero.
    public func zero() { base.update(repeating: 0, count: count) }

    /// Row `i` as an array.
    public func rowArray(_ i: Int) -> [Float] { Array(UnsafeBufferPointer(start: row(i), count: cols)) }

    /// Copies `values` (at most `count`) into the buffer from element 0.
    public func load(_ values: [Float]) {
        values.withUnsafeBufferPointer { src in
            guard let s = src.baseAddress else { return }
            base.update(from: s, count: min(values.count, count))
        }
    }
}
