/// The 256-weight ggml k-quant block codecs (Q4_K, Q5_K, Q6_K).

/// Scales and mins of the Q4_K / Q5_K sub-blocks: 8 of each, 6 bits, packed in 12 bytes.
enum KScales {
    /// Scale and min of sub-block `j` (ggml's `get_scale_min_k4`) from the 12 bytes at `offset`.
    @inline(__always)
    static func scaleMin(_ p: UnsafeRawPointer, _ offset: Int, _ j: Int) -> (scale: Float, min: Float) {
        func byte(_ i: Int) -> UInt8 { p.load(fromByteOffset: offset &+ i, as: UInt8.self) }
        if j < 4 { return (Float(byte(j) & 63), Float(byte(j &+ 4) & 63)) }
        let sc = (byte(j &+ 4) & 0x0F) | ((byte(j &- 4) &>> 6) &<< 4)
        let m = (byte(j &+ 4) &>> 4) | ((byte(j) &>> 6) &<< 4)
        return (Float(sc), Float(m))
    }
}

/// Q4_K and Q5_K: f16 `d` at 0, f16 `dmin` at 2, six-bit scales and mins at 4 for 8
/// sub-blocks of 32 weights, `w = d * sc[j] * q - dmin * m[j]`; they differ only in where
/// the codes `q` are stored.
protocol ScaleMinKBlock: QuantBlock {
    /// Codes of weights `32 * j + 8 * g ..< + 8`.
    static func codes(_ block: UnsafeRawPointer, _ j: Int, _ g: Int) -> SIMD8<Int32>
}

extension ScaleMinKBlock {
    @inline(__always)
    static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = QuantLanes.half(block, 0), dmin = QuantLanes.half(block, 2)
        for j in 0..<8 {
            let (sc, m) = KScales.scaleMin(block, 4, j)
            let scale = d * sc, offset = dmin * m
            for g in 0..<4 {
                QuantLanes.store(scale * QuantLanes.float(codes(block, j, g)) - offset, out, 32 &* j &+ 8 &* g)
            }
        }
    }

    @inline(__always)
    static func dot(_ block: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD8<Float> {
        let d = QuantLanes.half(block, 0), dmin = QuantLanes.half(block, 2)
        var total = SIMD8<Float>()
        for j in 0..<8 {
            let (sc, m) = KScales.scaleMin(block, 4, j)
            var s = SIMD8<Float>(), sx = SIMD8<Float>()
            for g in 0..<4 {
                let xg = x.load8(32 &* j &+ 8 &* g)
                s.addProduct(QuantLanes.float(codes(block, j, g)), xg)
                sx += xg
            }
            total.addProduct(s, SIMD8(repeating: d * sc))
            total.addProduct(sx, SIMD8(repeating: -(dmin * m)))
        }
        return total
    }
}

/// Q4_K (144 bytes): f16 `d` at 0, f16 `dmin` at 2, packed scales at 4, nibbles at 16.
/// Sub-block `j` (32 weights) uses the low (even `j`) or high (odd `j`) nibbles of the 32
/// bytes at `16 + 32 * (j / 2)`: `w = d * sc[j] * q - dmin * m[j]`.
enum Q4_KBlock: ScaleMinKBlock {
    static var elements: Int { 256 }
    static var bytes: Int { 144 }

    /// Codes of weights `32 * j + 8 * g ..< + 8`.
    @inline(__always)
    static func codes(_ block: UnsafeRawPointer, _ j: Int, _ g: Int) -> SIMD8<Int32> {
        let b = QuantLanes.u8(block, 16 &+ 32 &* (j &>> 1) &+ 8 &* g)
        return j & 1 == 0 ? b & 15 : b &>> 4
    }
}

/// Q5_K (176 bytes): as Q4_K with the fifth bits at 16 (bit `j` of byte `l` belongs to
/// weight `l` of sub-block `j`) and the nibbles at 48.
enum Q5_KBlock: ScaleMinKBlock {
    static var elements: Int { 256 }
    static var bytes: Int { 176 }

    /// Codes of weights `32 * j + 8 * g ..< + 8`.
    @inline(__always)
    static func codes(_ block: UnsafeRawPointer, _ j: Int, _ g: Int) -> SIMD8<Int32> {
        let b = QuantLanes.u8(block, 48 &+ 32 &* (j &>> 1) &+ 8 &* g)
        let low = j & 1 == 0 ? b & 15 : b &>> 4
        let high = (QuantLanes.u8(block, 16 &+ 8 &* g) &>> Int32(j)) & 1
        return low | high &<< 4
    }
}

/// Q6_K (210 bytes): low nibbles `ql` at 0 (128 B), 2-bit highs `qh` at 128 (64 B), 16 int8
/// group scales at 192, f16 `d` at 208; `w = d * scale[i / 16] * (q - 32)`. Weight
/// `128 * h + 32 * s + l` takes the low (s < 2) or high nibble of `ql[64 * h + 32 * (s & 1) + l]`
/// and bits `2 * s` of `qh[32 * h + l]`.
enum Q6_KBlock: QuantBlock {
    static var elements: Int { 256 }
    static var bytes: Int { 210 }

    /// Codes minus 32 of weights `128 * h + 32 * s + 8 * g ..< + 8`.
    @inline(__always)
    static func codes(_ block: UnsafeRawPointer, _ h: Int, _ s: Int, _ g: Int) -> SIMD8<Int32> {
        let b = QuantLanes.u8(block, 64 &* h &+ 32 &* (s & 1) &+ 8 &* g)
        let low = s < 2 ? b & 15 : b &>> 4
        let high = (QuantLanes.u8(block, 128 &+ 32 &* h &+ 8 &* g) &>> Int32(2 &* s)) & 3
        return (low | high &<< 4) &- 32
    }

    /// Scale of the 16-weight group `group`, times `d`.
    @inline(__always)
    static func scale(_ block: UnsafeRawPointer, _ d: Float, _ group: Int) -> Float {
        d * Float(block.load(fromByteOffset: 192 &+ group, as: Int8.self))
    }

    @inline(__always)
    static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = QuantLanes.half(block, 208)
        for h in 0..<2 {
            for s in 0..<4 {
                for g in 0..<4 {
                    let i = 128 &* h &+ 32 &* s &+ 8 &* g
                    QuantLanes.store(scale(block, d, i &>> 4) * QuantLanes.float(codes(block, h, s, g)), out, i)
                }
            }
        }
    }

    @inline(__always)
    static func dot(_ block: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD8<Float> {
        let d = QuantLanes.half(block, 208)
        var total = SIMD8<Float>()
        for h in 0..<2 {
            for s in 0..<4 {
                for pair in 0..<2 {
                    let i = 128 &* h &+ 32 &* s &+ 16 &* pair
                    var sum = QuantLanes.float(codes(block, h, s, 2 &* pair)) * x.load8(i)
                    sum.addProduct(QuantLanes.float(codes(block, h, s, 2 &* pair &+ 1)), x.load8(i &+ 8))
                    total.addProduct(sum, SIMD8(repeating: scale(block, d, i &>> 4)))
                }
            }
        }
        return total
    }
}
