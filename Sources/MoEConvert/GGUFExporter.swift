import Foundation
import MoEFormats
import MoEModels

/// Writes a GGUF file as llama.cpp's `convert_hf_to_gguf.py` followed by `llama-quantize`
/// would, from a Hugging Face folder or another GGUF file (what `moe quantize` runs).
public enum GGUFExporter {
    /// Where the export is, reported after each tensor.
    public struct Progress: Sendable {
        /// Tensors written so far.
        public let tensorsDone: Int
        /// Tensors in the file.
        public let tensorCount: Int
        /// Source bytes read so far.
        public let bytesDone: Int
        /// Source bytes in all.
        public let bytesTotal: Int
        /// The tensor just written.
        public let name: String
    }

    /// What was written.
    public struct Summary: Sendable {
        /// Tensors in the output.
        public let tensorCount: Int
        /// Tensors per ggml type name.
        public let tensorsByType: [String: Int]
        /// Size of the output file in bytes.
        public let fileBytes: Int
    }

    /// Converts `input` (a Hugging Face folder or a `.gguf` file) to `output` as `type`,
    /// quantising rows on `threads` threads and calling `progress` after each tensor. For a
    /// folder, `vocabulary` (the `tokenizer.*` keys) is written after the model's keys, as
    /// llama.cpp's converter orders them. The output is written atomically.
    public static func export(input: String, output: String, type: GGUFExportType, threads: Int = 1,
                              vocabulary: [(key: String, value: GGUFValue)] = [],
                              progress: (Progress) -> Void = { _ in }) throws -> Summary {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder) else {
            throw FormatError(file: input, "no such file or folder (expected a Hugging Face model folder or a .gguf file)")
        }
        try AtomicFileWriter.refuseOverwritingInput(output, inputs: [input])
        let tensors: [GGUFExportTensor]
        var metadata: [(key: String, value: GGUFValue)]
        let layerCount: Int, expertCount: Int
        if isFolder.boolValue {
            let config = try ModelConfig.load(folder: input)
            try GGUFExportLatentAttention.checkExpressible(config, folder: input)
            let store = try TensorStore(folder: input)
            let configPath = (input as NSString).appendingPathComponent("config.json")
            let raw = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath)))) as? [String: Any] ?? [:]
            tensors = try GGUFExportHF.tensors(store: store, config: config, folder: input)
            metadata = GGUFExportMetadata.huggingFace(config: config, raw: raw, folder: input, type: type,
                                                      shapes: tensors.map { ($0.name, $0.shape) })
            metadata.insert(contentsOf: vocabulary, at: max(metadata.count - 1, 0))
            layerCount = config.layerCount
            expertCount = config.moe?.expertCount ?? 0
            return try write(tensors: tensors, metadata: metadata, output: output, type: type, threads: threads,
                             layerCount: layerCount, expertCount: expertCount, progress: progress)
        }
        let file = try GGUFFile(path: input)
        tensors = try GGUFExportGGUF.tensors(file)
        metadata = GGUFExportGGUF.metadata(file, type: type)
        let arch = file.architecture ?? ""
        layerCount = file.int("\(arch).block_count") ?? 1
        expertCount = file.int("\(arch).expert_count") ?? 0
        return try write(tensors: tensors, metadata: metadata, output: output, type: type, threads: threads,
                         layerCount: layerCount, expertCount: expertCount, progress: progress)
    }

    private static func write(tensors: [GGUFExportTensor], metadata: [(key: String, value: GGUFValue)], output: String,
                              type: GGUFExportType, threads: Int, layerCount: Int, expertCount: Int,
                              progress: (Progress) -> Void) throws -> Summary {
        var recipe = GGUFExportRecipe(type: type, layerCount: layerCount, expertCount: expertCount,
                                      tiedEmbeddings: !tensors.contains { $0.name == "output.weight" })
        let layouts = tensors.map {
            GGUFTensorLayout(name: $0.name, type: $0.encoded?.type ?? recipe.choose(name: $0.name, shape: $0.shape), shape: $0.shape)
        }
        let total = tensors.reduce(0) { $0 + $1.sourceBytes }
        var done = 0
        try GGUFWriter.write(metadata: metadata, layouts: layouts, to: output) { index in
            let tensor = tensors[index]
            if let encoded = tensor.encoded {
                let bytes = try encoded.bytes()
                done += tensor.sourceBytes
                progress(Progress(tensorsDone: index + 1, tensorCount: tensors.count, bytesDone: done, bytesTotal: total, name: tensor.name))
                return bytes
            }
            let values = try tensor.values()
            guard values.count == tensor.elementCount else {
                throw FormatError(file: output, tensor: tensor.name, "produced \(values.count) values for shape \(tensor.shape)")
            }
            let bytes = try GGUFRowQuantizer.quantize(values, rowLength: tensor.shape.last ?? 1, type: layouts[index].type,
                                                      threads: threads, tensor: tensor.name, file: output)
            done += tensor.sourceBytes
            progress(Progress(tensorsDone: index + 1, tensorCount: tensors.count, bytesDone: done, bytesTotal: total, name: tensor.name))
            return bytes
        }
        var byType: [String: Int] = [:]
        for layout in layouts { byType[layout.type.name, default: 0] += 1 }
        let size = ((try? FileManager.default.attributesOfItem(atPath: output))?[.size] as? Int) ?? 0
        return Summary(tensorCount: tensors.count, tensorsByType: byType, fileBytes: size)
    }
}
