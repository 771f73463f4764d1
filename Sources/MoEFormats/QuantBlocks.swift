// The ggml block layouts (ggml-common.h), as plain structs whose sizes a test pins to
// `GGMLType.typeSize`. Half-precision scales are raw binary16 bits; multi-byte fields are
// little-endian in the file, so these structs describe the bytes as read on a
// little-endian host. The reference dequantisers read blocks through these types.

/// 4 bytes.
public typealias QuantBytes4 = (UInt8, UInt8, UInt8, UInt8)
/// 12 bytes.
public typealias QuantBytes12 = (QuantBytes4, QuantBytes4, QuantBytes4)
/// 16 bytes.
public typealias QuantBytes16 = (QuantBytes4, QuantBytes4, QuantBytes4, QuantBytes4)
/// 32 bytes.
public typealias QuantBytes32 = (QuantBytes16, QuantBytes16)
/// 64 bytes.
public typealias QuantBytes64 = (QuantBytes32, QuantBytes32)
/// 128 bytes.
public typealias QuantBytes128 = (QuantBytes64, QuantBytes64)

/// Q8_0: 32 weights, `w = d * q`.
public struct BlockQ8_0 {
    /// Scale (binary16 bits).
    public var d: UInt16
    /// 32 signed 8-bit quants.
    public var qs: QuantBytes32
}

/// Q4_0: 32 weights, `w = d * (q - 8)`; byte `i` holds weight `i` (low nibble) and `i + 16`.
public struct BlockQ4_0 {
    /// Scale (binary16 bits).
    public var d: UInt16
    /// 16 bytes of 4-bit quants.
    public var qs: QuantBytes16
}

/// Q4_1: 32 weights, `w = d * q + m`; nibbles as Q4_0.
public struct BlockQ4_1 {
    /// Scale (binary16 bits).
    public var d: UInt16
    /// Minimum (binary16 bits).
    public var m: UInt16
    /// 16 bytes of 4-bit quants.
    public var qs: QuantBytes16
}

/// Q5_0: 32 weights, `w = d * (q - 16)`; bit `i` of `qh` (little-endian u32) is the fifth
/// bit of weight `i`.
public struct BlockQ5_0 {
    /// Scale (binary16 bits).
    public var d: UInt16
    /// High bits of the 32 quants.
    public var qh: QuantBytes4
    /// Low nibbles, as Q4_0.
    public var qs: QuantBytes16
}

/// Q5_1: 32 weights, `w = d * q + m`; bits as Q5_0.
public struct BlockQ5_1 {
    /// Scale (binary16 bits).
    public var d: UInt16
    /// Minimum (binary16 bits).
    public var m: UInt16
    /// High bits of the 32 quants.
    public var qh: QuantBytes4
    /// Low nibbles, as Q4_0.
    public var qs: QuantBytes16
}

/// Q4_K: 256 weights in 8 sub-blocks of 32, `w = d * sc[j] * q - dmin * m[j]` with 6-bit
/// `sc`/`m` packed in `scales`; each 32 bytes of `qs` hold two sub-blocks (low, high nibbles).
public struct BlockQ4_K {
    /// Super-block scale of the scales (binary16 bits).
    public var d: UInt16
    /// Super-block scale of the mins (binary16 bits).
    public var dmin: UInt16
    /// 8 scales and 8 mins, 6 bits each.
    public var scales: QuantBytes12
    /// 256 4-bit quants.
    public var qs: QuantBytes128
}

/// Q5_K: as Q4_K plus a fifth bit per weight: bit `j` of `qh[l]` belongs to sub-block `j`.
public struct BlockQ5_K {
    /// Super-block scale of the scales (binary16 bits).
    public var d: UInt16
    /// Super-block scale of the mins (binary16 bits).
    public var dmin: UInt16
    /// 8 scales and 8 mins, 6 bits each.
    public var scales: QuantBytes12
    /// High bits of the quants.
    public var qh: QuantBytes32
    /// Low nibbles, as Q4_K.
    public var qs: QuantBytes128
}

/// Q6_K: 256 weights in 16 groups of 16, `w = d * scales[g] * (q - 32)`, 6-bit `q` split
/// into low nibbles (`ql`) and 2-bit high parts (`qh`).
public struct BlockQ6_K {
    /// Low 4 bits of the quants.
    public var ql: QuantBytes128
    /// High 2 bits of the quants.
    public var qh: QuantBytes64
    /// 16 signed 8-bit group scales.
    public var scales: QuantBytes16
    /// Super-block scale (binary16 bits).
    public var d: UInt16
}

/// MXFP4 (OCP microscaling): 32 weights, `w = 2^(e - 127) * E2M1(q)`; nibbles as Q4_0.
public struct BlockMXFP4 {
    /// Shared E8M0 exponent.
    public var e: UInt8
    /// 16 bytes of E2M1 codes.
    public var qs: QuantBytes16
}
