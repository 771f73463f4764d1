/// Unaligned SIMD access to f32 buffers, including partial vectors at the end of a buffer.
extension UnsafePointer where Pointee == Float {
    /// Elements `self[index ..< index + 16]`.
    @inline(__always)
    func load16(_ index: Int) -> SIMD16<Float> {
        UnsafeRawPointer(self + index).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Elements `self[index ..< index + count]` (count < 16), padded with `fill`.
    @inline(__always)
    func loadPartial16(_ index: Int, count: Int, fill: Float = 0) -> SIMD16<Float> {
        var v = SIMD16<Float>(repeating: fill)
        for i in 0..<count { v[i] = self[index &+ i] }
        return v
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    /// Elements `self[index ..< index + 16]`.
    @inline(__always)
    func load16(_ index: Int) -> SIMD16<Float> {
        UnsafePointer(self).load16(index)
    }

    /// Elements `self[index ..< index + count]` (count < 16), padded with `fill`.
    @inline(__always)
    func loadPartial16(_ index: Int, count: Int, fill: Float = 0) -> SIMD16<Float> {
        UnsafePointer(self).loadPartial16(index, count: count, fill: fill)
    }

    /// Writes `value` to `self[index ..< index + 16]`.
    @inline(__always)
    func store16(_ value: SIMD16<Float>, at index: Int) {
        UnsafeMutableRawPointer(self + index).storeBytes(of: value, as: SIMD16<Float>.self)
    }

    /// Writes the first `count` lanes (count < 16) of `value` to `self[index ..< index + count]`.
    @inline(__always)
    func storePartial16(_ value: SIMD16<Float>, at index: Int, count: Int) {
        for i in 0..<count { self[index &+ i] = value[i] }
    }
}
