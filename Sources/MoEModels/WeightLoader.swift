import MoEFormats
import MoEKernels

/// Finds a model's tensors by name and checks their dtype and shape before handing them
/// out as kernel-ready views into the mapped file.
struct WeightLoader {
    /// The mapped checkpoint.
    let store: TensorStore
    /// The model folder (for error messages).
    let folder: String

    /// The tensor `name`, which must exist.
    func tensor(_ name: String) throws -> TensorView {
        guard let t = store.tensor(name) else {
            throw FormatError(file: folder, tensor: name, "missing from the checkpoint")
        }
        return t
    }

    /// Maps a safetensors dtype to a kernel weight type.
    func weightType(_ t: TensorView) throws -> WeightType {
        switch t.dtype {
        case .F32: return .f32
        case .F16: return .f16
        case .BF16: return .bf16
        default:
            throw FormatError(file: folder, tensor: t.name, "dtype \(t.dtype.rawValue) is not a weight type (expected F32, F16 or BF16)")
        }
    }

    /// Checks that `t` has exactly `shape`.
    func expect(_ t: TensorView, shape: [Int]) throws {
        guard t.shape == shape else {
            throw FormatError(file: folder, tensor: t.name, "expected shape \(shape), found \(t.shape)")
        }
    }

    /// A `(rows, cols)` weight matrix.
    func matrix(_ name: String, rows: Int, cols: Int) throws -> WeightMatrix {
        let t = try tensor(name)
        try expect(t, shape: [rows, cols])
        return try view(t, rows: rows, cols: cols)
    }

    /// The `count` matrices `(rows, cols)` of a stacked `(count, rows, cols)` tensor.
    func stackedMatrices(_ name: String, count: Int, rows: Int, cols: Int) throws -> [WeightMatrix] {
        let t = try tensor(name)
        try expect(t, shape: [count, rows, cols])
        let whole = try view(t, rows: count * rows, cols: cols)
        return (0..<count).map { whole.rows($0 * rows, count: rows) }
    }

    /// A 1-D tensor of `count` elements, converted to f32 (norm weights and biases).
    func vector(_ name: String, count: Int) throws -> [Float] {
        let t = try tensor(name)
        try expect(t, shape: [count])
        return try decode(t, count: count)
    }

    /// Like `vector`, or nil when the checkpoint has no tensor called `name`.
    func optionalVector(_ name: String, count: Int) throws -> [Float]? {
        guard store.tensor(name) != nil else { return nil }
        return try vector(name, count: count)
    }

    private func view(_ t: TensorView, rows: Int, cols: Int) throws -> WeightMatrix {
        let type = try weightType(t)
        guard let base = t.data.baseAddress, t.data.count == rows * type.rowBytes(cols: cols) else {
            throw FormatError(file: folder, tensor: t.name, "holds \(t.data.count) bytes, expected \(rows * type.rowBytes(cols: cols))")
        }
        return WeightMatrix(base: base, type: type, rows: rows, cols: cols)
    }

    private func decode(_ t: TensorView, count: Int) throws -> [Float] {
        let m = try view(t, rows: 1, cols: count)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let out = buffer.baseAddress { Kernels.decodeRow(m, row: 0, into: out) }
            initialized = count
        }
    }
}
