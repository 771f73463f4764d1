/// Reference codecs for the 256-weight k-quants. Dequantisation matches gguf-py's
/// `quants.py` operation for operation in f32; quantisation is a transcription of ggml's
/// `quantize_row_q4_K_ref` and `quantize_row_q6_K_ref` (ggml-quants.c), byte-identical to it
/// on the fixtures.
enum QuantK {
    /// Scale and min of sub-block `j` from the 12 packed bytes (ggml's `get_scale_min_k4`).
    static func scaleMin(_ q: [UInt8], _ j: Int) -> (scale: UInt8, min: UInt8) {
        if j < 4 { return (q[j] & 63, q[j + 4] & 63) }
        return ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
    }

    // MARK: dequantise

    static func dequantize(_ block: BlockQ4_K, _ out: UnsafeMutableBufferPointer<Float>) {
        let d = QuantHalf.float(fromHalf: block.d)
        let dmin = QuantHalf.float(fromHalf: block.dmin)
        let scales = QuantLegacy.bytes(block.scales)
        let qs = QuantLegacy.bytes(block.qs)
        // Sub-block j uses the low (even j) or high (odd j) nibbles of qs[32 * (j / 2) ..< +32].
        for j in 0..<8 {
            let (sc, m) = scaleMin(scales, j)
            let scale = d * Float(sc)
            let offset = dmin * Float(m)
            let shift = UInt8(4 * (j % 2))
            for l in 0..<32 {
                let q = (qs[32 * (j / 2) + l] >> shift) & 0x0F
                out[32 * j + l] = scale * Float(q) - offset
            }
        }
    }

    static func dequantize(_ block: BlockQ5_K, _ out: UnsafeMutableBufferPointer<Float>) {
        let d = QuantHalf.float(fromHalf: block.d)
        let dmin = QuantHalf.float(fromHalf: block.dmin)
        let scales = QuantLegacy.bytes(block.scales)
        let qh = QuantLegacy.bytes(block.qh)
        let qs = QuantLegacy.bytes(block.qs)
        for j in 0..<8 {
            let (sc, m) = scaleMin(scales, j)
            let scale = d * Float(sc)
            let offset = dmin * Float(m)
            let shift = UInt8(4 * (j % 2))
            for l in 0..<32 {
                let low = (qs[32 * (j / 2) + l] >> shift) & 0x0F
                let high = (qh[l] >> UInt8(j)) & 1
                out[32 * j + l] = scale * Float(low | high << 4) - offset
            }
        }
    }

    static func dequantize(_ block: BlockQ6_K, _ out: UnsafeMutableBufferPointer<Float>) {
        let d = QuantHalf.float(fromHalf: block.d)
        let ql = QuantLegacy.bytes(block.ql)
        let qh = QuantLegacy.bytes(block.qh)
        let scales = QuantLegacy.bytes(block.scales)
        // Each half of 128 weights uses 64 bytes of ql (low then high nibbles) and 32 of qh
        // (2 bits per 32-weight group).
        for i in 0..<256 {
            let half = i / 128, p = i % 128
            let low = p < 64 ? ql[64 * half + p] & 0x0F : ql[64 * half + p - 64] >> 4
            let high = (qh[32 * half + p % 32] >> UInt8(2 * (p / 32))) & 3
            let q = Int(low | high << 4) - 32
            let scale = d * Float(Int8(bitPattern: scales[i / 16]))
            out[i] = scale * Float(q)
        }
    }

    // MARK: quantise (llama.cpp reference)

    /// ggml's `nearest_int`: round half to even through the 1.5 * 2^23 trick, exactly as C.
    static func nearestInt(_ value: Float) -> Int {
        let shifted = value + 12_582_912
        return Int(Int32(bitPattern: shifted.bitPattern) & 0x007F_FFFF) - 0x0040_0000
    }

    /// ggml's `GROUP_MAX_EPS`.
    static let groupMaxEps: Float = 1e-15

