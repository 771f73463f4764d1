import Foundation
import MoEModels

/// What llama.cpp's converter does to hybrid Qwen checkpoints beyond renaming (its
/// `Qwen3NextModel` / `Qwen3_5MoeTextModel`): `(1 + w)` norms stored with the 1 added (the
/// gated DeltaNet norm excepted), `A_log` stored as `-exp(A_log)`, the depthwise convolution
/// squeezed to `(channels, kernel)`, Qwen3-Next's grouped `in_proj_qkvz` split into queries |
/// keys | values and gates, and, for architectures that tile value heads, every value-head
/// dimension reordered from grouped by key head to tiled over the key heads.
enum GGUFExportDeltaNet {
    /// One GGUF tensor made from a Hugging Face tensor: its name, shape, and how its values
    /// come from the source's (flattened, row-major) values.
    struct Piece {
        let name: String
        let shape: [Int]
        let transform: @Sendable ([Float]) -> [Float]
    }

    /// The pieces for Hugging Face tensor `name` of `shape` (under `model.`), or nil when it
    /// is written as a plain rename.
    static func pieces(name: String, shape: [Int], config c: ModelConfig) -> [Piece]? {
        let offset = c.normWeightOffset
        let isNorm = name.hasSuffix("norm.weight") && !name.hasSuffix("linear_attn.norm.weight")
        if offset != 0, isNorm, let target = ggufName(name, config: c) {
            return [Piece(name: target, shape: shape) { $0.map { $0 + offset } }]
        }
        guard let s = c.deltaNet, name.contains(".linear_attn."), let layerName = layerPrefix(name) else { return nil }
        let block = layerName.block, suffix = layerName.suffix
        let tiled = c.family.gguf?.tilesValueHeads == true && s.keyHeads != s.valueHeads
        let keys = s.keyHeads * s.keyDim, values = s.valueHeads * s.valueDim
        let perKey = s.valueHeads / s.keyHeads
        // Value-head blocks of `width` rows (or elements) reordered grouped -> tiled.
        func tile(_ width: Int) -> [Int] { tiledOrder(keyHeads: s.keyHeads, perKey: perKey, width: width) }
        switch suffix {
        case "linear_attn.in_proj_qkvz.weight":
            let cols = shape.last ?? 0
            let group = 2 * s.keyDim + 2 * perKey * s.valueDim
            var qkv: [Int] = [], gates: [Int] = []
            for part in 0..<3 {
                for g in 0..<s.keyHeads {
                    let start = g * group + part * s.keyDim
                    qkv += Array(start..<(start + (part == 2 ? perKey * s.valueDim : s.keyDim)))
                }
            }
            for g in 0..<s.keyHeads {
                let start = g * group + 2 * s.keyDim + perKey * s.valueDim
                gates += Array(start..<(start + perKey * s.valueDim))
            }
            let qkvRows = qkv, gateRows = gates
            return [Piece(name: "\(block).attn_qkv.weight", shape: [qkvRows.count, cols]) { gatherRows($0, qkvRows, cols: cols) },
                    Piece(name: "\(block).attn_gate.weight", shape: [gateRows.count, cols]) { gatherRows($0, gateRows, cols: cols) }]
        case "linear_attn.in_proj_qkv.weight" where tiled:
            let order = Array(0..<(2 * keys)) + tile(s.valueDim).map { 2 * keys + $0 }
            return [rows(name, shape, config: c, order: order)]
        case "linear_attn.in_proj_z.weight" where tiled:
            return [rows(name, shape, config: c, order: tile(s.valueDim))]
        case "linear_attn.in_proj_b.weight" where tiled, "linear_attn.in_proj_a.weight" where tiled,
             "linear_attn.dt_bias" where tiled:
            return [rows(name, shape, config: c, order: tile(1))]
        case "linear_attn.A_log":
            let order = tiled ? tile(1) : Array(0..<s.valueHeads)
            return [Piece(name: "\(block).ssm_a", shape: shape) { v in order.map { -Foundation.exp(v[$0]) } }]
        case "linear_attn.conv1d.weight":
            let kernel = shape.last ?? 1, channels = s.convolutionChannels
            let order = Array(0..<(2 * keys)) + (tiled ? tile(s.valueDim) : Array(0..<values)).map { 2 * keys + $0 }
            return [Piece(name: "\(block).ssm_conv1d.weight", shape: [channels, kernel]) { gatherRows($0, order, cols: kernel) }]
        case "linear_attn.out_proj.weight" where tiled:
            let order = tile(s.valueDim), cols = shape.last ?? 0
            return [Piece(name: "\(block).ssm_out.weight", shape: shape) { v in
                var out = [Float](repeating: 0, count: v.count)  // (hidden, values), columns reordered
                for r in 0..<(v.count / max(cols, 1)) {
                    for (j, source) in order.enumerated() { out[r * cols + j] = v[r * cols + source] }
                }
                return out
            }]
        default:
            return nil
        }
    }

    /// `name`'s GGUF name (a plain rename) for the pieces that keep their values' layout.
    private static func ggufName(_ name: String, config: ModelConfig) -> String? {
        guard case .mapped(.whole(let target))? = GGUFNames.exportTarget(name, family: config.family) else { return nil }
        return target
    }

    /// A tensor whose rows are reordered by `order` under its plain GGUF name.
    private static func rows(_ name: String, _ shape: [Int], config: ModelConfig, order: [Int]) -> Piece {
        let cols = shape.count > 1 ? shape.last ?? 1 : 1
        return Piece(name: ggufName(name, config: config) ?? name, shape: shape) { gatherRows($0, order, cols: cols) }
    }

    /// `model.layers.N.<suffix>` as (`blk.N`, suffix).
    private static func layerPrefix(_ name: String) -> (block: String, suffix: String)? {
        let parts = name.split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[0] == "model", parts[1] == "layers", let layer = Int(parts[2]) else { return nil }
        return ("blk.\(layer)", parts[3])
    }

    /// Source index of each position when `keyHeads * perKey` blocks of `width` move from
    /// grouped order `(keyHeads, perKey, width)` to tiled order `(perKey, keyHeads, width)`.
    static func tiledOrder(keyHeads: Int, perKey: Int, width: Int) -> [Int] {
        var order: [Int] = []
        order.reserveCapacity(keyHeads * perKey * width)
        for j in 0..<perKey {
            for g in 0..<keyHeads {
                let start = (g * perKey + j) * width
                order += Array(start..<(start + width))
            }
        }
        return order
    }

    /// Rows `order` of a row-major matrix with `cols` columns.
    static func gatherRows(_ values: [Float], _ order: [Int], cols: Int) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(order.count * cols)
        for r in order { out += values[(r * cols)..<((r + 1) * cols)] }
        return out
    }
}
