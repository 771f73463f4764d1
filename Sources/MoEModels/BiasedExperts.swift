import MoEFormats
import MoEKernels

/// One routed expert's biases (GPT-OSS): added after its gate, up and down projections.
struct ExpertBiases: Sendable {
    /// `(intermediate)`
    let gate: [Float]
    /// `(intermediate)`
    let up: [Float]
    /// `(hidden)`
    let down: [Float]
}

/// Routed experts stored in transformers' GPT-OSS layout (`ExpertLayout.transposedInterleaved`),
/// converted at load into gate, up and down matrices the kernels read, plus their biases.
struct BiasedExperts {
    /// Per expert, the three projections. `(experts)`
    let experts: [FeedForward]
    /// Per expert, its biases. `(experts)`
    let biases: [ExpertBiases]
    /// The converted matrices the experts point into.
    let storage: [WeightStorage]

    /// Loads `<prefix>.experts.{gate_up_proj,down_proj}` and their biases. f32/bf16/f16
    /// matrices are transposed into f32 copies (gate from the even columns, up from the odd);
    /// MXFP4 `_blocks` / `_scales` pairs are regrouped into ggml MXFP4 rows (gate from the
    /// even rows, up from the odd), which the kernels compute on without dequantising.
    init(_ w: WeightLoader, prefix: String, count: Int, hidden: Int, intermediate f: Int, mxfp4: Bool) throws {
        biases = try Self.biases(w, prefix: prefix, count: count, hidden: hidden, intermediate: f)
        if mxfp4 {
            let even = Array(stride(from: 0, to: 2 * f, by: 2)), odd = even.map { $0 + 1 }
            var storage: [WeightStorage] = []
            var experts: [FeedForward] = []
            for e in 0..<count {
                let gate = try w.mxfp4Rows("\(prefix).experts.gate_up_proj", expert: e, experts: count,
                                           rows: 2 * f, cols: hidden, keeping: even)
                let up = try w.mxfp4Rows("\(prefix).experts.gate_up_proj", expert: e, experts: count,
                                         rows: 2 * f, cols: hidden, keeping: odd)
                let d = try w.mxfp4Rows("\(prefix).experts.down_proj", expert: e, experts: count,
                                        rows: hidden, cols: f, keeping: Array(0..<hidden))
                storage += [gate, up, d]
                experts.append(FeedForward(gate: gate.matrix, up: up.matrix, down: d.matrix))
            }
            self.experts = experts
            self.storage = storage
            return
        }
        let gateUp = try w.stackedMatrices("\(prefix).experts.gate_up_proj", count: count, rows: hidden, cols: 2 * f)
        let down = try w.stackedMatrices("\(prefix).experts.down_proj", count: count, rows: f, cols: hidden)
        var storage: [WeightStorage] = []
        var experts: [FeedForward] = []
        for e in 0..<count {
            let gate = WeightStorage.transposedColumns(of: gateUp[e], first: 0, step: 2)
            let up = WeightStorage.transposedColumns(of: gateUp[e], first: 1, step: 2)
            let d = WeightStorage.transposedColumns(of: down[e], first: 0, step: 1)
            storage += [gate, up, d]
            experts.append(FeedForward(gate: gate.matrix, up: up.matrix, down: d.matrix))
        }
        self.experts = experts
        self.storage = storage
    }

    /// Per-expert biases stored one vector per expert and projection,
    /// `<prefix>.experts.<e>.<name>.bias` (GPT-OSS in GGUF files).
    static func separateBiases(
        _ w: WeightLoader, prefix: String, names: (gate: String, up: String, down: String), count: Int, hidden: Int,
        intermediate f: Int
    ) throws -> [ExpertBiases] {
        try (0..<count).map { e in
            let x = "\(prefix).experts.\(e)."
            return ExpertBiases(gate: try w.vector(x + names.gate + ".bias", count: f),
                                up: try w.vector(x + names.up + ".bias", count: f),
                                down: try w.vector(x + names.down + ".bias", count: hidden))
        }
    }

    /// `gate_up_proj_bias` `(experts, 2 * intermediate)`, interleaved, and `down_proj_bias`
    /// `(experts, hidden)`.
    static func biases(_ w: WeightLoader, prefix: String, count: Int, hidden: Int, intermediate f: Int) throws -> [ExpertBiases] {
        let gateUp = try w.squeezedMatrix("\(prefix).experts.gate_up_proj_bias", rows: count, cols: 2 * f)
        let down = try w.squeezedMatrix("\(prefix).experts.down_proj_bias", rows: count, cols: hidden)
        return (0..<count).map { e in
            let row = gateUp[(e * 2 * f)..<((e + 1) * 2 * f)]
            return ExpertBiases(gate: stride(from: row.startIndex, to: row.endIndex, by: 2).map { row[$0] },
                                up: stride(from: row.startIndex + 1, to: row.endIndex, by: 2).map { row[$0] },
                                down: Array(down[(e * hidden)..<((e + 1) * hidden)]))
        }
    }
}

extension WeightLoader {
    /// Rows `keeping` (in that order) of expert `expert`'s `(rows, cols)` matrix stored as
    /// MXFP4 `<name>_blocks` `(experts, rows, cols / 32, 16)` and `<name>_scales` `(experts,
    /// rows, cols / 32)`, regrouped into ggml MXFP4.
    func mxfp4Rows(_ name: String, expert: Int, experts: Int, rows: Int, cols: Int, keeping: [Int]) throws -> WeightStorage {
        let blocks = try tensor(name + "_blocks"), scales = try tensor(name + "_scales")
        guard cols % 32 == 0 else {
            throw FormatError(file: location, tensor: blocks.name, "MXFP4 rows of \(cols) values are not whole blocks of 32")
        }
        try expect(blocks, shape: [experts, rows, cols / 32, 16])
        try expect(scales, shape: [experts, rows, cols / 32])
        for t in [blocks, scales] where t.typeName != "U8" {
            throw FormatError(file: location, tensor: t.name, "MXFP4 bytes must be stored as U8, found \(t.typeName)")
        }
        let perExpert = rows * cols / 32
        guard blocks.data.count == experts * perExpert * 16, scales.data.count == experts * perExpert else {
            throw FormatError(file: location, tensor: blocks.name, "holds \(blocks.data.count) bytes, expected \(experts * perExpert * 16)")
        }
        let b = UnsafeRawBufferPointer(rebasing: blocks.data[(expert * perExpert * 16)..<((expert + 1) * perExpert * 16)])
        let s = UnsafeRawBufferPointer(rebasing: scales.data[(expert * perExpert)..<((expert + 1) * perExpert)])
        return try WeightStorage(type: .mxfp4, rows: keeping.count, cols: cols) { out in
            try MXFP4Regroup.ggmlRows(blocks: b, scales: s, blocksPerRow: cols / 32, rows: keeping, into: out)
        }
    }
}
