import Foundation
import ArgumentParser
import MoEKernels
import MoEModels

/// `moe inspect`: what a checkpoint is and what it costs to run.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model: architecture, experts, parameters (total and active per token), bytes, memory.",
        discussion: "The memory estimate is the mapped weights plus an f32 KV cache for --context tokens (and the fixed recurrent state of linear-attention layers)."
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
        let kvPerToken = c.cacheBytesPerToken
        let cacheBytes = kvPerToken.multipliedReportingOverflow(by: ctx)
        let state = cacheBytes.partialValue.addingReportingOverflow(c.recurrentStateBytes + c.slidingWindowCacheBytes)
        let total = s.totalBytes.addingReportingOverflow(state.partialValue)
        guard !cacheBytes.overflow, !state.overflow, !total.overflow else {
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
                ("latent_attention", c.latentAttention.map { l in
                    .object([("q_lora_rank", l.queryRank.map { .int($0) } ?? .null), ("kv_lora_rank", .int(l.latentRank)),
                             ("qk_rope_head_dim", .int(l.ropeDim)), ("naive_kv_cache_bytes_per_token", .int(c.naiveLatentCacheBytesPerToken))])
                } ?? .null),
                ("sliding_window_cache_bytes", .int(c.slidingWindowCacheBytes)),
                ("linear_attention_layers", .array((0..<c.layerCount).filter { c.mixers[$0] == .gatedDeltaNet }.map { .int($0) })),
                ("recurrent_state_bytes", .int(c.recurrentStateBytes)),
                ("unused_tensors", .array(s.unusedTensors.map { g in
                    .object([("prefix", .string(g.prefix)), ("purpose", .string(g.purpose)), ("tensors", .int(g.tensors)),
                             ("parameters", .int(g.parameters)), ("bytes", .int(g.bytes))])
                })),
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
            "KV cache          \(Format.bytes(kvPerToken)) per token"
                + (c.slidingWindowCacheBytes > 0 ? " + \(Format.bytes(c.slidingWindowCacheBytes)) in sliding-window layers" : ""),
        ]
        if let l = c.latentAttention {
            lines.append("latent attention  \(l.latentRank) latent + \(l.ropeDim) rotary key floats cached per layer and token "
                + "(per-head keys and values would take \(Format.bytes(c.naiveLatentCacheBytesPerToken)) per token)")
        }
        if let deltaNet = c.deltaNet {
            let linear = c.mixers.filter { $0 == .gatedDeltaNet }.count
            lines.append("linear attention  \(linear) of \(c.layerCount) layers gated DeltaNet (\(deltaNet.keyHeads) key / "
                + "\(deltaNet.valueHeads) value heads, \(deltaNet.keyDim)x\(deltaNet.valueDim) state), "
                + "\(Format.bytes(c.recurrentStateBytes)) recurrent state")
        }
        for g in s.unusedTensors {
            lines.append("not loaded        \(g.prefix)* (\(g.purpose)): \(g.tensors) tensors, \(Format.count(g.parameters)) parameters")
        }
        lines += [
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
