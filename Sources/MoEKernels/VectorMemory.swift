/// Unaligned 8-lane SIMD access to f32 buffers, including partial vectors at the end of a
/// buffer.
extension UnsafePointer where Pointee == Float {
    /// Elements `self[index ..< index + 8]`.
    @inline(__always)
    public func load8(_ index: Int) -> SIMD8<Float> {
        UnsafeRawPointer(self + index).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Elements `self[index ..< index + count]` (count < 8), padded with `fill`.
    @inline(__always)
    func loadPartial8(_ index: Int, count: Int, fill: Float = 0) -> SIMD8<Float> {
        var v = SIMD8<Float>(repeating: fill)
        for i in 0..<count { v[i] = self[index &+ i] }
        return v
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    /// Elements `self[index ..< index + 8]`.
    @inline(__always)
    public func load8(_ index: Int) -> SIMD8<Float> {
        UnsafePointer(self).load8(index)
    }

    /// Elements `self[index ..< index + count]` (count < 8), padded with `fill`.
    @inline(__always)
    func loadPartial8(_ index: Int, count: Int, fill: Float = 0) -> SIMD8<Float> {
        UnsafePointer(self).loadPartial8(index, count: count, fill: fill)
    }

    /// Writes `value` to `self[index ..< index + 8]`.
    @inline(__always)
    public func store8(_ value: SIMD8<Float>, at index: Int) {
        UnsafeMutableRawPointer(self + index).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// Writes the first `count` lanes (count < 8) of `value` to `self[index ..< index + count]`.
    @inline(__always)
    func storePartial8(_ value: SIMD8<Float>, at index: Int, count: Int) {
        for i in 0..<count { self[index &+ i] = value[i] }
    }
}
