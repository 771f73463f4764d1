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

/// IEEE binary16 weights, widened with the hardware conversion (`vcvtph2ps` on x86).
enum F16Loader: WeightLoader {
    @inline(__always)
    static func load16(_ row: UnsafeRawPointer, _ index: Int) -> SIMD16<Float> {
        let bits = row.loadUnaligned(fromByteOffset: index &* 2, as: SIMD16<UInt16>.self)
        return SIMD16<Float>(unsafeBitCast(bits, to: SIMD16<Float16>.self))
    }

    @inline(__always)
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        Float(Float16(bitPattern: row.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)))
    }
}

/// bfloat16 weights: the stored 16 bits are the top half of a binary32.
enum BF16Loader: WeightLoader {
    @inline(__always)
    static func load16(_ row: UnsafeRawPointer, _ index: Int) -> SIMD16<Float> {
        let bits = row.loadUnaligned(fromByteOffset: index &* 2, as: SIMD16<UInt16>.self)
        return unsafeBitCast(SIMD16<UInt32>(truncatingIfNeeded: bits) &<< 16, to: SIMD16<Float>.self)
    }

    @inline(__always)
    static func load1(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        Float(bitPattern: UInt32(row.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)) << 16)
    }
}
