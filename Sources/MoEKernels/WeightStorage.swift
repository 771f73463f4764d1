/// A weight matrix the engine owns rather than maps: a checkpoint layout the kernels cannot
/// read in place, converted once at load (transposed f32, or regrouped quantised blocks).
/// `matrix` is valid while the storage lives.
public final class WeightStorage: @unchecked Sendable {
    /// The converted weights, `(rows, cols)`.
    public let matrix: WeightMatrix
    private let bytes: UnsafeMutableRawBufferPointer

    /// `(rows, cols)` weights of `type`, written by `fill` into the zeroed buffer of
    /// `rows * type.rowBytes(cols:)` bytes; an error from `fill` is passed on.
    public init(type: WeightType, rows: Int, cols: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        let count = rows * type.rowBytes(cols: cols)
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
        do {
            try fill(UnsafeMutableRawBufferPointer(rebasing: bytes[0..<count]))
        } catch {
            bytes.deallocate()
            throw error
        }
        self.bytes = bytes
        matrix = WeightMatrix(base: UnsafeRawPointer(bytes.baseAddress!), type: type, rows: rows, cols: cols)
    }

    deinit { bytes.deallocate() }

    /// f32 columns `first, first + step, ...` of `source`, transposed: row `i` of the result
    /// is column `first + i * step` of `source`, so a checkpoint stored as `x @ W`
    /// (`(inputs, outputs)`) becomes `(outputs, inputs)`.
    public static func transposedColumns(of source: WeightMatrix, first: Int, step: Int) -> WeightStorage {
        let outputs = (source.cols - first + step - 1) / step
        return WeightStorage(type: .f32, rows: outputs, cols: source.rows) { raw in
            let out = raw.bindMemory(to: Float.self)
            let row = UnsafeMutablePointer<Float>.allocate(capacity: source.cols)  // (source.cols)
            defer { row.deallocate() }
            for k in 0..<source.rows {
                Kernels.decodeRow(source, row: k, into: row)
                for i in 0..<outputs { out[i * source.rows + k] = row[first + i * step] }
            }
        }
    }
}
