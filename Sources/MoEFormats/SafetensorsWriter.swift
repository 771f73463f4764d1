/// Writes `.safetensors` files in the reference layout, atomically.
///
/// Layout: 8-byte little-endian header length, a JSON header (`__metadata__` first if given,
/// then tensors in data order) padded with spaces to a multiple of 8 bytes, then the tensor
/// bytes back to back in the order given. The target is replaced only once fully written.
public enum SafetensorsWriter {
    /// What the header records about one tensor.
    struct Spec {
        /// Tensor name.
        let name: String
        /// Element type.
        let dtype: TensorDType
        /// Dimensions, outermost first.
        let shape: [Int]
        /// Bytes the caller will write for this tensor.
        let byteCount: Int
    }

    /// Writes `tensors` (views whose memory must stay valid during the call) to `path`.
    ///
    /// Offsets are not padded (the format forbids gaps), so for aligned data give tensors in
    /// order of decreasing `dtype.byteSize`, as the reference writer does.
    public static func write(_ tensors: [TensorView], metadata: [String: String]? = nil, to path: String) throws {
        let specs = tensors.map { Spec(name: $0.name, dtype: $0.dtype, shape: $0.shape, byteCount: $0.data.count) }
        try write(specs, metadata: metadata, to: path) { index, sink in try sink.write(tensors[index].data) }
    }

    /// Writes `tensors` to `path`.
    public static func write(_ tensors: [TensorData], metadata: [String: String]? = nil, to path: String) throws {
        let specs = tensors.map { Spec(name: $0.name, dtype: $0.dtype, shape: $0.shape, byteCount: $0.bytes.count) }
        try write(specs, metadata: metadata, to: path) { index, sink in
            try tensors[index].bytes.withUnsafeBytes { try sink.write($0) }
        }
    }

    /// Validates `specs`, then writes header and data; `emit(i, sink)` writes tensor `i`'s bytes.
    static func write(_ specs: [Spec], metadata: [String: String]?, to path: String,
                      emit: (Int, AtomicFileWriter.Sink) throws -> Void) throws {
        let header = try encodeHeader(specs, metadata: metadata, file: path)
        try AtomicFileWriter.write(to: path) { sink in
            try header.withUnsafeBytes { try sink.write($0) }
            for index in specs.indices { try emit(index, sink) }
        }
    }

    /// The length prefix and padded JSON header for `specs`, after checking every tensor.
    static func encodeHeader(_ specs: [Spec], metadata: [String: String]?, file: String) throws -> [UInt8] {
        var json = "{"
        var separator = ""
        if let metadata {
            let items = metadata.sorted { $0.key < $1.key }
                .map { JSONEncoding.quoted($0.key) + ":" + JSONEncoding.quoted($0.value) }
            json += JSONEncoding.quoted(SafetensorsHeader.metadataKey) + ":{" + items.joined(separator: ",") + "}"
            separator = ","
        }
        try validate(specs, file: file)
        var offset = 0
        for spec in specs {
            let (end, overflow) = offset.addingReportingOverflow(spec.byteCount)
            guard !overflow else { throw FormatError(file: file, tensor: spec.name, "data section size overflows") }
            let shape = spec.shape.map(String.init).joined(separator: ",")
            json += separator + JSONEncoding.quoted(spec.name)
                + ":{\"dtype\":\"\(spec.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            separator = ","
            offset = end
        }
        json += "}"
        var text = Array(json.utf8)
        text += repeatElement(UInt8(ascii: " "), count: (8 - text.count % 8) % 8)
        guard text.count <= SafetensorsHeader.maxHeaderLength else {
            throw FormatError(file: file, "header of \(text.count) bytes exceeds the \(SafetensorsHeader.maxHeaderLength)-byte limit")
        }
        let length = UInt64(text.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + text
    }

    /// Throws unless every name is usable and unique and every shape matches its byte count.
    static func validate(_ specs: [Spec], file: String) throws {
        var seen = Set<String>()
        for spec in specs {
            try check(spec, file: file)
            guard seen.insert(spec.name).inserted else {
                throw FormatError(file: file, tensor: spec.name, "tensor name given twice")
            }
        }
    }

    /// Throws unless `spec` has a usable name and a shape matching its byte count.
    private static func check(_ spec: Spec, file: String) throws {
        guard spec.name != SafetensorsHeader.metadataKey else {
            throw FormatError(file: file, tensor: spec.name, "name is reserved for metadata")
        }
        var elements = 1
        for size in spec.shape {
            guard size >= 0 else {
                throw FormatError(file: file, tensor: spec.name, "shape \(spec.shape) has a negative dimension")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else { throw FormatError(file: file, tensor: spec.name, "element count of shape \(spec.shape) overflows") }
            elements = product
        }
        let (expected, overflow) = elements.multipliedReportingOverflow(by: spec.dtype.byteSize)
        guard !overflow, expected == spec.byteCount else {
            throw FormatError(file: file, tensor: spec.name,
                              "shape \(spec.shape) of \(spec.dtype.rawValue) needs \(overflow ? "too many" : String(expected)) bytes, got \(spec.byteCount)")
        }
    }
}
