/// Reads 16-bit weights 32 at a time as two f32 vectors, the even-indexed elements and the
/// odd-indexed ones, using only integer shifts and masks on 32-bit lanes. (The standard
/// library's generic widening conversions compile to out-of-line calls; this does not.)
/// Kernels pair these with an input vector permuted the same way (see `PairLayout`).
protocol PairLoader {
    /// Elements `index ..< index + 32` of the row at `row`: lanes `k` of the results are
    /// elements `index + 2k` (first) and `index + 2k + 1` (second).
    static func load32(_ row: UnsafeRawPointer, _ index: Int) -> (SIMD16<Float>, SIMD16<Float>)
    /// Element `index` of the row at `row`, widened to f32.
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float
}

/// bfloat16 pairs: the low half of each 32-bit lane shifted up, and the high half masked.
enum BF16Pairs: PairLoader {
    @inline(__always)
    static func load32(_ row: UnsafeRawPointer, _ index: Int) -> (SIMD16<Float>, SIMD16<Float>) {
        let w = row.loadUnaligned(fromByteOffset: index &* 2, as: SIMD16<UInt32>.self)
        return (
            unsafeBitCast(w &<< 16, to: SIMD16<Float>.self),
            unsafeBitCast(w & 0xFFFF_0000, to: SIMD16<Float>.self)
        )
    }

    @inline(__always)
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        BF16Loader.load1(row, index)
    }
}

/// IEEE binary16 pairs: exponent and mantissa moved into binary32 position, then scaled by
/// 2^112 (exact for normal and subnormal halves); infinities and NaNs become infinities.
enum F16Pairs: PairLoader {
    @inline(__always)
    static func load32(_ row: UnsafeRawPointer, _ index: Int) -> (SIMD16<Float>, SIMD16<Float>) {
        let w = row.loadUnaligned(fromByteOffset: index &* 2, as: SIMD16<UInt32>.self)
        let even = ((w & 0x7FFF) &<< 13) | ((w & 0x8000) &<< 16)
        let odd = ((w &>> 3) & 0x0FFF_E000) | (w & 0x8000_0000)
        return (widen(even), widen(odd))
    }

    @inline(__always)
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        F16Loader.load1(row, index)
    }

    /// Rebiases a binary16 exponent placed in binary32 position (bits `<< 13`).
    @inline(__always)
    private static func widen(_ bits: SIMD16<UInt32>) -> SIMD16<Float> {
        let scaled = unsafeBitCast(bits, to: SIMD16<Float>.self) * Float(bitPattern: (127 + 112) << 23)
        let special = scaled .>= 65536 .| scaled .<= -65536
        return scaled.replacing(with: scaled * Float(bitPattern: (127 + 112) << 23), where: special)
    }
}

/// The input permutation matching `PairLoader`: in every full block of 32 elements, the 16
/// even-indexed elements come first and the 16 odd-indexed ones after; a partial last block
/// stays in order.
enum PairLayout {
    /// Writes `x` permuted into `output`.
    ///
    /// - x, output: `(count)`
    static func permute(_ x: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>) {
        var c = 0
        while c + 32 <= count {
            for k in 0..<16 {
                output[c + k] = x[c + 2 * k]
                output[c + 16 + k] = x[c + 2 * k + 1]
            }
            c += 32
        }
        while c < count {
            output[c] = x[c]
            c += 1
        }
    }
}
