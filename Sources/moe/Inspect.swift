import Foundation
import ArgumentParser
import MoEKernels
import MoEModels

/// `moe inspect`: what a checkpoint is and what it costs to run.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model: architecture, experts, parameters (total and active per token), bytes, memory.",
        discussion: "The memory estimate is the mapped weights plus an f32 KV cache for --context tokens."
    )

    @Argument(help: "Model: a Hugging Face folder or a .gguf file.")
    var path: String

    @Option(name: .long, parsing: .unconditional,
            help: "Context length for the memory estimate, >= 1 (default: the model's maximum, at most 4096).",
            transform: OptionValue.int(1...Int.max))
    var context: Int?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        let model = try Transformer(path: path, pool: ThreadPool(threadCount: 1))
        let c = model.config
        let s = ModelSummary(model)
        let ctx = context ?? min(c.maxPositionEmbeddings, 4096)
        let kvPerToken = KVCache.bytesPerToken(c)
        let cacheBytes = kvPerToken.multipliedReportingOverflow(by: ctx)
        let total = s.totalBytes.addingReportingOverflow(cacheBytes.partialValue)
        guard !cacheBytes.overflow, !total.overflow else {
            throw ValidationError("--context \(ctx): the memory estimate (\(kvPerToken) bytes per token) exceeds \(Int.max) bytes")
        }
        let memory = total.partialValue
        let moeLayers = (0..<c.layerCount).filter { c.moeLayers[$0] }
        if json {
            var members: [(String, JSONOutput.Value)] = [
                ("model_type", .string(c.modelType)),
                ("layers", .int(c.layerCount)),
                ("hidden_size", .int(c.hiddenSize)),
                ("attention_heads", .int(c.headCount)),
                ("kv_heads", .int(c.kvHeadCount)),
                ("head_dim", .int(c.headDim)),
                ("vocab_size", .int(c.vocabSize)),
                ("moe_layers", .array(moeLayers.map { .int($0) })),
                ("total_parameters", .int(s.totalParameters)),
                ("active_parameters", .int(s.activeParameters)),
                ("bytes_by_dtype", .object(s.bytesByDType.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                ("weight_bytes", .int(s.totalBytes)),
                ("bytes_per_decoded_token", .int(s.bytesPerDecodedToken)),
                ("kv_cache_bytes_per_token", .int(kvPerToken)),
                ("context", .int(ctx)),
                ("memory_bytes", .int(memory)),
            ]
            if let moe = c.moe {
                members.insert(("experts", .int(moe.expertCount)), at: 8)
                members.insert(("experts_per_token", .int(moe.topK)), at: 9)
                members.insert(("shared_expert", .bool(moe.sharedExpertIntermediateSize != nil)), at: 10)
            }
            emit(JSONOutput.render(.object(members)) + "\n")
            return
        }
        var lines = [
            "architecture      \(c.modelType)",
            "layers            \(c.layerCount) (hidden \(c.hiddenSize), heads \(c.headCount)/\(c.kvHeadCount) kv, head_dim \(c.headDim), vocab \(c.vocabSize))",
        ]
        if let moe = c.moe {
            lines.append("MoE layers        \(moeLayers.count) of \(c.layerCount): \(moe.expertCount) experts, top-\(moe.topK)"
                + (moe.sharedExpertIntermediateSize != nil ? " + shared expert" : "")
                + ", expert FFN \(moe.expertIntermediateSize)")
        } else {
            lines.append("MoE layers        none (dense)")
        }
        lines += [
            "parameters        \(Format.count(s.totalParameters)) total, \(Format.count(s.activeParameters)) active per token",
            "weights           \(Format.bytes(s.totalBytes)) (" + s.bytesByDType.sorted { $0.key < $1.key }.map { "\($0.key) \(Format.bytes($0.value))" }.joined(separator: ", ") + ")",
            "read per token    \(Format.bytes(s.bytesPerDecodedToken))",
            "KV cache          \(Format.bytes(kvPerToken)) per token",
            "memory            \(Format.bytes(memory)) for a \(ctx)-token context",
        ]
        emit(lines.joined(separator: "\n") + "\n")
    }
}

/// Human-readable numbers.
enum Format {
    /// 1234567 -> "1.23 M".
    static func count(_ n: Int) -> String {
        let d = Double(n)
        if d >= 1e9 { return String(format: "%.2f B", d / 1e9) }
        if d >= 1e6 { return String(format: "%.2f M", d / 1e6) }
        if d >= 1e3 { return String(format: "%.2f K", d / 1e3) }
        return "\(n)"
    }

    /// Bytes in binary units.
    static func bytes(_ n: Int) -> String {
        let d = Double(n)
        if d >= Double(1 << 30) { return String(format: "%.2f GiB", d / Double(1 << 30)) }
        if d >= Double(1 << 20) { return String(format: "%.2f MiB", d / Double(1 << 20)) }
        if d >= Double(1 << 10) { return String(format: "%.1f KiB", d / Double(1 << 10)) }
        return "\(n) B"
    }
}
