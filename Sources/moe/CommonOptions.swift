import ArgumentParser
import Foundation
import MoEFormats
import MoEKernels
import MoEModels
import MoETokenizers

/// Options every command that runs a model shares.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"),
            help: "Model: a Hugging Face folder (config.json + safetensors) or a .gguf file (default: the shipped models/\(ModelOptions.defaultModelName)).")
    var modelPath: String?

    @Option(name: .long, parsing: .unconditional, help: "Worker threads, \(threadRange) (default: all cores).",
            transform: OptionValue.int(threadRange))
    var threads: Int?

    /// The model this project ships (trained by `moe train`; see its README).
    static let defaultModelName = "shakespeare-moe"

    /// The model path: `--model`, or the shipped model found next to the working directory
    /// or above the executable (`.build/release/moe` inside the repository).
    var model: String {
        get throws {
            if let modelPath { return modelPath }
            let relative = "models/\(Self.defaultModelName)"
            var candidates = [FileManager.default.currentDirectoryPath]
            var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<5 {
                candidates.append(dir.path)
                dir.deleteLastPathComponent()
            }
            for base in candidates where FileManager.default.fileExists(atPath: "\(base)/\(relative)/config.json") {
                return "\(base)/\(relative)"
            }
            throw ValidationError("no --model given and the shipped model \(relative) was not found; pass --model PATH")
        }
    }

    /// The model's tokenizer: the folder's tokenizer.json, or the vocabulary inside a GGUF
    /// file; nil when there is none.
    func tokenizer(for loaded: Transformer) throws -> Tokenizer? {
        if let gguf = loaded.weights as? GGUFWeights {
            return gguf.file.string("tokenizer.ggml.model") == nil ? nil : try Tokenizer(gguf: gguf.file)
        }
        let folder = try model
        guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("tokenizer.json")) else {
            return nil
        }
        return try Tokenizer(folder: folder)
    }

    /// Loads the model on a pool of the requested size.
    func load() throws -> Transformer {
        let pool = ThreadPool(threadCount: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        return try Transformer(path: try model, pool: pool)
    }
}

/// The tokenizer of `path`: a model folder's tokenizer.json, or the vocabulary of a GGUF file.
func loadTokenizer(_ path: String) throws -> Tokenizer {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
        return try Tokenizer(folder: path)
    }
    let file = try GGUFFile(path: path)
    guard file.string("tokenizer.ggml.model") != nil else {
        throw ValidationError("\(path): the GGUF file has no vocabulary (tokenizer.ggml.model)")
    }
    return try Tokenizer(gguf: file)
}

/// Worker threads a command may ask for.
let threadRange = 1...1024

/// Throws unless a prompt of `count` tokens fits the model's context (`max_position_embeddings`).
func checkPromptFits(_ count: Int, _ model: Transformer) throws {
    let context = model.config.maxPositionEmbeddings
    guard count <= context else {
        throw ValidationError("prompt of \(count) tokens is longer than the model's context of \(context) tokens (max_position_embeddings)")
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