    /// llama.cpp's `make_qkx2_quants`: codes `L` in `0...nmax` and a scale and (negated) min
    /// minimising the weighted squared error, searched over `nstep + 1` trial scales.
    static func makeQKX2Quants(_ x: ArraySlice<Float>, nmax: Int, weights: [Float], codes L: inout [UInt8],
                               rmin: Float, rdelta: Float, nstep: Int) -> (scale: Float, min: Float) {
        let x = Array(x)
        let n = x.count
        var min = x[0], max = x[0]
        var sumW = weights[0]
        var sumX = sumW * x[0]
        for i in 1..<n {
            if x[i] < min { min = x[i] }
            if x[i] > max { max = x[i] }
            sumW += weights[i]
            sumX += weights[i] * x[i]
        }
        if min > 0 { min = 0 }
        if max == min {
            for i in 0..<n { L[i] = 0 }
            return (0, -min)
        }
        let fmax = Float(nmax)
        var iscale = fmax / (max - min)
        var scale = 1 / iscale
        var bestError: Float = 0
        for i in 0..<n {
            let l = nearestInt(iscale * (x[i] - min))
            L[i] = UInt8(Swift.max(0, Swift.min(nmax, l)))
            let diff = scale * Float(L[i]) + min - x[i]
            bestError += weights[i] * (diff * diff)
        }
        var aux = [UInt8](repeating: 0, count: n)
        for step in 0...nstep {
            iscale = (rmin + rdelta * Float(step) + fmax) / (max - min)
            var sumL: Float = 0, sumL2: Float = 0, sumXL: Float = 0
            for i in 0..<n {
                let l = Swift.max(0, Swift.min(nmax, nearestInt(iscale * (x[i] - min))))
                aux[i] = UInt8(l)
                let w = weights[i]
                sumL += w * Float(l)
                sumL2 += w * Float(l) * Float(l)
                sumXL += w * Float(l) * x[i]
            }
            let det = sumW * sumL2 - sumL * sumL
            guard det > 0 else { continue }
            var thisScale = (sumW * sumXL - sumX * sumL) / det
            var thisMin = (sumL2 * sumX - sumL * sumXL) / det
            if thisMin > 0 {
                thisMin = 0
                thisScale = sumXL / sumL2
            }
            var error: Float = 0
            for i in 0..<n {
                let diff = thisScale * Float(aux[i]) + thisMin - x[i]
                error += weights[i] * (diff * diff)
            }
            if error < bestError {
                L = aux
                bestError = error
                scale = thisScale
                min = thisMin
            }
        }
        return (scale, -min)
    }

    /// llama.cpp's `make_qx_quants` with `rmse_type = 1` (weights `x²`) and no importance:
    /// the scale and codes `L` in `0..<2 * nmax` (all 0 for an all-zero group), searched over
    /// 18 trial scales around `-nmax / max`.
    static func makeQXQuants(_ x: ArraySlice<Float>, nmax: Int) -> (scale: Float, codes: [UInt8]) {
        let x = Array(x)
        var max: Float = 0, amax: Float = 0
        for v in x where abs(v) > amax {
            amax = abs(v)
            max = v
        }
        if amax < groupMaxEps { return (0, [UInt8](repeating: 0, count: x.count)) }
        let fmax = Float(nmax)
        func level(_ iscale: Float, _ v: Float) -> Int { Swift.max(-nmax, Swift.min(nmax - 1, nearestInt(iscale * v))) }
        func codes(_ iscale: Float) -> [UInt8] { x.map { UInt8(level(iscale, $0) + nmax) } }
        func sums(_ iscale: Float) -> (Float, Float) {
            var sumLX: Float = 0, sumL2: Float = 0
            for v in x {
                let l = Float(level(iscale, v))
                let w = v * v
                sumLX += w * v * l
                sumL2 += w * l * l
            }
            return (sumLX, sumL2)
        }
        var iscale = -fmax / max
        var best = codes(iscale)
        var (sumLX, sumL2) = sums(iscale)
        var scale = sumL2 != 0 ? sumLX / sumL2 : 0
        var bestScore = scale * sumLX
        for step in -9...9 where step != 0 {
            iscale = -(fmax + 0.1 * Float(step)) / max
            (sumLX, sumL2) = sums(iscale)
            if sumL2 > 0 && sumLX * sumLX > bestScore * sumL2 {
                best = codes(iscale)
                scale = sumLX / sumL2
                bestScore = scale * sumLX
            }
        }
        return (scale, best)
    }

