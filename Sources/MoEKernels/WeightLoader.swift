/// Reads weights of one storage type as f32; kernels are generic over it and specialize.
///
/// Vectors are 8 lanes: one AVX2 register (two NEON registers). The lane-by-lane loops
/// below are what LLVM turns into single vector conversions (`vcvtph2ps`, `vpmovzxwd` +
/// `vpslld`); the standard library's generic SIMD conversions would stay out-of-line calls.
protocol WeightLoader {
    /// Elements `index ..< index + 8` of the row at `row`, widened to f32.
    static func load8(_ row: UnsafeRawPointer, _ index: Int) -> SIMD8<Float>
    /// Element `index` of the row at `row`, widened to f32.
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float
}

/// IEEE binary32 weights.
enum F32Loader: WeightLoader {
    @inline(__always)
    static func load8(_ row: UnsafeRawPointer, _ index: Int) -> SIMD8<Float> {
        row.loadUnaligned(fromByteOffset: index &* 4, as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        row.loadUnaligned(fromByteOffset: index &* 4, as: Float.self)
    }
}

/// IEEE binary16 weights.
enum F16Loader: WeightLoader {
    @inline(__always)
    static func load8(_ row: UnsafeRawPointer, _ index: Int) -> SIMD8<Float> {
        let bits = row.loadUnaligned(fromByteOffset: index &* 2, as: SIMD8<UInt16>.self)
        var out = SIMD8<Float>()
        for k in 0..<8 { out[k] = Float(Float16(bitPattern: bits[k])) }
        return out
    }

    @inline(__always)
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        Float(Float16(bitPattern: row.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)))
    }
}

/// bfloat16 weights: the stored 16 bits are the top half of a binary32.
enum BF16Loader: WeightLoader {
    @inline(__always)
    static func load8(_ row: UnsafeRawPointer, _ index: Int) -> SIMD8<Float> {
        let bits = row.loadUnaligned(fromByteOffset: index &* 2, as: SIMD8<UInt16>.self)
        var out = SIMD8<Float>()
        for k in 0..<8 { out[k] = Float(bitPattern: UInt32(bits[k]) &<< 16) }
        return out
    }

    @inline(__always)
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        Float(bitPattern: UInt32(row.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)) &<< 16)
    }
}
