/// Vectorized transcendental functions (polynomial approximations, no libm calls).
public enum VectorMath {
    /// `e^x` per lane, within a few ulp for `-87 <= x <= 88` (Cephes polynomial). Lanes
    /// below -87 (including `-infinity`) give exactly 0; lanes above 88 saturate at `e^88`.
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let low: Float = -87, high: Float = 88
        // Masked selects rather than the generic `pointwiseMin`/`pointwiseMax`, which stay calls.
        var xc = x.replacing(with: low, where: x .< low)
        xc.replace(with: high, where: xc .> high)
        // Adding 1.5 * 2^23 rounds to an integer n held in the low mantissa bits.
        let shifter: Float = 12_582_912
        var t = SIMD8<Float>(repeating: shifter)
        t.addProduct(xc, SIMD8(repeating: 1.44269504088896341))
        let n = t - shifter
        var r = xc
        r.addProduct(n, SIMD8(repeating: -0.693359375))
        r.addProduct(n, SIMD8(repeating: 2.12194440e-4))
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        for c: Float in [1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1] {
            p = multiplyAdd(p, r, c)
        }
        p = multiplyAdd(p, r * r, r + 1)
        // 2^n: the integer n (offset by the shifter's bits) moved into the exponent field.
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- Int32(bitPattern: shifter.bitPattern) &+ 127
        let result = p * unsafeBitCast(bits &<< 23, to: SIMD8<Float>.self)
        return result.replacing(with: 0, where: x .< low)
    }

    /// `silu(x) = x / (1 + e^-x)` per lane (SiLU, also called swish).
    @inline(__always)
    public static func silu(_ x: SIMD8<Float>) -> SIMD8<Float> {
        x / (1 + exp(-x))
    }

    /// `x[i] = silu(x[i])` over a buffer. A loop of its own: inside a larger loop nest the
    /// compiler can leave `exp` a call.
    ///
    /// - x: `(count)`
    static func silu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let full = count & ~7, rest = count - full
        var c = 0
        while c < full {
            x.store8(silu(x.load8(c)), at: c)
            c += 8
        }
        if rest > 0 { x.storePartial8(silu(x.loadPartial8(full, count: rest)), at: full, count: rest) }
    }

    /// `x[i] = e^x[i]` over a buffer (a loop of its own, as `silu(_:count:)`).
    ///
    /// - x: `(count)`
    static func exp(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let full = count & ~7, rest = count - full
        var c = 0
        while c < full {
            x.store8(exp(x.load8(c)), at: c)
            c += 8
        }
        if rest > 0 { x.storePartial8(exp(x.loadPartial8(full, count: rest)), at: full, count: rest) }
    }

    /// `a * b + c` as one fused multiply-add per lane.
    @inline(__always)
    private static func multiplyAdd(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> SIMD8<Float> {
        var result = c
        result.addProduct(a, b)
        return result
    }

    /// `a * b + c` as one fused multiply-add per lane.
    @inline(__always)
    private static func multiplyAdd(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: Float) -> SIMD8<Float> {
        multiplyAdd(a, b, SIMD8(repeating: c))
    }
}