    static func quantizeQ4_K(_ x: UnsafeBufferPointer<Float>) -> BlockQ4_K {
        let values = Array(x)
        var codes = [UInt8](repeating: 0, count: 256)
        var scales = [Float](repeating: 0, count: 8)
        var mins = [Float](repeating: 0, count: 8)
        var maxScale: Float = 0, maxMin: Float = 0
        for j in 0..<8 {
            let sub = values[(32 * j)..<(32 * j + 32)]
            var sumX2: Float = 0
            for v in sub { sumX2 += v * v }
            let avX = (sumX2 / 32).squareRoot()
            let weights = sub.map { avX + abs($0) }
            var subCodes = [UInt8](repeating: 0, count: 32)
            (scales[j], mins[j]) = makeQKX2Quants(sub, nmax: 15, weights: weights, codes: &subCodes,
                                                  rmin: -1, rdelta: 0.1, nstep: 20)
            codes.replaceSubrange((32 * j)..<(32 * j + 32), with: subCodes)
            maxScale = Swift.max(maxScale, scales[j])
            maxMin = Swift.max(maxMin, mins[j])
        }
        let invScale: Float = maxScale > 0 ? 63 / maxScale : 0
        let invMin: Float = maxMin > 0 ? 63 / maxMin : 0
        var packed = [UInt8](repeating: 0, count: 12)
        for j in 0..<8 {
            let ls = UInt8(truncatingIfNeeded: Swift.min(63, nearestInt(invScale * scales[j])))
            let lm = UInt8(truncatingIfNeeded: Swift.min(63, nearestInt(invMin * mins[j])))
            if j < 4 {
                packed[j] = ls
                packed[j + 4] = lm
            } else {
                packed[j + 4] = (ls & 0x0F) | ((lm & 0x0F) << 4)
                packed[j - 4] |= (ls >> 4) << 6
                packed[j] |= (lm >> 4) << 6
            }
        }
        var block = BlockQ4_K(d: QuantHalf.half(from: maxScale / 63), dmin: QuantHalf.half(from: maxMin / 63),
                              scales: ((0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0)), qs: (zeroBytes64, zeroBytes64))
        QuantLegacy.store(packed, into: &block.scales)
        let d = QuantHalf.float(fromHalf: block.d)
        let dmin = QuantHalf.float(fromHalf: block.dmin)
        for j in 0..<8 {
            let (sc, m) = scaleMin(packed, j)
            let scale = d * Float(sc)
            guard scale != 0 else { continue }
            let offset = dmin * Float(m)
            for i in 0..<32 {
                codes[32 * j + i] = UInt8(Swift.max(0, Swift.min(15, nearestInt((values[32 * j + i] + offset) / scale))))
            }
        }
        var qs = [UInt8](repeating: 0, count: 128)
        for chunk in 0..<4 {
            for l in 0..<32 { qs[32 * chunk + l] = codes[64 * chunk + l] | (codes[64 * chunk + l + 32] << 4) }
        }
        QuantLegacy.store(qs, into: &block.qs)
        return block
    }

    static func quantizeQ6_K(_ x: UnsafeBufferPointer<Float>) -> BlockQ6_K {
        let values = Array(x)
        var scales = [Float](repeating: 0, count: 16)
        var codes = [UInt8](repeating: 0, count: 256)
        var maxScale: Float = 0, maxAbsScale: Float = 0
        for group in 0..<16 {
            let (scale, groupCodes) = makeQXQuants(values[(16 * group)..<(16 * group + 16)], nmax: 32)
            codes.replaceSubrange((16 * group)..<(16 * group + 16), with: groupCodes)
            scales[group] = scale
            if abs(scale) > maxAbsScale {
                maxAbsScale = abs(scale)
                maxScale = scale
            }
        }
        var block = BlockQ6_K(ql: (zeroBytes64, zeroBytes64), qh: zeroBytes64, scales: zeroBytes16, d: 0)
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
