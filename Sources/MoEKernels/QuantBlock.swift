/// One ggml block format read in place: bit-exact decoding to f32 and dot products with f32
/// vectors. Kernels are generic over it and specialize.
///
/// Decoding performs the reference dequantiser's f32 operations in the same order (as
/// gguf-py's `quants.py`), so it is bit-identical. Dot products factor the block scales out
/// of the sums (`d * sum(q * x)`), which is exact f32 arithmetic in a different order.
protocol QuantBlock {
    /// Weights per block.
    static var elements: Int { get }
    /// Bytes per block.
    static var bytes: Int { get }
    /// Writes the block's weights as f32.
    ///
    /// - out: `(elements)`
    static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>)
    /// Per-lane partial sums of `w[i] * x[i]` over the block; their lane total is the dot product.
    ///
    /// - x: `(elements)`
    static func dot(_ block: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD8<Float>
}

/// Lane helpers for block codecs. Lane-by-lane loops are what LLVM turns into single vector
/// instructions (`vpmovzxbd`, `vcvtdq2ps`, `vpsrlvd`); generic SIMD conversions would stay calls.
enum QuantLanes {
    /// The binary16 at `offset`, widened exactly.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// Bytes `offset ..< offset + 8`, zero-extended.
    @inline(__always)
    static func u8(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Int32> {
        let b = p.loadUnaligned(fromByteOffset: offset, as: SIMD8<UInt8>.self)
        var out = SIMD8<Int32>()
        for k in 0..<8 { out[k] = Int32(b[k]) }
        return out
    }

    /// Bytes `offset ..< offset + 8`, sign-extended.
    @inline(__always)
    static func i8(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Int32> {
        let b = p.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int8>.self)
        var out = SIMD8<Int32>()
        for k in 0..<8 { out[k] = Int32(b[k]) }
        return out
    }

    /// Lanes converted to f32 (exact: quants are small integers).
    @inline(__always)
    static func float(_ v: SIMD8<Int32>) -> SIMD8<Float> {
        var out = SIMD8<Float>()
        for k in 0..<8 { out[k] = Float(v[k]) }
        return out
    }

    /// Nibbles of weights `8 * group ..< 8 * group + 8` of a 32-weight ggml nibble array at
    /// `offset` (byte `i` holds weight `i` in its low and weight `i + 16` in its high nibble).
    @inline(__always)
    static func nibbles32(_ p: UnsafeRawPointer, _ offset: Int, group: Int) -> SIMD8<Int32> {
        let b = u8(p, offset &+ 8 &* (group & 1))
        return group < 2 ? b & 15 : b &>> 4
    }

    /// Bits `first ..< first + 8` of `bits`, one per lane.
    @inline(__always)
    static func bits(_ bits: UInt32, from first: Int) -> SIMD8<Int32> {
        var out = SIMD8<Int32>()
        for k in 0..<8 { out[k] = Int32(bitPattern: (bits &>> UInt32(first &+ k)) & 1) }
        return out
    }

    /// Writes `v` to `out[index ..< index + 8]`.
    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ out: UnsafeMutablePointer<Float>, _ index: Int) {
        out.store8(v, at: index)
    }
}
