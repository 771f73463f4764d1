import ArgumentParser
import Foundation
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
            "peak_rss_bytes", "bytes_per_token", "effective_gb_s", "bandwidth_gb_s"}.
            """
    )

    @OptionGroup var options: ModelOptions

    @Option(name: .long, help: "Prompt length for the prefill measurement.")
    var promptTokens = 128

    @Option(name: .long, help: "Tokens to decode.")
    var genTokens = 64

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (1...65536).contains(promptTokens) else { throw ValidationError("--prompt-tokens must be in 1...65536") }
        guard (1...65536).contains(genTokens) else { throw ValidationError("--gen-tokens must be in 1...65536") }
    }

    func run() throws {
        let model = try options.load()
        let r = try Benchmark(model: model).run(promptTokens: promptTokens, genTokens: genTokens)
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
