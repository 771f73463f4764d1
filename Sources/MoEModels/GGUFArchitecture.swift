import MoEFormats

/// How a family appears in llama.cpp's GGUF files: its architecture name, which files of
/// that name it reads, the metadata and tensor names of its own, and what its converter
/// stores differently from the Hugging Face checkpoint.
package struct GGUFArchitecture: Sendable {
    /// Which files of `name` the family reads (several families share `llama`).
    enum Reads: Sendable {
        /// Every file of the architecture.
        case always
        /// Files with `<arch>.expert_count` > 0.
        case withExperts
        /// Files without experts.
        case withoutExperts
        /// None: the family only writes this architecture (Mistral's sliding window is lost).
        case never
    }

    /// llama.cpp's architecture name (`general.architecture`).
    package let name: String
    /// Which files the family reads.
    var reads: Reads = .always
    /// Whether llama.cpp's converter permutes q/k rows for interleaved RoPE.
    package var permutesQK = false
    /// Whether llama.cpp's converter reorders gated DeltaNet value heads from grouped by key
    /// head to tiled over the key heads (Qwen3.5).
    package var tilesValueHeads = false
    /// Layer tensors whose GGUF name differs from the shared table: Hugging Face name inside
    /// `model.layers.N.` -> GGUF name inside `blk.N.`.
    var layerTensors: [String: String] = [:]
    /// Reads what the shared reader does not: the family's own metadata and tensor layout.
    var configure: @Sendable (GGUFFields, inout ModelConfig) throws -> Void = { _, _ in }
}

/// A GGUF file's metadata under its architecture's prefix, with errors that name the key.
struct GGUFFields {
    /// The file.
    let file: GGUFFile
    /// `general.architecture`.
    let architecture: String

    /// The error for `key` (under the architecture prefix).
    func fail(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file.path, field: "\(architecture).\(key)", message)
    }

    /// A positive size below 2^24.
    func int(_ key: String) throws -> Int {
        guard let v = file.int("\(architecture).\(key)") else { throw fail(key, "missing or not an integer") }
        guard v > 0, v < 1 << 24 else { throw fail(key, "expected a positive size, found \(v)") }
        return v
    }

    /// The integer at `key`, if present.
    func optionalInt(_ key: String) -> Int? { file.int("\(architecture).\(key)") }

    /// The number at `key`, if present.
    func double(_ key: String) -> Double? { file.double("\(architecture).\(key)") }

    /// The boolean at `key`, if present.
    func bool(_ key: String) -> Bool? { file.bool("\(architecture).\(key)") }

    /// Whether the file has a tensor called `name`.
    func has(_ name: String) -> Bool { file.tensor(named: name) != nil }
}

extension ModelFamily {
    /// The family that reads GGUF files of `architecture` (with `experts` routed experts).
    static func reading(gguf architecture: String, experts: Int) -> ModelFamily? {
        all.first { family in
            guard let g = family.gguf, g.name == architecture else { return false }
            switch g.reads {
            case .always: return true
            case .withExperts: return experts > 0
            case .withoutExperts: return experts == 0
            case .never: return false
            }
        }
    }

    /// The GGUF architectures the engine reads, for error messages.
    package static var ggufArchitectureNames: String {
        var seen: [String] = []
        for case let g? in all.map(\.gguf) where g.reads != .never && !seen.contains(g.name) { seen.append(g.name) }
        return seen.joined(separator: ", ")
    }
}
