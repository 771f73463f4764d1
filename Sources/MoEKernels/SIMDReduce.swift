/// Horizontal reductions that compile to a few shuffles (the standard library's generic
/// `sum()` / `max()` stay out-of-line calls).
enum SIMDReduce {
    /// Sum of all lanes.
    @inline(__always)
    static func sum(_ v: SIMD8<Float>) -> Float {
        let h4 = v.lowHalf + v.highHalf
        let h2 = h4.lowHalf + h4.highHalf
        return h2[0] + h2[1]
    }

    /// Largest lane (lanes must not be NaN).
    @inline(__always)
    static func max(_ v: SIMD8<Float>) -> Float {
        var m = v[0]
        for i in 1..<8 { m = Swift.max(m, v[i]) }
        return m
    }
}
