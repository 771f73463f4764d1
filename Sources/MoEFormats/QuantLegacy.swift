/// Reference codecs for the 32-weight block types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, MXFP4),
/// written to match gguf-py's `quants.py` operation for operation in f32.
enum QuantLegacy {
    /// Reads bytes out of a tuple field.
    static func bytes<T>(_ field: T) -> [UInt8] {
        withUnsafeBytes(of: field) { Array($0) }
    }

    /// Writes `values` over a tuple field.
    static func store<T>(_ values: [UInt8], into field: inout T) {
        withUnsafeMutableBytes(of: &field) { $0.copyBytes(from: values) }
    }

    /// The 4-bit quant `i` of 32 packed as ggml does: byte `i % 16`, low nibble for `i < 16`.
    static func nibble(_ qs: [UInt8], _ i: Int) -> UInt8 {
        i < 16 ? qs[i] & 0x0F : qs[i - 16] >> 4
    }

    /// Packs 32 values below 16 (after masking) into 16 bytes, ggml order.
    static func packNibbles(_ q: [UInt8]) -> [UInt8] {
        (0..<16).map { (q[$0] & 0x0F) | (q[$0 + 16] << 4) }
    }

    // MARK: dequantise

    static func dequantize(_ block: BlockQ8_0, _ out: UnsafeMutableBufferPointer<Float>) {
        let d = QuantHalf.float(fromHalf: block.d)
        for (i, byte) in bytes(block.qs).enumerated() { out[i] = Float(Int8(bitPattern: byte)) * d }
    }

    static func dequantize(_ block: BlockQ4_0, _ out: UnsafeMutableBufferPointer<Float>) {
        let d = QuantHalf.float(fromHalf: block.d)
        let qs = bytes(block.qs)
        for i in 0..<32 { out[i] = d * Float(Int(nibble(qs, i)) - 8) }
    }

    static func dequantize(_ block: BlockQ4_1, _ out: UnsafeMutableBufferPointer<Float>) {
        let d = QuantHalf.float(fromHalf: block.d)
        let m = QuantHalf.float(fromHalf: block.m)
        let qs = bytes(block.qs)
        for i in 0..<32 { out[i] = d * Float(nibble(qs, i)) + m }
    }

    static func dequantize(_ block: BlockQ5_0, _ out: UnsafeMutableBufferPointer<Float>) {
        let d = QuantHalf.float(fromHalf: block.d)
        let qh = highBits(block.qh)
        let qs = bytes(block.qs)
        for i in 0..<32 {
            let q = Int(nibble(qs, i)) | Int((qh >> UInt32(i)) & 1) << 4
            out[i] = d * Float(q - 16)
        }
    }

    static func dequantize(_ block: BlockQ5_1, _ out: UnsafeMutableBufferPointer<Float>) {
        let d = QuantHalf.float(fromHalf: block.d)
        let m = QuantHalf.float(fromHalf: block.m)
        let qh = highBits(block.qh)
        let qs = bytes(block.qs)
        for i in 0..<32 {
            let q = Int(nibble(qs, i)) | Int((qh >> UInt32(i)) & 1) << 4
            out[i] = d * Float(q) + m
        }
    }

