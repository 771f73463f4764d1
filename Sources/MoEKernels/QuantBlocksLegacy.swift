/// The 32-weight ggml block codecs (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, MXFP4).

/// 32-weight blocks with an f16 scale `d` at byte 0: `w = d * q` (Q8_0, Q4_0, Q5_0). They
/// differ only in where the codes `q` are stored.
protocol ScaledBlock: QuantBlock {
    /// Codes `q` of weights `8 * group ..< + 8`, offset already removed.
    static func codes(_ block: UnsafeRawPointer, group: Int) -> SIMD8<Int32>
}

extension ScaledBlock {
    static var elements: Int { 32 }

    @inline(__always)
    static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = QuantLanes.half(block, 0)
        for g in 0..<4 { QuantLanes.store(d * QuantLanes.float(codes(block, group: g)), out, 8 &* g) }
    }

    @inline(__always)
    static func dot(_ block: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD8<Float> {
        var s = SIMD8<Float>()
        for g in 0..<4 { s.addProduct(QuantLanes.float(codes(block, group: g)), x.load8(8 &* g)) }
        return s * QuantLanes.half(block, 0)
    }
}

/// 32-weight blocks with an f16 scale `d` at byte 0 and an f16 offset `m` at byte 2:
/// `w = d * q + m` (Q4_1, Q5_1). They differ only in where the codes `q` are stored.
protocol ScaledOffsetBlock: QuantBlock {
    /// Codes `q` of weights `8 * group ..< + 8`.
    static func codes(_ block: UnsafeRawPointer, group: Int) -> SIMD8<Int32>
}

extension ScaledOffsetBlock {
    static var elements: Int { 32 }

    @inline(__always)
    static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = QuantLanes.half(block, 0), m = QuantLanes.half(block, 2)
        for g in 0..<4 { QuantLanes.store(d * QuantLanes.float(codes(block, group: g)) + m, out, 8 &* g) }
    }

    @inline(__always)
    static func dot(_ block: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD8<Float> {
        var s = SIMD8<Float>(), sx = SIMD8<Float>()
        for g in 0..<4 {
            let xg = x.load8(8 &* g)
            s.addProduct(QuantLanes.float(codes(block, group: g)), xg)
            sx += xg
        }
        return s * QuantLanes.half(block, 0) + sx * QuantLanes.half(block, 2)
    }
}

/// Q8_0 (34 bytes): f16 `d` at 0, 32 x int8 at 2; `w = d * q`.
enum Q8_0Block: ScaledBlock {
    static var bytes: Int { 34 }

    @inline(__always)
    static func codes(_ block: UnsafeRawPointer, group: Int) -> SIMD8<Int32> { QuantLanes.i8(block, 2 &+ 8 &* group) }
}

/// Q4_0 (18 bytes): f16 `d` at 0, nibbles at 2; `w = d * (q - 8)`.
enum Q4_0Block: ScaledBlock {
    static var bytes: Int { 18 }

    @inline(__always)
    static func codes(_ block: UnsafeRawPointer, group: Int) -> SIMD8<Int32> {
        QuantLanes.nibbles32(block, 2, group: group) &- 8
    }
}

/// Q4_1 (20 bytes): f16 `d` at 0, f16 `m` at 2, nibbles at 4; `w = d * q + m`.
enum Q4_1Block: ScaledOffsetBlock {
    static var bytes: Int { 20 }

    @inline(__always)
    static func codes(_ block: UnsafeRawPointer, group: Int) -> SIMD8<Int32> { QuantLanes.nibbles32(block, 4, group: group) }
}

/// Q5_0 (22 bytes): f16 `d` at 0, u32 fifth bits at 2, nibbles at 6; `w = d * (q - 16)`.
enum Q5_0Block: ScaledBlock {
    static var bytes: Int { 22 }

    @inline(__always)
    static func codes(_ block: UnsafeRawPointer, group: Int) -> SIMD8<Int32> {
        let qh = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        return (QuantLanes.nibbles32(block, 6, group: group) | QuantLanes.bits(qh, from: 8 &* group) &<< 4) &- 16
    }
}

/// Q5_1 (24 bytes): f16 `d` at 0, f16 `m` at 2, u32 fifth bits at 4, nibbles at 8;
/// `w = d * q + m`.
enum Q5_1Block: ScaledOffsetBlock {
    static var bytes: Int { 24 }

    @inline(__always)
    static func codes(_ block: UnsafeRawPointer, group: Int) -> SIMD8<Int32> {
        let qh = block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        return QuantLanes.nibbles32(block, 8, group: group) | QuantLanes.bits(qh, from: 8 &* group) &<< 4
    }
}

/// MXFP4 (17 bytes): E8M0 exponent at 0, E2M1 nibbles at 1; `w = 2^(e - 128) * v` with `v`
/// the doubled E2M1 value (ggml's `kvalues_mxfp4`).
enum MXFP4Block: QuantBlock {
    static var elements: Int { 32 }
    static var bytes: Int { 17 }

    /// ggml's `ggml_e8m0_to_fp32_half`: `2^(e - 128)`, subnormal for `e < 2`.
    @inline(__always)
    static func scale(_ block: UnsafeRawPointer) -> Float {
        let e = UInt32(block.load(as: UInt8.self))
        return e < 2 ? Float(bitPattern: UInt32(0x0020_0000) &<< e) : Float(bitPattern: (e &- 1) &<< 23)
    }

    /// Doubled E2M1 values of weights `8 * group ..< + 8`: magnitudes 0, 1, 2, 3, 4, 6, 8, 12,
    /// negated when bit 3 is set. Branch-free integer arithmetic (a table lookup or selects
    /// stay scalar): for `m = e * 2 + f`, `((2 + f) << e) >> 1` is right except 1 for `m = 0`,
    /// which `(m + 7) >> 3 - 1` corrects.
    @inline(__always)
    static func values(_ block: UnsafeRawPointer, group: Int) -> SIMD8<Int32> {
        let code = QuantLanes.nibbles32(block, 1, group: group)
        var out = SIMD8<Int32>()
        for k in 0..<8 {
            let m = code[k] & 7
            let magnitude = (((2 | (m & 1)) &<< (m &>> 1)) &>> 1) &+ ((m &+ 7) &>> 3) &- 1
            let negative = (code[k] &>> 3) & 1
            out[k] = (magnitude ^ (0 &- negative)) &+ negative
        }
        return out
    }

    @inline(__always)
    static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = scale(block)
        for g in 0..<4 { QuantLanes.store(d * QuantLanes.float(values(block, group: g)), out, 8 &* g) }
    }

    @inline(__always)
    static func dot(_ block: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD8<Float> {
        var s = SIMD8<Float>()
        for g in 0..<4 { s.addProduct(QuantLanes.float(values(block, group: g)), x.load8(8 &* g)) }
        return s * scale(block)
    }
}
