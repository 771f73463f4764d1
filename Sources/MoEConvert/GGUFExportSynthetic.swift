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

    /// llama.cpp names and shapes of every tensor of a model shaped like `config`, made by
    /// translating the Hugging Face names of its tensors (the one name table, `GGUFNames`).
    static func tensorShapes(_ c: ModelConfig) -> [(name: String, shape: [Int])] {
        let family = c.family
        let (h, hd) = (c.hiddenSize, c.headDim)
        var hf: [(String, [Int])] = [("model.embed_tokens.weight", [c.vocabSize, h]), ("model.norm.weight", [h])]
        if !c.tieWordEmbeddings { hf.append(("lm_head.weight", [c.vocabSize, h])) }
        let biased = ["qwen2", "qwen2_moe"].contains(c.modelType)
        for i in 0..<c.layerCount {
            let p = "model.layers.\(i)."
            hf += [(p + "input_layernorm.weight", [h]), (p + "post_attention_layernorm.weight", [h]),
                   (p + "self_attn.q_proj.weight", [c.headCount * hd, h]), (p + "self_attn.k_proj.weight", [c.kvHeadCount * hd, h]),
                   (p + "self_attn.v_proj.weight", [c.kvHeadCount * hd, h]), (p + "self_attn.o_proj.weight", [h, c.headCount * hd])]
            if biased {
                hf += [(p + "self_attn.q_proj.bias", [c.headCount * hd]), (p + "self_attn.k_proj.bias", [c.kvHeadCount * hd]),
                       (p + "self_attn.v_proj.bias", [c.kvHeadCount * hd])]
            }
            switch c.qkNorm {
            case .none: break
            case .perHead: hf += [(p + "self_attn.q_norm.weight", [hd]), (p + "self_attn.k_norm.weight", [hd])]
            case .wholeProjection: hf += [(p + "self_attn.q_norm.weight", [c.headCount * hd]), (p + "self_attn.k_norm.weight", [c.kvHeadCount * hd])]
            }
            guard c.moeLayers[i], let moe = c.moe else {
                let f = c.intermediateSize
                hf += [(p + "mlp.gate_proj.weight", [f, h]), (p + "mlp.up_proj.weight", [f, h]), (p + "mlp.down_proj.weight", [h, f])]
                continue
            }
            let block = p + family.moeBlock + "."
            let f = moe.expertIntermediateSize
            hf.append((block + family.router + ".weight", [moe.expertCount, h]))
            switch family.experts {
            case .separate(let gate, let up, let down):
                for e in 0..<moe.expertCount {
                    let x = block + "experts.\(e)."
                    hf += [(x + gate + ".weight", [f, h]), (x + up + ".weight", [f, h]), (x + down + ".weight", [h, f])]
                }
            case .fused(let input, let output):
                hf += [(block + input + ".weight", [moe.expertCount, 2 * f, h]), (block + output + ".weight", [moe.expertCount, h, f])]
            }
            if let s = moe.sharedExpertIntermediateSize {
                hf += [(p + "mlp.shared_expert.gate_proj.weight", [s, h]), (p + "mlp.shared_expert.up_proj.weight", [s, h]),
                       (p + "mlp.shared_expert.down_proj.weight", [h, s])]
                if moe.sharedExpertGated { hf.append((p + "mlp.shared_expert_gate.weight", [1, h])) }
            }
        }
        var out: [(name: String, shape: [Int])] = []
        var stacked: [String: (count: Int, shape: [Int])] = [:]
        for (name, shape) in hf {
            switch GGUFNames.exportTarget(name, family: family) {
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
