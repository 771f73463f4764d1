/// IEEE binary16 and bfloat16 conversions used by the block formats, done on bit patterns
/// (no `Float16`, which Intel macOS lacks) so results are the same on every platform.
enum QuantHalf {
    /// binary16 bits to `Float`, exactly (subnormals, infinities and NaN payloads kept).
    static func float(fromHalf bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        case 31:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// `Float` to binary16 bits, rounding to nearest even (as numpy's `astype(np.float16)`
    /// and ggml's `GGML_FP32_TO_FP16`); overflow gives infinity.
    static func half(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let magnitude = bits & 0x7FFF_FFFF
        if magnitude > 0x7F80_0000 {
            let payload = UInt16((magnitude >> 13) & 0x3FF)
            return sign | 0x7C00 | (payload == 0 ? 1 : payload)
        }
        if magnitude >= 0x477F_F000 { return sign | 0x7C00 }
        if magnitude < 0x3880_0000 {
            let scaled = Float(bitPattern: magnitude) * 0x1p24
            return sign | UInt16(scaled.rounded(.toNearestOrEven))
        }
        let exponent = (magnitude >> 23) - 112
        let mantissa = magnitude & 0x7F_FFFF
        var result = (exponent << 10) | (mantissa >> 13)
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && result & 1 == 1) { result += 1 }
        return sign | UInt16(result)
    }

    /// bfloat16 bits to `Float`, exactly.
    static func float(fromBFloat bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// `Float` to bfloat16 bits as ggml's `ggml_compute_fp32_to_bf16` and gguf-py do: NaN
    /// becomes a quiet NaN keeping the sign and top mantissa bits, else round to nearest even.
    static func bfloat(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 {
            return UInt16(truncatingIfNeeded: ((bits & 0xFFFF_0000) | (64 << 16)) >> 16)
        }
        let rounded = (UInt64(bits) + 0x7FFF + UInt64((bits >> 16) & 1)) >> 16
        return UInt16(truncatingIfNeeded: rounded)
    }
}
