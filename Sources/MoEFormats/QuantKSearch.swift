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
    /// minimising the weighted squared error, searched over `nstep + 1` trial scales. Runs on
    /// caller-provided buffers (one super-block quantises 8 groups: no allocation per group).
    ///
    /// - x, weights: `(n)`
    /// - codes: `(n)`
    static func makeQKX2Quants(_ x: UnsafePointer<Float>, count n: Int, nmax: Int, weights: UnsafePointer<Float>,
                               codes L: UnsafeMutablePointer<UInt8>, rmin: Float, rdelta: Float, nstep: Int)
        -> (scale: Float, min: Float) {
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
            L.update(repeating: 0, count: n)
            return (0, -min)
        }
        let fmax = Float(nmax)
        let iscale = fmax / (max - min)
        var scale = 1 / iscale
        var bestError: Float = 0
        for i in 0..<n {
            let l = nearestInt(iscale * (x[i] - min))
            L[i] = UInt8(truncatingIfNeeded: Swift.max(0, Swift.min(nmax, l)))
            let diff = scale * Float(L[i]) + min - x[i]
            bestError += weights[i] * (diff * diff)
        }
        // Trial scales eight at a time, one per lane; each lane accumulates its sums in the
        // scalar order. A better trial moves `min`, which every later trial depends on, so
        // after the first lane that improves the search resumes at the following step:
        // every accepted trial is computed exactly as the sequential loop computes it.
        let shifter = SIMD8<Float>(repeating: 12_582_912), top = SIMD8<Float>(repeating: fmax)
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: n) { levels in
            var first = 0
            while first <= nstep {
                let steps = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7) + Float(first)
                let iscales = (SIMD8(repeating: rmin) + SIMD8(repeating: rdelta) * steps + top) / (max - min)
                var sumL = SIMD8<Float>(), sumL2 = SIMD8<Float>(), sumXL = SIMD8<Float>()
                for i in 0..<n {
                    var l = (iscales * (x[i] - min) + shifter) - shifter
                    l.replace(with: top, where: l .> top)
                    l.replace(with: 0, where: l .< 0)
                    levels[i] = l
                    let w = SIMD8<Float>(repeating: weights[i])
                    sumL += w * l
                    sumL2 += w * l * l
                    sumXL += w * l * x[i]
                }
                let det = SIMD8(repeating: sumW) * sumL2 - sumL * sumL
                var thisScale = (SIMD8(repeating: sumW) * sumXL - SIMD8(repeating: sumX) * sumL) / det
                var thisMin = (sumL2 * sumX - sumL * sumXL) / det
                let clamped = thisMin .> 0
                thisMin.replace(with: 0, where: clamped)
                thisScale.replace(with: sumXL / sumL2, where: clamped)
                var error = SIMD8<Float>()
                for i in 0..<n {
                    let diff = thisScale * levels[i] + thisMin - x[i]
                    error += SIMD8(repeating: weights[i]) * (diff * diff)
                }
                var next = first + 8
                for lane in 0..<Swift.min(8, nstep + 1 - first) where det[lane] > 0 && error[lane] < bestError {
                    for i in 0..<n { L[i] = UInt8(levels[i][lane]) }
                    bestError = error[lane]
                    scale = thisScale[lane]
                    min = thisMin[lane]
                    next = first + lane + 1
                    break
                }
                first = next
            }
        }
        return (scale, -min)
    }

    /// llama.cpp's `make_qx_quants` with `rmse_type = 1` (weights `x²`) and no importance:
    /// the scale and codes `L` in `0..<2 * nmax` (all 0 for an all-zero group), searched over
    /// 18 trial scales around `-nmax / max`. The trials are independent, so their sums run
    /// eight to a vector (each lane in the scalar order) and the best is chosen in the
    /// sequential order.
    ///
    /// - x, codes: `(n)`
    static func makeQXQuants(_ x: UnsafePointer<Float>, count n: Int, nmax: Int, codes: UnsafeMutablePointer<UInt8>) -> Float {
        var max: Float = 0, amax: Float = 0
        for i in 0..<n where abs(x[i]) > amax {
            amax = abs(x[i])
            max = x[i]
        }
        if amax < groupMaxEps {
            codes.update(repeating: 0, count: n)
            return 0
        }
        let fmax = Float(nmax)
        // Trial 0 is `-nmax / max`; trials 1-18 are steps -9...-1, 1...9.
        var iscales = [Float](repeating: 0, count: 24)
        iscales[0] = -fmax / max
        for (t, step) in ((-9)...(-1)).enumerated() { iscales[1 + t] = -(fmax + 0.1 * Float(step)) / max }
        for (t, step) in (1...9).enumerated() { iscales[10 + t] = -(fmax + 0.1 * Float(step)) / max }
        let shifter = SIMD8<Float>(repeating: 12_582_912)
        let low = SIMD8<Float>(repeating: -fmax), high = SIMD8<Float>(repeating: fmax - 1)
        var sumLX = [Float](repeating: 0, count: 24), sumL2 = [Float](repeating: 0, count: 24)
        for group in 0..<3 {
            var scales = SIMD8<Float>()
            for k in 0..<8 { scales[k] = iscales[8 * group + k] }
            var lx = SIMD8<Float>(), l2 = SIMD8<Float>()
            for i in 0..<n {
                let v = x[i]
                var l = (scales * v + shifter) - shifter
                l.replace(with: high, where: l .> high)
                l.replace(with: low, where: l .< low)
                let w = v * v
                lx += SIMD8(repeating: w * v) * l
                l2 += SIMD8(repeating: w) * l * l
            }
            for k in 0..<8 {
                sumLX[8 * group + k] = lx[k]
                sumL2[8 * group + k] = l2[k]
            }
        }
        var best = 0
        var scale = sumL2[0] != 0 ? sumLX[0] / sumL2[0] : 0
        var bestScore = scale * sumLX[0]
        for t in 1...18 where sumL2[t] > 0 && sumLX[t] * sumLX[t] > bestScore * sumL2[t] {
            best = t
            scale = sumLX[t] / sumL2[t]
            bestScore = scale * sumLX[t]
        }
        for i in 0..<n {
            codes[i] = UInt8(Swift.max(-nmax, Swift.min(nmax - 1, nearestInt(iscales[best] * x[i]))) + nmax)
        }
        return scale
    }
}
