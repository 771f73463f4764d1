/// Horizontal reductions that compile to a few shuffles (the standard library's generic
/// `sum()` / `max()` stay out-of-line calls).
enum SIMDReduce {
    /// Sum of all lanes.
    @inline(__always)
    static func sum(_ v: SIMD16<Float>) -> Float {
        let h8 = v.lowHalf + v.highHalf
        let h4 = h8.lowHalf + h8.highHalf
        let h2 = h4.lowHalf + h4.highHalf
        return h2[0] + h2[1]
    }

    /// Largest lane (lanes must not be NaN).
    @inline(__always)
    static func max(_ v: SIMD16<Float>) -> Float {
        let h8 = pointwiseMax(v.lowHalf, v.highHalf)
        let h4 = pointwiseMax(h8.lowHalf, h8.highHalf)
        let h2 = pointwiseMax(h4.lowHalf, h4.highHalf)
        return Swift.max(h2[0], h2[1])
    }
}
