/// ggml's k-quant reference quantisers without importance matrix (`quantize_row_q4_K_ref`,
/// `quantize_row_q5_K_ref`, `quantize_row_q6_K_ref` in ggml-quants.c), one 256-weight
/// super-block at a time.
extension QuantK {
    /// The 8 sub-block scales and mins of a Q4_K/Q5_K super-block, packed as ggml stores them,
    /// with the codes in `0...nmax` of its 256 weights (one per weight, in order).
    struct ScaleMinQuants {
        /// Super-block scale of the scales (binary16 bits).
        var d: UInt16
        /// Super-block scale of the mins (binary16 bits).
        var dmin: UInt16
        /// The 12 bytes of 6-bit scales and mins (`get_scale_min_k4`'s layout).
        var scales: [UInt8]
        /// One code per weight.
        var codes: [UInt8]
    }

    /// The part of `quantize_row_q4_K_ref` and `quantize_row_q5_K_ref` before the codes are
    /// packed: a `make_qkx2_quants` search (`rmin`, step 0.1, `nstep` steps) per 32-weight
    /// sub-block, 6-bit scales and mins relative to the largest, then every weight re-coded
    /// against the rounded scale and min it will be decoded with.
    static func scaleMinQuantize(_ x: UnsafeBufferPointer<Float>, nmax: Int, rmin: Float, nstep: Int) -> ScaleMinQuants {
        guard let values = x.baseAddress, x.count >= 256 else {
            return ScaleMinQuants(d: 0, dmin: 0, scales: [UInt8](repeating: 0, count: 12), codes: [UInt8](repeating: 0, count: 256))
        }
        var codes = [UInt8](repeating: 0, count: 256)
        var scales = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
        var mins = scales
        var maxScale: Float = 0, maxMin: Float = 0
        codes.withUnsafeMutableBufferPointer { codes in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { weights in
                    withUnsafeMutableBytes(of: &scales) { scaleBytes in
                        withUnsafeMutableBytes(of: &mins) { minBytes in
                            let scale = scaleBytes.bindMemory(to: Float.self), min = minBytes.bindMemory(to: Float.self)
                            for j in 0..<8 {
                                let sub = values + 32 * j
                                var sumX2: Float = 0
                                for i in 0..<32 { sumX2 += sub[i] * sub[i] }
                                let avX = (sumX2 / 32).squareRoot()
                                for i in 0..<32 { weights[i] = avX + abs(sub[i]) }
                                (scale[j], min[j]) = makeQKX2Quants(
                                    sub, count: 32, nmax: nmax, weights: weights.baseAddress!, codes: codes.baseAddress! + 32 * j,
                                    rmin: rmin, rdelta: 0.1, nstep: nstep)
                                maxScale = Swift.max(maxScale, scale[j])
                                maxMin = Swift.max(maxMin, min[j])
                            }
                        }
                    }
            }
        }
        let scaleList = [scales.0, scales.1, scales.2, scales.3, scales.4, scales.5, scales.6, scales.7]
        let minList = [mins.0, mins.1, mins.2, mins.3, mins.4, mins.5, mins.6, mins.7]
        let invScale: Float = maxScale > 0 ? 63 / maxScale : 0
        let invMin: Float = maxMin > 0 ? 63 / maxMin : 0
        var packed = [UInt8](repeating: 0, count: 12)
        for j in 0..<8 {
            let ls = UInt8(truncatingIfNeeded: Swift.min(63, nearestInt(invScale * scaleList[j])))
            let lm = UInt8(truncatingIfNeeded: Swift.min(63, nearestInt(invMin * minList[j])))
            if j < 4 {
                packed[j] = ls
                packed[j + 4] = lm
            } else {
                packed[j + 4] = (ls & 0x0F) | ((lm & 0x0F) << 4)
                packed[j - 4] |= (ls >> 4) << 6
                packed[j] |= (lm >> 4) << 6
            }
        }
        let dHalf = QuantHalf.half(from: maxScale / 63), dminHalf = QuantHalf.half(from: maxMin / 63)
        let d = QuantHalf.float(fromHalf: dHalf)
        let dmin = QuantHalf.float(fromHalf: dminHalf)
        // A sub-block whose scale rounds to 0 keeps the codes make_qkx2_quants chose, as in C.
        for j in 0..<8 {
            let (sc, m) = scaleMin(packed, j)
            let scale = d * Float(sc)
            guard scale != 0 else { continue }
            let offset = dmin * Float(m)
            for i in 0..<32 {
                codes[32 * j + i] = UInt8(Swift.max(0, Swift.min(nmax, nearestInt((values[32 * j + i] + offset) / scale))))
            }
        }
        return ScaleMinQuants(d: dHalf, dmin: dminHalf, scales: packed, codes: codes)
    }

