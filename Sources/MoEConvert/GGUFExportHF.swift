import Foundation
import MoEFormats
import MoEModels

/// The tensors of a Hugging Face checkpoint under llama.cpp's names, arranged as
/// `convert_hf_to_gguf.py` arranges them: q/k rows permuted for `llama`/`granitemoe`, routed
/// experts stacked into `(experts, rows, cols)` tensors, Granite's fused `input_linear`
/// split into gate and up, Llama 3 RoPE scaling added as `rope_freqs.weight`.
enum GGUFExportHF {
    /// Plans the tensors of `store` (the checkpoint in `folder`) for `config`.
    static func tensors(store: TensorStore, config: ModelConfig, folder: String) throws -> [GGUFExportTensor] {
        let family = config.family
        let architecture = GGUFNames.architecture(of: family)
        let permute = family.gguf?.permutesQK ?? false
        var planned: [GGUFExportTensor] = []
        var experts: [String: [Int: TensorView]] = [:]
        for stored in store.names {
            guard let view = store.tensor(stored) else { continue }
            if config.unusedTensors.contains(where: { stored.hasPrefix($0.prefix) }) { continue }
            // The text model of a multimodal checkpoint converts under the usual names.
            let name = stored.hasPrefix(config.tensorPrefix) ? "model." + stored.dropFirst(config.tensorPrefix.count) : stored
            if name.hasSuffix("rotary_emb.inv_freq") { continue }
            if name == "lm_head.weight" && config.tieWordEmbeddings { continue }
            if let pieces = GGUFExportDeltaNet.Piece.pieces(name: name, shape: view.shape, config: config) {
                planned += pieces.map { piece in
                    GGUFExportTensor(name: piece.name, shape: piece.shape, sourceBytes: view.data.count / pieces.count) {
                        piece.transform(try GGUFExportValues.decode(view, file: folder))
                    }
                }
                continue
            }
            if let pieces = try GGUFExportGptOSS.pieces(name: name, view: view, store: store, config: config, folder: folder) {
                planned += pieces
                continue
            }
            guard let target = GGUFNames.exportTarget(name, family: family) else {
                throw FormatError(file: folder, tensor: name,
                                  "has no llama.cpp counterpart for model_type '\(config.modelType)' (architecture '\(architecture)')")
            }
            switch target {
            case .mapped(.whole(let gguf)):
                var heads: Int?
                if permute && (gguf.hasSuffix("attn_q.weight") || gguf.hasSuffix("attn_q.bias")) { heads = config.headCount }
                if permute && (gguf.hasSuffix("attn_k.weight") || gguf.hasSuffix("attn_k.bias")) { heads = config.kvHeadCount }
                planned.append(try whole(view, name: gguf, permuteHeads: heads, folder: folder))
            case .mapped(.expert(let stacked, _, let index)):
                experts[stacked, default: [:]][index] = view
            case .gateUp(let gate, let up):
                planned += try split(view, gate: gate, up: up, folder: folder)
            }
        }
        for (stacked, parts) in experts {
            planned.append(try stack(parts, name: stacked, expected: config.moe?.expertCount ?? 0, folder: folder))
        }
        if case .llama3(let factor, let low, let high, let original) = config.rope.scaling {
            let factors = GGUFExportValues.llama3RopeFactors(theta: config.rope.theta, dimension: config.headDim, factor: factor,
                                                             low: low, high: high, original: original)
            planned.append(GGUFExportTensor(name: "rope_freqs.weight", shape: [factors.count], sourceBytes: 0) { factors })
        }
        return planned.sorted { order($0.name) < order($1.name) }
    }

    /// Sort key: extras and the embedding first, then layers in order, then the output head.
    private static func order(_ name: String) -> (Int, String) {
        switch name {
        case "rope_freqs.weight": return (-2, name)
        case "token_embd.weight": return (-1, name)
        case "output_norm.weight": return (Int.max - 1, name)
        case "output.weight": return (Int.max, name)
        default: return (GGUFExportRecipe.layer(of: name), name)
        }
    }

    private static func whole(_ view: TensorView, name: String, permuteHeads: Int?, folder: String) throws -> GGUFExportTensor {
        let shape = view.shape
        if let heads = permuteHeads {
            let rows = shape.first ?? 0
            guard shape.count <= 2, heads > 0, rows % (2 * heads) == 0 else {
                throw FormatError(file: folder, tensor: view.name, "shape \(shape) cannot be split into \(heads) heads of even size for the q/k permutation")
            }
        }
        return GGUFExportTensor(name: name, shape: shape, sourceBytes: view.data.count) {
            let values = try GGUFExportValues.decode(view, file: folder)
            guard let heads = permuteHeads else { return values }
            let rows = shape.first ?? 1
            return GGUFExportValues.permuteRows(values, rows: rows, columns: values.count / max(rows, 1), heads: heads)
        }
    }

    /// Experts `0..<expected` of one projection, stacked `(experts, rows, cols)`.
    private static func stack(_ parts: [Int: TensorView], name: String, expected: Int, folder: String) throws -> GGUFExportTensor {
        let ordered = (0..<max(expected, parts.count)).map { parts[$0] }
        let views = ordered.compactMap { $0 }
        guard views.count == ordered.count, let first = views.first else {
            let missing = ordered.indices.filter { ordered[$0] == nil }
            throw FormatError(file: folder, tensor: name, "experts \(missing) are missing from the checkpoint")
        }
        for view in views where view.shape != first.shape || view.shape.count != 2 {
            throw FormatError(file: folder, tensor: view.name, "expected a matrix of shape \(first.shape) like \(first.name), found \(view.shape)")
        }
        return GGUFExportTensor(name: name, shape: [views.count] + first.shape, sourceBytes: views.reduce(0) { $0 + $1.data.count }) {
            var values: [Float] = []  // (experts, rows, cols)
            values.reserveCapacity(views.count * first.elementCount)
            for view in views { values += try GGUFExportValues.decode(view, file: folder) }
            return values
        }
    }

    /// Granite's fused `(experts, 2 * intermediate, hidden)` input tensor as separate gate and up stacks.
    private static func split(_ view: TensorView, gate: String, up: String, folder: String) throws -> [GGUFExportTensor] {
        let shape = view.shape
        guard shape.count == 3, shape[1] % 2 == 0 else {
            throw FormatError(file: folder, tensor: view.name, "expected a fused (experts, 2 * intermediate, hidden) tensor, found \(shape)")
        }
        let (experts, rows, cols) = (shape[0], shape[1] / 2, shape[2])
        func half(_ which: Int, _ name: String) -> GGUFExportTensor {
            GGUFExportTensor(name: name, shape: [experts, rows, cols], sourceBytes: view.data.count / 2) {
                let all = try GGUFExportValues.decode(view, file: folder)  // (experts, 2 * rows, cols)
                var out: [Float] = []  // (experts, rows, cols)
                out.reserveCapacity(experts * rows * cols)
                for e in 0..<experts {
                    let start = (e * 2 * rows + which * rows) * cols
                    out += all[start..<(start + rows * cols)]
                }
                return out
            }
        }
        return [half(0, gate), half(1, up)]
    }
}
