import MoEFormats
@testable import MoEKernels

/// Random ggml blocks for tests: random quant bytes with scale fields set to finite values
/// of realistic size (occasionally negative or subnormal), decoded by MoEFormats' reference.
enum QuantTestBlocks {
    /// The MoEFormats type of a block type.
    static func ggmlType(_ type: WeightType) -> GGMLType {
        switch type {
        case .f32: return .F32
        case .f16: return .F16
        case .bf16: return .BF16
        case .q8_0: return .Q8_0
        case .q4_0: return .Q4_0
        case .q4_1: return .Q4_1
        case .q5_0: return .Q5_0
        case .q5_1: return .Q5_1
        case .q4_K: return .Q4_K
        case .q5_K: return .Q5_K
        case .q6_K: return .Q6_K
        case .mxfp4: return .MXFP4
        }
    }

    /// A random f16 scale of magnitude about `size`: sometimes negative, sometimes subnormal.
    static func scale(_ size: Float, rng: inout SplitMix64) -> UInt16 {
        var v = Float.random(in: 0.25...1, using: &rng) * size
        if rng.next() % 4 == 0 { v = -v }
        if rng.next() % 32 == 0 { v *= 1e-4 }
        return Float16(v).bitPattern
    }

    /// Writes `blocks` random blocks of `type` at `base` and returns their reference values.
    ///
    /// - base: `(blocks * type.blockBytes)` bytes
    static func fill(_ type: WeightType, base: UnsafeMutableRawPointer, blocks: Int, rng: inout SplitMix64) -> [Float] {
        let size = type.blockBytes
        for i in 0..<blocks * size { base.storeBytes(of: UInt8(truncatingIfNeeded: rng.next()), toByteOffset: i, as: UInt8.self) }
        for b in 0..<blocks {
            let p = base + b * size
            func half(_ offset: Int, _ magnitude: Float) {
                p.storeBytes(of: scale(magnitude, rng: &rng), toByteOffset: offset, as: UInt16.self)
            }
            switch type {
            case .q8_0, .q4_0, .q5_0: half(0, 0.02)
            case .q4_1, .q5_1: half(0, 0.02); half(2, 0.3)
            case .q4_K, .q5_K: half(0, 0.01); half(2, 0.01)
            case .q6_K: half(208, 0.001)
            case .mxfp4:
                // Mostly normal exponents; sometimes 0 or 1, whose scale is subnormal.
                let e = rng.next() % 16 == 0 ? UInt8(rng.next() % 2) : UInt8(118 + rng.next() % 12)
                p.storeBytes(of: e, toByteOffset: 0, as: UInt8.self)
            case .f32, .f16, .bf16: break
            }
        }
        let bytes = UnsafeRawBufferPointer(start: base, count: blocks * size)
        return (try? GGMLQuants.dequantize(bytes, type: ggmlType(type), count: blocks * type.blockSize)) ?? []
    }
}
