extension Kernels {
    /// Converts row `row` of `weight` to f32.
    ///
    /// - output: `(weight.cols)`
    public static func decodeRow(_ weight: WeightMatrix, row: Int, into output: UnsafeMutablePointer<Float>) {
        decode(weight, row: row, columns: 0..<weight.cols, into: output)
    }

    /// Converts elements `columns` of row `row` of `weight` to f32.
    ///
    /// - output: `(columns.count)`
    static func decode(
        _ weight: WeightMatrix, row: Int, columns: Range<Int>, into output: UnsafeMutablePointer<Float>
    ) {
        let p = weight.base + row * weight.rowBytes + columns.lowerBound * weight.type.bytesPerElement
        let count = columns.count
        // Plain element loops with unaligned loads (weights need no alignment): LLVM
        // vectorizes them (vcvtph2ps; vpmovzxwd + vpslld).
        switch weight.type {
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
        }
    }
}
