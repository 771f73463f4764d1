import ArgumentParser
import Foundation
import MoEConvert

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
        let vocabulary = try GGUFExporter.vocabulary(input: input)
        if let warning = vocabulary.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        let summary = try GGUFExporter.export(input: input, output: output, type: exportType,
                                              threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                              vocabulary: vocabulary.metadata) { p in
            bar.update(done: p.tensorsDone, count: p.tensorCount, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal)
        }
        bar.finish()
        let types = summary.tensorsByType.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        emit("wrote \(output): \(summary.tensorCount) tensors (\(types)), \(Format.bytes(summary.fileBytes))\n")
    }
}
