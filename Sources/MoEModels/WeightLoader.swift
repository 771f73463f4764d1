import MoEFormats
import MoEKernels

/// Finds a model's tensors by Hugging Face name and checks their type and shape before
/// handing them out as kernel-ready views into the mapped file.
struct WeightLoader {
    /// The checkpoint.
    let source: WeightSource

    /// The folder or file, for error messages.
    var location: String { source.location }

    /// The tensor `name`, which must exist.
    func tensor(_ name: String) throws -> StoredTensor {
        guard let t = source.tensor(name) else {
            throw FormatError(file: location, tensor: name, "missing from the checkpoint")
        }
        return t
    }

    /// The kernel type of `t`, which must be one the kernels compute on.
    func weightType(_ t: StoredTensor) throws -> WeightType {
        guard let type = t.weightType else {
            throw FormatError(file: location, tensor: t.name,
                              "type \(t.typeName) is not a weight type this engine computes with (supported: \(WeightType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return type
    }

    /// Checks that `t` has exactly `shape`.
    func expect(_ t: StoredTensor, shape: [Int]) throws {
        guard t.shape == shape else {
            throw FormatError(file: location, tensor: t.name, "expected shape \(shape), found \(t.shape)")
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

    /// A `(rows, cols)` tensor stored with extra unit dimensions (a depthwise convolution's
    /// `(channels, 1, kernel)`) or without them, converted to f32 and flattened row-major.
    func squeezedMatrix(_ name: String, rows: Int, cols: Int) throws -> [Float] {
        let t = try tensor(name)
        guard t.shape.filter({ $0 != 1 }) == [rows, cols].filter({ $0 != 1 }), t.elementCount == rows * cols else {
            throw FormatError(file: location, tensor: t.name, "expected shape \([rows, cols]) (unit dimensions aside), found \(t.shape)")
        }
        return try decode(t, count: rows * cols)
    }

    /// A 1-D tensor of `count` elements, converted to f32 (norm weights and biases).
    func vector(_ name: String, count: Int) throws -> [Float] {
        let t = try tensor(name)
        try expect(t, shape: [count])
        return try decode(t, count: count)
    }

    /// An RMSNorm weight of `count` elements with the config's `normWeightOffset` added, so
    /// that `(1 + w)` norms run as plain ones.
    func normVector(_ name: String, count: Int, config: ModelConfig) throws -> [Float] {
        let weight = try vector(name, count: count)
        guard config.normWeightOffset != 0 else { return weight }
        return weight.map { $0 + config.normWeightOffset }
    }

    /// Like `vector`, or nil when the checkpoint has no tensor called `name`.
    func optionalVector(_ name: String, count: Int) throws -> [Float]? {
        guard source.tensor(name) != nil else { return nil }
        return try vector(name, count: count)
    }

    /// The name of the first stored tensor holding NaN or infinity, or nil when every tensor
    /// the kernels can read is finite. Reads every weight.
    func firstNonFiniteTensor() -> String? {
        for t in source.allTensors {
            guard let cols = t.shape.last, cols > 0, t.elementCount > 0,
                  let m = try? view(t, rows: t.elementCount / cols, cols: cols) else { continue }
            var row = [Float](repeating: 0, count: cols)  // (cols)
            for r in 0..<m.rows {
                let finite = row.withUnsafeMutableBufferPointer { buffer -> Bool in
                    guard let out = buffer.baseAddress else { return true }
                    Kernels.decodeRow(m, row: r, into: out)
                    return buffer.allSatisfy(\.isFinite)
                }
                if !finite { return t.name }
            }
        }
        return nil
    }

    private func view(_ t: StoredTensor, rows: Int, cols: Int) throws -> WeightMatrix {
        let type = try weightType(t)
        guard cols % type.blockSize == 0 else {
            throw FormatError(file: location, tensor: t.name, "row length \(cols) is not a multiple of the \(type.rawValue) block size \(type.blockSize)")
        }
        guard let base = t.data.baseAddress, t.data.count == rows * type.rowBytes(cols: cols) else {
            throw FormatError(file: location, tensor: t.name, "holds \(t.data.count) bytes, expected \(rows * type.rowBytes(cols: cols))")
        }
        return WeightMatrix(base: base, type: type, rows: rows, cols: cols)
    }

    private func decode(_ t: StoredTensor, count: Int) throws -> [Float] {
        let m = try view(t, rows: 1, cols: count)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let out = buffer.baseAddress { Kernels.decodeRow(m, row: 0, into: out) }
            initialized = count
        }
    }
}
