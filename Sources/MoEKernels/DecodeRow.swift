extension Kernels {
    /// Converts row `row` of `weight` to f32.
    ///
    /// - output: `(weight.cols)`
    public static func decodeRow(_ weight: WeightMatrix, row: Int, into output: UnsafeMutablePointer<Float>) {
        decode(weight, row: row, columns: 0..<weight.cols, into: output)
    }

    /// Converts elements `columns` of row `row` of `weight` to f32. For block types the bounds
    /// of `columns` must be multiples of `weight.type.blockSize`.
    ///
    /// - output: `(columns.count)`
    static func decode(
        _ weight: WeightMatrix, row: Int, columns: Range<Int>, into output: UnsafeMutablePointer<Float>
    ) {
        let type = weight.type
        let p = weight.base + row * weight.rowBytes + type.rowBytes(cols: columns.lowerBound)
        let count = columns.count
        // Plain element loops with unaligned loads (weights need no alignment): LLVM
        // vectorizes them (vcvtph2ps; vpmovzxwd + vpslld).
        switch type {
        case .f32:
            UnsafeMutableRawPointer(output).copyMemory(from: p, byteCount: count * 4)
        case .f16:
            for c in 0..<count {
                output[c] = Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: c &* 2, as: UInt16.self)))
            }
        case .bf16:
            for c in 0..<count {
                output[c] = Float(bitPattern: UInt32(p.loadUnaligned(fromByteOffset: c &* 2, as: UInt16.self)) &<< 16)
            }
        case .q8_0: decodeBlocks(Q8_0Block.self, p, count: count, into: output)
        case .q4_0: decodeBlocks(Q4_0Block.self, p, count: count, into: output)
        case .q4_1: decodeBlocks(Q4_1Block.self, p, count: count, into: output)
        case .q5_0: decodeBlocks(Q5_0Block.self, p, count: count, into: output)
        case .q5_1: decodeBlocks(Q5_1Block.self, p, count: count, into: output)
        case .q4_K: decodeBlocks(Q4_KBlock.self, p, count: count, into: output)
        case .q5_K: decodeBlocks(Q5_KBlock.self, p, count: count, into: output)
        case .q6_K: decodeBlocks(Q6_KBlock.self, p, count: count, into: output)
        case .mxfp4: decodeBlocks(MXFP4Block.self, p, count: count, into: output)
        }
    }

    /// Decodes the `count / B.elements` consecutive blocks at `blocks`.
    ///
    /// - output: `(count)`
    static func decodeBlocks<B: QuantBlock>(
        _: B.Type, _ blocks: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>
    ) {
        var b = 0
        while b < count / B.elements {
            B.decode(blocks + b * B.bytes, into: output + b * B.elements)
            b += 1
        }
    }
}
