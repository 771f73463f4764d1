import ArgumentParser
import Foundation
import MoEFormats
import MoEModels

/// `moe quantize`: write a GGUF file as llama.cpp's converter and `llama-quantize` would.
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a Hugging Face folder or a GGUF file to a (quantised) GGUF file llama.cpp loads.",
        discussion: """
            Tensor names, shapes, metadata and the q/k permutation follow llama.cpp's \
            convert_hf_to_gguf.py; 1-D tensors, norms and routers stay F32. q8_0, q4_0, q4_k and \
            q6_k give every other matrix that type (llama-quantize --pure); q4_k_m is llama.cpp's \
            Q4_K_M mixture. Rows that are not a whole number of blocks fall back as llama-quantize \
            does (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, else F16). Progress goes to standard error.
            """
    )

    @Argument(help: "A Hugging Face model folder or a .gguf file.")
    var input: String

    @Argument(help: "The .gguf file to write.")
    var output: String

    @Option(name: .long, help: "Output type: \(GGUFExportType.names).")
    var type: String

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        guard GGUFExportType(rawValue: type.lowercased()) != nil else {
            throw ValidationError("unknown --type '\(type)'; supported: \(GGUFExportType.names)")
        }
        if let threads, !(1...1024).contains(threads) {
            throw ValidationError("--threads must be between 1 and 1024, found \(threads)")
        }
        guard FileManager.default.fileExists(atPath: input) else {
            throw ValidationError("input '\(input)' does not exist (expected a Hugging Face model folder or a .gguf file)")
        }
    }

    func run() throws {
        guard let exportType = GGUFExportType(rawValue: type.lowercased()) else { return }
        let bar = ProgressLine(label: "quantize")
        let vocabulary = try vocabularyMetadata()
        let summary = try GGUFExporter.export(input: input, output: output, type: exportType,
                                              threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                              vocabulary: vocabulary) { p in
            bar.update(done: p.tensorsDone, count: p.tensorCount, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal)
        }
        bar.finish()
        let types = summary.tensorsByType.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        emit("wrote \(output): \(summary.tensorCount) tensors (\(types)), \(Format.bytes(summary.fileBytes))\n")
    }
}

extension Quantize {
    /// The `tokenizer.*` keys for a Hugging Face folder with a byte-level BPE tokenizer.json,
    /// or a SentencePiece-style one for a llama-family model; empty (with a warning) when the
    /// folder has another kind of tokenizer or none.
    func vocabularyMetadata() throws -> [(key: String, value: GGUFValue)] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder), isFolder.boolValue else { return [] }
        let config = try ModelConfig.load(folder: input)
        guard FileManager.default.fileExists(atPath: (input as NSString).appendingPathComponent("tokenizer.json")) else {
            warn("\(input) has no tokenizer.json: no vocabulary written (llama.cpp needs one to load the file)")
            return []
        }
        switch try QuantizeVocabulary.metadata(folder: input, modelType: config.modelType, vocabSize: config.vocabSize) {
        case .success(let entries): return entries
        case .failure(let reason):
            warn("vocabulary not written: \(reason)")
            return []
        }
    }

    private func warn(_ message: String) { FileHandle.standardError.write(Data("warning: \(message)\n".utf8)) }
}
