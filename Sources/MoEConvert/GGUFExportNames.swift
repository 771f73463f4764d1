import MoEModels

extension GGUFNames {
    /// Where a Hugging Face tensor goes when writing a GGUF file: `translate`'s answer, plus
    /// Granite's fused expert tensors, which llama.cpp's converter splits or renames.
    enum ExportTarget: Equatable {
        /// One tensor (or one expert of a stacked tensor), as `translate` says.
        case mapped(Target)
        /// A fused `(experts, 2 * intermediate, hidden)` tensor whose first half of rows is
        /// `gate` and second half `up`.
        case gateUp(gate: String, up: String)
    }

    /// The GGUF architecture name llama.cpp's converter writes for a family.
    static func architecture(of family: ModelFamily) -> String {
        family.gguf?.name ?? family.modelType
    }

    /// Where `name` goes in a GGUF file, or nil if llama.cpp has no counterpart.
    static func exportTarget(_ name: String, family: ModelFamily) -> ExportTarget? {
        if case .fused(let input, let output) = family.experts {
            let parts = name.split(separator: ".").map(String.init)
            let prefix = ["model", "layers"]
            let block = family.moeBlock.split(separator: ".").map(String.init)
            if parts.count == 3 + block.count + 2, Array(parts.prefix(2)) == prefix, let layer = Int(parts[2]),
               Array(parts[3..<(3 + block.count)]) == block, parts.last == "weight" {
                switch parts[3 + block.count] {
                case input: return .gateUp(gate: "blk.\(layer).ffn_gate_exps.weight", up: "blk.\(layer).ffn_up_exps.weight")
                case output: return .mapped(.whole("blk.\(layer).ffn_down_exps.weight"))
                default: break
                }
            }
        }
        // transformers v5 stacks routed experts as `experts.gate_up_proj` / `experts.down_proj`.
        let parts = name.split(separator: ".").map(String.init)
        if parts.count >= 5, parts[0] == "model", parts[1] == "layers", let layer = Int(parts[2]), parts[parts.count - 2] == "experts" {
            switch parts[parts.count - 1] {
            case "gate_up_proj": return .gateUp(gate: "blk.\(layer).ffn_gate_exps.weight", up: "blk.\(layer).ffn_up_exps.weight")
            case "down_proj": return .mapped(.whole("blk.\(layer).ffn_down_exps.weight"))
            default: break
            }
        }
        return translate(name, family: family).map(ExportTarget.mapped)
    }
}