    /// The low nibbles of the codes as Q4_K and Q5_K store them: each 32 bytes hold two
    /// sub-blocks, the even one in the low nibbles and the odd one in the high.
    static func lowNibbles(_ codes: [UInt8]) -> [UInt8] {
        var qs = [UInt8](repeating: 0, count: 128)
        for chunk in 0..<4 {
            for l in 0..<32 {
                qs[32 * chunk + l] = (codes[64 * chunk + l] & 0x0F) | ((codes[64 * chunk + l + 32] & 0x0F) << 4)
            }
        }
        return qs
    }

    static func quantizeQ4_K(_ x: UnsafeBufferPointer<Float>) -> BlockQ4_K {
        let quants = scaleMinQuantize(x, nmax: 15, rmin: -1, nstep: 20)
        var block = BlockQ4_K(d: quants.d, dmin: quants.dmin, scales: zeroBytes12, qs: zeroBytes128)
        QuantLegacy.store(quants.scales, into: &block.scales)
        QuantLegacy.store(lowNibbles(quants.codes), into: &block.qs)
        return block
    }

    static func quantizeQ5_K(_ x: UnsafeBufferPointer<Float>) -> BlockQ5_K {
        let quants = scaleMinQuantize(x, nmax: 31, rmin: -0.5, nstep: 15)
        // Bit j of qh[l] is the fifth bit of weight l of sub-block j.
        var qh = [UInt8](repeating: 0, count: 32)
        for j in 0..<8 {
            for l in 0..<32 { qh[l] |= (quants.codes[32 * j + l] >> 4) << UInt8(j) }
        }
        var block = BlockQ5_K(d: quants.d, dmin: quants.dmin, scales: zeroBytes12, qh: zeroBytes32, qs: zeroBytes128)
        QuantLegacy.store(quants.scales, into: &block.scales)
        QuantLegacy.store(qh, into: &block.qh)
        QuantLegacy.store(lowNibbles(quants.codes), into: &block.qs)
        return block
    }

    static func quantizeQ6_K(_ x: UnsafeBufferPointer<Float>) -> BlockQ6_K {
        let values = Array(x)
        var scales = [Float](repeating: 0, count: 16)
        var codes = [UInt8](repeating: 0, count: 256)
        var maxScale: Float = 0, maxAbsScale: Float = 0
        for group in 0..<16 {
            let scale = values.withUnsafeBufferPointer { v in
                codes.withUnsafeMutableBufferPointer { c in
                    makeQXQuants(v.baseAddress! + 16 * group, count: 16, nmax: 32, codes: c.baseAddress! + 16 * group)
                }
            }
            scales[group] = scale
            if abs(scale) > maxAbsScale {
                maxAbsScale = abs(scale)
                maxScale = scale
            }
        }
        var block = BlockQ6_K(ql: zeroBytes128, qh: zeroBytes64, scales: zeroBytes16, d: 0)
        guard maxAbsScale >= groupMaxEps else { return block }
        let iscale = -128 / maxScale
        block.d = QuantHalf.half(from: 1 / iscale)
        let groupScales = scales.map { Int8(truncatingIfNeeded: Swift.min(127, nearestInt(iscale * $0))) }
        QuantLegacy.store(groupScales.map { UInt8(bitPattern: $0) }, into: &block.scales)
        let d = QuantHalf.float(fromHalf: block.d)
        // A group whose scale rounds to 0 keeps the codes make_qx_quants chose, as in C.
        for group in 0..<16 {
            let scale = d * Float(groupScales[group])
            guard scale != 0 else { continue }
            for i in (16 * group)..<(16 * group + 16) {
                codes[i] = UInt8(Swift.max(-32, Swift.min(31, nearestInt(values[i] / scale))) + 32)
            }
        }
        var ql = [UInt8](repeating: 0, count: 128)
        var qh = [UInt8](repeating: 0, count: 64)
        for half in 0..<2 {
            let c = 128 * half
            for l in 0..<32 {
                ql[64 * half + l] = (codes[c + l] & 0x0F) | ((codes[c + l + 64] & 0x0F) << 4)
                ql[64 * half + l + 32] = (codes[c + l + 32] & 0x0F) | ((codes[c + l + 96] & 0x0F) << 4)
                qh[32 * half + l] = (codes[c + l] >> 4) | ((codes[c + l + 32] >> 4) << 2)
                    | ((codes[c + l + 64] >> 4) << 4) | ((codes[c + l + 96] >> 4) << 6)
            }
        }
        QuantLegacy.store(ql, into: &block.ql)
        QuantLegacy.store(qh, into: &block.qh)
        return block
    }
}

/// Sixty-four zero bytes.
let zeroBytes64: QuantBytes64 = (zeroBytes32, zeroBytes32)

/// Twelve zero bytes.
let zeroBytes12: QuantBytes12 = ((0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0))

/// 128 zero bytes.
let zeroBytes128: QuantBytes128 = (zeroBytes64, zeroBytes64)