    /// E2M1 values doubled (the scale below is halved to match), as ggml's `kvalues_mxfp4`.
    static let mxfp4Values: [Int8] = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12]

    /// ggml's `ggml_e8m0_to_fp32_half`: `2^(e - 128)`, subnormal for `e < 2`.
    static func e8m0Half(_ e: UInt8) -> Float {
        e < 2 ? Float(bitPattern: UInt32(0x0020_0000) << UInt32(e)) : Float(bitPattern: UInt32(e - 1) << 23)
    }

    static func dequantize(_ block: BlockMXFP4, _ out: UnsafeMutableBufferPointer<Float>) {
        let d = e8m0Half(block.e)
        let qs = bytes(block.qs)
        for i in 0..<32 { out[i] = d * Float(mxfp4Values[Int(nibble(qs, i))]) }
    }

    /// The 32 fifth bits of Q5_0/Q5_1 as a little-endian u32.
    private static func highBits(_ field: QuantBytes4) -> UInt32 {
        UInt32(field.0) | UInt32(field.1) << 8 | UInt32(field.2) << 16 | UInt32(field.3) << 24
    }

    // MARK: quantise (gguf-py's `quantize_blocks`, per block)

    /// numpy's `trunc(v)` converted to a code and clipped to `0...maxCode` (NaN gives 0).
    private static func truncatedCode(_ v: Float, maxCode: Float) -> UInt8 {
        let t = v.rounded(.towardZero)
        guard t == t else { return 0 }
        return UInt8(Swift.min(Swift.max(t, 0), maxCode))
    }

    /// The element of largest magnitude (first on ties), sign kept: numpy's `argmax(abs)`.
    private static func signedAbsMax(_ x: UnsafeBufferPointer<Float>) -> Float {
        var best = x[0]
        for v in x.dropFirst() where abs(v) > abs(best) { best = v }
        return best
    }

    /// `1 / d`, or 0 when `d` is 0.
    private static func inverse(_ d: Float) -> Float { d == 0 ? 0 : 1 / d }

    static func quantizeQ8_0(_ x: UnsafeBufferPointer<Float>) -> BlockQ8_0 {
        var amax: Float = 0
        for v in x { amax = Swift.max(amax, abs(v)) }
        let d = amax / 127
        let id = inverse(d)
        var block = BlockQ8_0(d: QuantHalf.half(from: d), qs: zeroBytes32)
        let qs: [UInt8] = x.map { v in
            let r = (v * id).rounded(.toNearestOrAwayFromZero)
            guard r == r else { return 0 }
            return UInt8(bitPattern: Int8(Swift.min(Swift.max(r, -128), 127)))
        }
        store(qs, into: &block.qs)
        return block
    }

    static func quantizeQ4_0(_ x: UnsafeBufferPointer<Float>) -> BlockQ4_0 {
        let d = signedAbsMax(x) / -8
        let id = inverse(d)
        let q = x.map { truncatedCode($0 * id + 8.5, maxCode: 15) }
        var block = BlockQ4_0(d: QuantHalf.half(from: d), qs: zeroBytes16)
        store(packNibbles(q), into: &block.qs)
        return block
    }

    static func quantizeQ4_1(_ x: UnsafeBufferPointer<Float>) -> BlockQ4_1 {
        let (lo, hi) = range(x)
        let d = (hi - lo) / 15
        let id = inverse(d)
        let q = x.map { truncatedCode(($0 - lo) * id + 0.5, maxCode: 15) }
        var block = BlockQ4_1(d: QuantHalf.half(from: d), m: QuantHalf.half(from: lo), qs: zeroBytes16)
        store(packNibbles(q), into: &block.qs)
        return block
    }

    static func quantizeQ5_0(_ x: UnsafeBufferPointer<Float>) -> BlockQ5_0 {
        let d = signedAbsMax(x) / -16
        let id = inverse(d)
        let q = x.map { truncatedCode($0 * id + 16.5, maxCode: 31) }
        var block = BlockQ5_0(d: QuantHalf.half(from: d), qh: (0, 0, 0, 0), qs: zeroBytes16)
        store(packNibbles(q), into: &block.qs)
        store(packHighBits(q), into: &block.qh)
        return block
    }

    static func quantizeQ5_1(_ x: UnsafeBufferPointer<Float>) -> BlockQ5_1 {
        let (lo, hi) = range(x)
        let d = (hi - lo) / 31
        let id = inverse(d)
        let q = x.map { truncatedCode(($0 - lo) * id + 0.5, maxCode: 31) }
        var block = BlockQ5_1(d: QuantHalf.half(from: d), m: QuantHalf.half(from: lo), qh: (0, 0, 0, 0), qs: zeroBytes16)
        store(packNibbles(q), into: &block.qs)
        store(packHighBits(q), into: &block.qh)
        return block
    }

    /// Bit 4 of each of 32 codes, as 4 little-endian bytes (numpy `packbits(bitorder="little")`).
    private static func packHighBits(_ q: [UInt8]) -> [UInt8] {
        var packed = [UInt8](repeating: 0, count: 4)
        for (i, code) in q.enumerated() {
            let bit: UInt8 = (code >> 4) & 1
            packed[i / 8] |= bit << UInt8(i % 8)
        }
        return packed
    }

    /// Minimum and maximum of a block.
    private static func range(_ x: UnsafeBufferPointer<Float>) -> (Float, Float) {
        var lo = x[0], hi = x[0]
        for v in x.dropFirst() {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        return (lo, hi)
    }
}

/// Sixteen zero bytes.
let zeroBytes16: QuantBytes16 = ((0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0))
/// Thirty-two zero bytes.
let zeroBytes32: QuantBytes32 = (zeroBytes16, zeroBytes16)
