import MoEFormats

/// A GGUF file as the input of an export: its tensors keep their names and shapes, and
/// its metadata is copied with a new `general.file_type` (as `llama-quantize` does).
enum GGUFExportGGUF {
    /// The tensors of `file`, decoded to f32 when written.
    static func tensors(_ file: GGUFFile) throws -> [GGUFExportTensor] {
        try file.tensors.map { info in
            guard info.type.isDequantizable else {
                throw FormatError(file: file.path, tensor: info.name, "type \(info.type) cannot be decoded, so it cannot be requantised")
            }
            return GGUFExportTensor(name: info.name, shape: info.shape, sourceBytes: info.byteCount) { try file.dequantize(info) }
        }
    }

    /// `file`'s metadata in order, with `general.file_type` and `general.quantization_version` set.
    static func metadata(_ file: GGUFFile, type: GGUFExportType) -> [(key: String, value: GGUFValue)] {
        var m: [(key: String, value: GGUFValue)] = []
        for key in file.metadataKeys where key != "general.quantization_version" {
            guard let value = file.metadata[key] else { continue }
            m.append((key, key == "general.file_type" ? .uint32(type.fileType) : value))
        }
        if !m.contains(where: { $0.key == "general.file_type" }) { m.append(("general.file_type", .uint32(type.fileType))) }
        m.append(("general.quantization_version", .uint32(2)))
        return m
    }
}
