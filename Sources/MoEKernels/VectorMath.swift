/// Vectorized transcendental functions (polynomial approximations, no libm calls).
enum VectorMath {
    /// `e^x` per lane, within a few ulp for `-87 <= x <= 88` (Cephes polynomial). Lanes
    /// below -87 (including `-infinity`) give exactly 0; lanes above 88 saturate at `e^88`.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let low: Float = -87, high: Float = 88
        let xc = pointwiseMin(pointwiseMax(x, SIMD8(repeating: low)), SIMD8(repeating: high))
        // Adding 1.5 * 2^23 rounds to an integer n held in the low mantissa bits.
        let shifter: Float = 12_582_912
        var t = SIMD8<Float>(repeating: shifter)
        t.addProduct(xc, SIMD8(repeating: 1.44269504088896341))
        let n = t - shifter
        var r = xc
        r.addProduct(n, SIMD8(repeating: -0.693359375))
        r.addProduct(n, SIMD8(repeating: 2.12194440e-4))
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        // 2^n: the integer n (offset by the shifter's bits) moved into the exponent field.
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- Int32(bitPattern: shifter.bitPattern) &+ 127
        let result = p * unsafeBitCast(bits &<< 23, to: SIMD8<Float>.self)
        return result.replacing(with: 0, where: x .< low)
    }
}
