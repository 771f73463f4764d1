import Foundation
import MoEFormats
import MoEModels

/// What llama.cpp's converter does to DeepSeek's latent attention beyond renaming (its
/// `DeepseekV2Model`): `kv_b_proj` `(heads * (nope + value), latent)` is split per head into
/// `attn_k_b` `(heads, latent, nope)`, each head's key rows transposed, and `attn_v_b`
/// `(heads, value, latent)`, the forms its absorbed attention multiplies by. llama.cpp rotates
/// adjacent pairs, so checkpoints that rotate halves (`rope_interleave: false`) have their
/// rotary query and key rows reordered into pairs, as its llama converter permutes q/k.
enum GGUFExportLatentAttention {
    /// The pieces of `model.layers.N.self_attn.<tensor>` that the converter transforms
    /// (`kv_b_proj` split; rotary rows paired for rotate-half checkpoints), or nil.
    static func pieces(name: String, shape: [Int], config c: ModelConfig) -> [GGUFExportDeltaNet.Piece]? {
        let parts = name.split(separator: ".").map(String.init)
        guard let s = c.latentAttention, parts.count == 6, parts[0] == "model", parts[1] == "layers", let layer = Int(parts[2]),
              parts[3] == "self_attn" else { return nil }
        let block = "blk.\(layer)"
        switch parts[4] {
        case "kv_b_proj" where parts[5] == "weight":
            return splitKVUp(block: block, shape: s, heads: c.headCount)
        case "q_proj", "q_b_proj", "kv_a_proj_with_mqa":
            guard !c.ropeInterleaved, parts[5] == "weight", case .mapped(.whole(let target))? = GGUFNames.exportTarget(name, family: c.family) else { return nil }
            let cols = shape.count > 1 ? shape[1] : 1
            let isQuery = parts[4] != "kv_a_proj_with_mqa"
            let perHead = isQuery ? s.queryKeyDim : s.cacheFloats, first = isQuery ? s.noPositionDim : s.latentRank
            let order = pairedRotaryRows(rows: shape[0], perHead: perHead, first: first, rope: s.ropeDim)
            return [GGUFExportDeltaNet.Piece(name: target, shape: shape) { GGUFExportDeltaNet.gatherRows($0, order, cols: cols) }]
        default:
            return nil
        }
    }

    /// Refuses configurations llama.cpp's `deepseek2` files cannot express: YaRN whose `mscale`
    /// differs from `mscale_all_dim` (its rotary cos/sin are not rescaled).
    static func checkExpressible(_ c: ModelConfig, folder: String) throws {
        guard c.latentAttention != nil, case .yarn(let yarn) = c.rope.scaling, abs(yarn.attentionFactor - 1) > 1e-9 else { return }
        throw FormatError(file: folder, "config.json: rope_parameters.mscale (\(yarn.mscale)) differs from mscale_all_dim (\(yarn.mscaleAllDim)), which llama.cpp's deepseek2 architecture cannot express (its YaRN attention factor is 1)")
    }

    /// Source row of each output row when every `perHead` block's rotary rows
    /// `first ..< first + rope` move from halves `(i, i + rope/2)` to pairs `(2i, 2i + 1)`.
    static func pairedRotaryRows(rows: Int, perHead: Int, first: Int, rope: Int) -> [Int] {
        (0..<rows).map { row in
            let offset = row % perHead
            guard offset >= first, offset < first + rope else { return row }
            let i = offset - first
            return row - i + (i % 2 == 0 ? i / 2 : rope / 2 + i / 2)
        }
    }

    /// `kv_b_proj` as `attn_k_b` (per head, key rows transposed) and `attn_v_b`.
    private static func splitKVUp(block: String, shape s: LatentAttentionConfig, heads: Int) -> [GGUFExportDeltaNet.Piece] {
        let nope = s.noPositionDim, value = s.valueDim, r = s.latentRank
        let perHead = nope + value
        let keys = GGUFExportDeltaNet.Piece(name: "\(block).attn_k_b.weight", shape: [heads, r, nope]) { w in
            var out = [Float](repeating: 0, count: heads * r * nope)  // (heads, latent, nope)
            for h in 0..<heads {
                for i in 0..<nope {
                    for j in 0..<r { out[(h * r + j) * nope + i] = w[(h * perHead + i) * r + j] }
                }
            }
            return out
        }
        let values = GGUFExportDeltaNet.Piece(name: "\(block).attn_v_b.weight", shape: [heads, value, r]) { w in
            var out: [Float] = []  // (heads, value, latent)
            out.reserveCapacity(heads * value * r)
            for h in 0..<heads { out += w[((h * perHead + nope) * r)..<((h + 1) * perHead * r)] }
            return out
        }
        return [keys, values]
    }
}

extension GGUFExportDeltaNet.Piece {
    /// The pieces llama.cpp's converter makes of Hugging Face tensor `name` (hybrid Qwen's
    /// transforms, or latent attention's split), or nil when it is a plain rename.
    static func pieces(name: String, shape: [Int], config: ModelConfig) -> [Self]? {
        GGUFExportDeltaNet.pieces(name: name, shape: shape, config: config)
            ?? GGUFExportLatentAttention.pieces(name: name, shape: shape, config: config)
    }
}
