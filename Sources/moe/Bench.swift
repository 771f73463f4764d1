import ArgumentParser
import Foundation
import MoEConvert
import MoEKernels
import MoEModels
import MoERuntime

/// `moe bench`: speed against the memory-bandwidth floor.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prefill and decode speed, latency spread and memory against this machine's bandwidth.",
        discussion: """
            Weights are faulted in first; prompt ids are seeded random tokens. Decode is greedy, one \
            token per step. Effective bandwidth = weight bytes read per token x decode tokens/s; \
            decode cannot beat the measured read bandwidth divided by those bytes. With --json: \
            {"prefill_tokens_per_s", "decode_tokens_per_s", "p50_ms", "p90_ms", "p99_ms", \
            "peak_rss_bytes", "bytes_per_token", "effective_gb_s", "bandwidth_gb_s", "total_parameters", \
            "active_parameters"}. --synthetic NAME_OR_CONFIG benchmarks random weights in the shape of a \
            built-in model (\(SyntheticShapes.names)) or of a config.json, written as --quant to a \
            temporary GGUF file that is deleted afterwards.
            """
    )

    @Option(name: .long, help: "Model: a Hugging Face folder (config.json + safetensors) or a .gguf file.")
    var model: String?

    @Option(name: .long, help: "Random weights shaped like a built-in model (\(SyntheticShapes.names)) or a config.json path.")
    var synthetic: String?

    @Option(name: .long, help: "Weight type of --synthetic: \(GGUFExportType.names).")
    var quant = "bf16"

    @Option(name: .long, parsing: .unconditional, help: "Worker threads, \(threadRange) (default: all cores).",
            transform: OptionValue.int(threadRange))
    var threads: Int?

    @Option(name: .long, parsing: .unconditional, help: "Prompt length for the prefill measurement, 1...65536 (default: 128).",
            transform: OptionValue.int(1...65536))
    var promptTokens = 128

    @Option(name: .long, parsing: .unconditional, help: "Tokens to decode, 1...65536 (default: 64).",
            transform: OptionValue.int(1...65536))
    var genTokens = 64

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (model == nil) != (synthetic == nil) else { throw ValidationError("give exactly one of --model and --synthetic") }
        guard GGUFExportType(rawValue: quant.lowercased()) != nil else {
            throw ValidationError("unknown --quant '\(quant)'; supported: \(GGUFExportType.names)")
        }
    }

    func run() throws {
        let pool = ThreadPool(threadCount: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        if let synthetic, let type = GGUFExportType(rawValue: quant.lowercased()) {
            let shape = try SyntheticModel(synthetic, type: type)
            try shape.checkFits(memoryBytes: Int(ProcessInfo.processInfo.physicalMemory),
                                diskBytes: SyntheticModel.freeDiskBytes(NSTemporaryDirectory()))
            FileHandle.standardError.write(Data("writing \(shape.name) random weights as \(type.rawValue) (\(Format.bytes(shape.plan.weightBytes)))\n".utf8))
            try shape.withModel(pool: pool) { try measure($0) }
        } else if let model {
            try measure(try Transformer(path: model, pool: pool))
        }
    }

    /// Benchmarks `model` and prints the report.
    private func measure(_ model: Transformer) throws {
        let r = try Benchmark(model: model).run(promptTokens: promptTokens, genTokens: genTokens)
        let summary = ModelSummary(model)
        if json {
            emit(JSONOutput.render(.object([
                ("prefill_tokens_per_s", .double(r.prefillTokensPerSecond)),
                ("decode_tokens_per_s", .double(r.decodeTokensPerSecond)),
                ("p50_ms", .double(r.p50Milliseconds)),
                ("p90_ms", .double(r.p90Milliseconds)),
                ("p99_ms", .double(r.p99Milliseconds)),
                ("peak_rss_bytes", .int(r.peakRSSBytes)),
                ("bytes_per_token", .int(r.bytesPerToken)),
                ("effective_gb_s", .double(r.effectiveGBPerSecond)),
                ("bandwidth_gb_s", .double(r.bandwidthGBPerSecond)),
                ("threads", .int(model.pool.threadCount)),
                ("total_parameters", .int(summary.totalParameters)),
                ("active_parameters", .int(summary.activeParameters)),
                ("expert_load", .array(r.expertLoads.map { entry in
                    .object([
                        ("layer", .int(entry.layer)),
                        ("normalized_entropy", .double(entry.load.normalizedEntropy)),
                        ("coefficient_of_variation", .double(entry.load.coefficientOfVariation)),
                        ("max_violation", .double(entry.load.maxViolation)),
                        ("dead_experts", .int(entry.load.deadExperts)),
                    ])
                })),
            ])) + "\n")
            return
        }
        emit("""
            parameters     \(Format.count(summary.totalParameters)) total, \(Format.count(summary.activeParameters)) active per token
            prefill        \(String(format: "%.1f", r.prefillTokensPerSecond)) tokens/s (\(promptTokens) tokens)
            decode         \(String(format: "%.2f", r.decodeTokensPerSecond)) tokens/s (\(genTokens) tokens, \(model.pool.threadCount) threads)
            latency        p50 \(String(format: "%.2f", r.p50Milliseconds)) ms, p90 \(String(format: "%.2f", r.p90Milliseconds)) ms, p99 \(String(format: "%.2f", r.p99Milliseconds)) ms
            weights/token  \(Format.bytes(r.bytesPerToken))
            effective      \(String(format: "%.1f", r.effectiveGBPerSecond)) GB/s = \(String(format: "%.0f", 100 * r.effectiveGBPerSecond / r.bandwidthGBPerSecond))% of measured bandwidth \(String(format: "%.1f", r.bandwidthGBPerSecond)) GB/s (floor: \(String(format: "%.1f", r.bandwidthBoundTokensPerSecond)) tokens/s)
            peak RSS       \(Format.bytes(r.peakRSSBytes))\(loadSummary(r))

            """)
    }

    /// One line on the decoded tokens' expert load, for MoE models.
    private func loadSummary(_ r: Benchmark.Report) -> String {
        guard !r.expertLoads.isEmpty else { return "" }
        let entropies = r.expertLoads.map(\.load.normalizedEntropy)
        let cvs = r.expertLoads.map(\.load.coefficientOfVariation)
        let dead = r.expertLoads.map(\.load.deadExperts).reduce(0, +)
        return "\nexpert load    entropy \(String(format: "%.3f", entropies.min() ?? 0))-\(String(format: "%.3f", entropies.max() ?? 0)), "
            + "CV \(String(format: "%.2f", cvs.min() ?? 0))-\(String(format: "%.2f", cvs.max() ?? 0)) over \(r.expertLoads.count) layers, "
            + "\(dead) (layer, expert) pairs unused over \(genTokens) decoded tokens"
    }
}
