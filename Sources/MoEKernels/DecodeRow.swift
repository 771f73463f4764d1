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
        // Plain element loops: LLVM vectorizes them (vcvtph2ps; vpmovzxwd + vpslld).
        switch weight.type {
        case .f32:
            output.update(from: p.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            let s = p.assumingMemoryBound(to: Float16.self)
            for c in 0..<count { output[c] = Float(s[c]) }
        case .bf16:
            let s = p.assumingMemoryBound(to: UInt16.self)
            for c in 0..<count { output[c] = Float(bitPattern: UInt32(s[c]) &<< 16) }
        }
    }
}
