/// Reads weights of one storage type as f32; kernels are generic over it and specialize.
protocol WeightLoader {
    /// Elements `index ..< index + 16` of the row at `row`, widened to f32.
    static func load16(_ row: UnsafeRawPointer, _ index: Int) -> SIMD16<Float>
    /// Element `index` of the row at `row`, widened to f32.
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float
}

/// IEEE binary32 weights.
enum F32Loader: WeightLoader {
    @inline(__always)
    static func load16(_ row: UnsafeRawPointer, _ index: Int) -> SIMD16<Float> {
        row.loadUnaligned(fromByteOffset: index &* 4, as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        row.loadUnaligned(fromByteOffset: index &* 4, as: Float.self)
    }
}

/// IEEE binary16 weights. The lane-by-lane loop is what LLVM turns into one vector
/// `vcvtph2ps`; the standard library's generic `SIMD16<Float>(SIMD16<Float16>)` would stay an
/// out-of-line call.
enum F16Loader: WeightLoader {
    @inline(__always)
    static func load16(_ row: UnsafeRawPointer, _ index: Int) -> SIMD16<Float> {
        let bits = row.loadUnaligned(fromByteOffset: index &* 2, as: SIMD16<UInt16>.self)
        var out = SIMD16<Float>()
        for k in 0..<16 { out[k] = Float(Float16(bitPattern: bits[k])) }
        return out
    }

    @inline(__always)
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        Float(Float16(bitPattern: row.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)))
    }
}

/// bfloat16 weights: the stored 16 bits are the top half of a binary32. Written lane by lane
/// so LLVM emits `vpmovzxwd` + `vpslld` (the generic widening conversion is a call).
enum BF16Loader: WeightLoader {
    @inline(__always)
    static func load16(_ row: UnsafeRawPointer, _ index: Int) -> SIMD16<Float> {
        let bits = row.loadUnaligned(fromByteOffset: index &* 2, as: SIMD16<UInt16>.self)
        var out = SIMD16<Float>()
        for k in 0..<16 { out[k] = Float(bitPattern: UInt32(bits[k]) &<< 16) }
        return out
    }

    @inline(__always)
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        Float(bitPattern: UInt32(row.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)) << 16)
    }
}
