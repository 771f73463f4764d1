import ArgumentParser
import Foundation
import MoEKernels
import MoEModels
import MoETokenizers

/// Options every command that runs a model shares.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Model: a Hugging Face folder (config.json + safetensors) or a .gguf file.")
    var model: String

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, !(1...1024).contains(threads) {
            throw ValidationError("--threads must be between 1 and 1024, found \(threads)")
        }
    }

    /// The model folder's tokenizer, or nil when it has no tokenizer.json (a GGUF file's
    /// vocabulary is not read yet).
    func tokenizer() throws -> Tokenizer? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model, isDirectory: &isFolder), isFolder.boolValue,
              FileManager.default.fileExists(atPath: (model as NSString).appendingPathComponent("tokenizer.json"))
        else { return nil }
        return try Tokenizer(folder: model)
    }

    /// Loads the model on a pool of the requested size.
    func load() throws -> Transformer {
        let pool = ThreadPool(threadCount: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        return try Transformer(path: model, pool: pool)
    }
}

/// Parses `1,2,3` into token ids.
func parseIDs(_ text: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    var ids: [Int] = []
    for part in parts {
        let trimmed = part.trimmingCharacters(in: .whitespaces)
        guard let id = Int(trimmed), id >= 0 else {
            throw ValidationError("--ids expects comma-separated non-negative integers, found '\(trimmed)'")
        }
        ids.append(id)
    }
    guard !ids.isEmpty else { throw ValidationError("--ids needs at least one token id") }
    return ids
}

/// Writes `text` to standard output immediately (no buffering until exit).
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
