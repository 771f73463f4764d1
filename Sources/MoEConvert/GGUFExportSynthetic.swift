import Foundation
import MoEFormats
import MoEModels

/// A GGUF file of random weights in the shape of a model config, for benchmarking a model
/// without downloading it. Tensor names, stacking and metadata are those ``GGUFExporter``
/// writes; the types follow the same recipe as quantising a real checkpoint.
public struct SyntheticGGUF: Sendable {
    /// The architecture the weights are shaped for.
    public let config: ModelConfig
    /// Output type recipe.
    public let type: GGUFExportType
    /// Every tensor: name, ggml type and shape.
    public let layouts: [GGUFTensorLayout]
    /// The file's metadata.
    let metadata: [(key: String, value: GGUFValue)]

    /// Plans a model shaped like `config` (parsed from `raw`, the same config.json), named `name`.
    public init(config: ModelConfig, raw: [String: Any], name: String, type: GGUFExportType) {
        self.config = config
        self.type = type
        let shapes = Self.tensorShapes(config)
        var recipe = GGUFExportRecipe(type: type, layerCount: config.layerCount, expertCount: config.moe?.expertCount ?? 0,
                                      tiedEmbeddings: !shapes.contains { $0.name == "output.weight" })
        layouts = shapes.map { GGUFTensorLayout(name: $0.name, type: recipe.choose(name: $0.name, shape: $0.shape), shape: $0.shape) }
        metadata = GGUFExportMetadata.huggingFace(config: config, raw: raw, folder: name, type: type, shapes: shapes)
    }

    /// Bytes of all tensors.
    public var weightBytes: Int { layouts.reduce(0) { $0 + ($1.byteCount ?? 0) } }

    /// Parameters in all tensors.
    public var parameterCount: Int { layouts.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// The ggml types of the plan that the engine's kernels cannot compute with.
    public var typesWithoutKernels: [GGMLType] {
        Array(Set(layouts.map(\.type).filter { GGUFWeights.weightType($0) == nil })).sorted { $0.rawValue < $1.rawValue }
    }

    /// Writes the file to `path` with weights drawn from a generator seeded by `seed`, on
    /// `threads` threads.
    public func write(to path: String, seed: UInt64 = 1, threads: Int = 1) throws {
        try GGUFWriter.write(metadata: metadata, layouts: layouts, to: path) { index in
            let layout = layouts[index]
            let isNorm = layout.shape.count == 1 && layout.name.hasSuffix("norm.weight")
            return try SyntheticBlocks.fill(layout, seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15,
                                            ones: isNorm, threads: threads)
        }
    }

    /// llama.cpp names and shapes of every tensor of a model shaped like `config`: the model's
    /// own tensor inventory, converted as `moe quantize` converts a checkpoint.
    static func tensorShapes(_ c: ModelConfig) -> [(name: String, shape: [Int])] {
        var out: [(name: String, shape: [Int])] = []
        var stacked: [String: (count: Int, shape: [Int])] = [:]
        for (stored, shape) in c.tensorInventory {
            let name = stored.hasPrefix(c.tensorPrefix) ? "model." + stored.dropFirst(c.tensorPrefix.count) : stored
            if let pieces = GGUFExportDeltaNet.Piece.pieces(name: name, shape: shape, config: c) {
                out += pieces.map { ($0.name, $0.shape) }
                continue
            }
            switch GGUFNames.exportTarget(name, family: c.family) {
            case .mapped(.whole(let g)): out.append((g, shape))
            case .mapped(.expert(let s, _, _)):
                if stacked[s] == nil { out.append((s, [])) }
                stacked[s] = ((stacked[s]?.count ?? 0) + 1, shape)
            case .gateUp(let gate, let up):
                let half = [shape[0], shape[1] / 2, shape[2]]
                out += [(gate, half), (up, half)]
            case nil: break
            }
        }
        return out.map { entry in
            guard let s = stacked[entry.name] else { return entry }
            return (entry.name, [s.count] + s.shape)
        }
    }
}
