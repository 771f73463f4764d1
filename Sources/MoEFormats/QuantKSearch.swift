/// The scale searches of ggml's k-quant reference quantisers (ggml-quants.c), transcribed
/// operation for operation in f32 so that the codes they pick are the C ones.
extension QuantK {
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
}
