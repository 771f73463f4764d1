/// Reference codecs for the 256-weight k-quants. Dequantisation (here) matches gguf-py's
/// `quants.py` operation for operation in f32; quantisation (QuantKQuantize.swift, with the
/// scale searches in QuantKSearch.swift) follows ggml's `quantize_row_q4_K_ref`,
/// `quantize_row_q5_K_ref` and `quantize_row_q6_K_ref` (ggml-quants.c), byte-identical to them
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
}
