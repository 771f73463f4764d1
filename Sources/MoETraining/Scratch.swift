import MoEKernels

/// Named scratch buffers reused across steps, grown on demand (activations of the last
/// forward pass live here too, so backward can read them).
final class Scratch: @unchecked Sendable {
    private var buffers: [String: FloatBuffer] = [:]

    /// A buffer of at least `rows * cols` elements for `name`, keeping its old contents
    /// unless it had to grow. Viewed as `(rows, cols)` through the returned pointer.
    func pointer(_ name: String, rows: Int, cols: Int) -> UnsafeMutablePointer<Float> {
        let needed = max(1, rows * cols)
        if let b = buffers[name], b.count >= needed { return b.base }
        let b = FloatBuffer(rows: needed, cols: 1)
        buffers[name] = b
        return b.base
    }

    /// Like `pointer`, zero-filled.
    func zeroed(_ name: String, rows: Int, cols: Int) -> UnsafeMutablePointer<Float> {
        let p = pointer(name, rows: rows, cols: cols)
        p.update(repeating: 0, count: max(1, rows * cols))
        return p
    }
}
