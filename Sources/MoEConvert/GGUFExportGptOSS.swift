import Foundation
import MoEFormats
import MoEModels

/// What llama.cpp's converter does to GPT-OSS's routed experts (its `GptOssModel`): the
/// interleaved `gate_up_proj` split into `ffn_gate_exps` (even) and `ffn_up_exps` (odd) with
/// their biases, float matrices transposed from transformers' `x @ W` form to `(experts, rows,
/// cols)`, and MXFP4 `_blocks` / `_scales` pairs written as ggml MXFP4 blocks, unchanged in
/// value whatever the output type. llama.cpp's gpt-oss graph has the clamped SwiGLU's limit 7
/// and alpha 1.702 built in, so a checkpoint with other values is refused rather than written
/// as a file that would compute something else.
enum GGUFExportGptOSS {
    /// The GGUF tensors made from Hugging Face tensor `name` of a GPT-OSS checkpoint (an empty
    /// list for `_scales`, which their `_blocks` consume), or nil for any other tensor.
    static func pieces(name: String, view: TensorView, store: TensorStore, config c: ModelConfig,
                       folder: String) throws -> [GGUFExportTensor]? {
        guard case .transposedInterleaved = c.family.experts, let moe = c.moe,
              let range = name.range(of: ".mlp.experts."), name.hasPrefix("model.layers.") else { return nil }
        guard let layer = Int(name[name.index(name.startIndex, offsetBy: "model.layers.".count)..<range.lowerBound]) else { return nil }
        if case .clampedSwiGLU(let limit, let alpha) = moe.expertActivation, limit != 7 || alpha != 1.702 {
            throw FormatError(file: (folder as NSString).appendingPathComponent("config.json"),
                              "swiglu_limit \(limit) and swiglu_alpha \(alpha): llama.cpp's gpt-oss graph has 7 and 1.702 built in, so a GGUF file of this checkpoint would not compute the same")
        }
        let block = "blk.\(layer)", e = moe.expertCount, f = moe.expertIntermediateSize, h = c.hiddenSize
        func expect(_ shape: [Int]) throws {
            guard view.shape == shape else {
                throw FormatError(file: folder, tensor: name, "expected shape \(shape), found \(view.shape)")
            }
        }
        /// Every `step`-th column from `first` of each expert's `(inner, outer)` matrix, transposed: `(experts, columns, inner)`.
        func transposed(_ target: String, inner: Int, outer: Int, first: Int, step: Int) -> GGUFExportTensor {
            let columns = outer / step
            return GGUFExportTensor(name: target, shape: [e, columns, inner], sourceBytes: view.data.count / step) {
                let all = try GGUFExportValues.decode(view, file: folder)  // (experts, inner, outer)
                var out = [Float](repeating: 0, count: e * columns * inner)  // (experts, columns, inner)
                for x in 0..<e {
                    for i in 0..<inner {
                        for j in 0..<columns { out[(x * columns + j) * inner + i] = all[(x * inner + i) * outer + first + j * step] }
                    }
                }
                return out
            }
        }
        /// Every other element from `first` of each expert's `(2 * f)` bias: `(experts, f)`.
        func alternate(_ target: String, first: Int) -> GGUFExportTensor {
            GGUFExportTensor(name: target, shape: [e, f], sourceBytes: view.data.count / 2) {
                let all = try GGUFExportValues.decode(view, file: folder)  // (experts, 2 * f)
                return (0..<(e * f)).map { all[($0 / f) * 2 * f + 2 * ($0 % f) + first] }
            }
        }
        /// Rows `first, first + step, ...` of each expert's `(rows, cols)` MXFP4 matrix as ggml blocks.
        func mxfp4(_ target: String, rows: Int, cols: Int, first: Int, step: Int) throws -> GGUFExportTensor {
            let scalesName = String(name.dropLast("_blocks".count)) + "_scales"
            guard let scales = store.tensor(scalesName) else {
                throw FormatError(file: folder, tensor: scalesName, "missing: MXFP4 blocks need their scales")
            }
            guard scales.shape == [e, rows, cols / 32], scales.dtype == .U8, view.dtype == .U8 else {
                throw FormatError(file: folder, tensor: scalesName, "expected U8 blocks \([e, rows, cols / 32, 16]) and scales \([e, rows, cols / 32]), found \(view.dtype.rawValue) \(view.shape) and \(scales.dtype.rawValue) \(scales.shape)")
            }
            let kept = (0..<e).flatMap { x in stride(from: first, to: rows, by: step).map { x * rows + $0 } }
            let bytes = kept.count * (cols / 32) * MXFP4Regroup.ggmlBlockBytes
            var tensor = GGUFExportTensor(name: target, shape: [e, rows / step, cols], sourceBytes: view.data.count / step) { [] }
            tensor.encoded = (.MXFP4, {
                var out = [UInt8](repeating: 0, count: bytes)
                try out.withUnsafeMutableBytes { o in
                    try MXFP4Regroup.ggmlRows(blocks: view.data, scales: scales.data, blocksPerRow: cols / 32, rows: kept, into: o)
                }
                return out
            })
            return tensor
        }
        switch String(name[range.upperBound...]) {
        case "gate_up_proj":
            try expect([e, h, 2 * f])
            return [transposed("\(block).ffn_gate_exps.weight", inner: h, outer: 2 * f, first: 0, step: 2),
                    transposed("\(block).ffn_up_exps.weight", inner: h, outer: 2 * f, first: 1, step: 2)]
        case "down_proj":
            try expect([e, f, h])
            return [transposed("\(block).ffn_down_exps.weight", inner: f, outer: h, first: 0, step: 1)]
        case "gate_up_proj_bias":
            try expect([e, 2 * f])
            return [alternate("\(block).ffn_gate_exps.bias", first: 0), alternate("\(block).ffn_up_exps.bias", first: 1)]
        case "down_proj_bias":
            try expect([e, h])
            return [GGUFExportTensor(name: "\(block).ffn_down_exps.bias", shape: [e, h], sourceBytes: view.data.count) {
                try GGUFExportValues.decode(view, file: folder)
            }]
        case "gate_up_proj_blocks":
            try expect([e, 2 * f, h / 32, 16])
            return [try mxfp4("\(block).ffn_gate_exps.weight", rows: 2 * f, cols: h, first: 0, step: 2),
                    try mxfp4("\(block).ffn_up_exps.weight", rows: 2 * f, cols: h, first: 1, step: 2)]
        case "down_proj_blocks":
            try expect([e, h, f / 32, 16])
            return [try mxfp4("\(block).ffn_down_exps.weight", rows: h, cols: f, first: 0, step: 1)]
        case "gate_up_proj_scales", "down_proj_scales":
            return []
        default:
            return nil
        }
    }
}
