#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoEKernels
import MoEModels

/// Measures prefill and decode speed of a model against this machine's memory bandwidth.
public struct Benchmark {
    /// What one run measured.
    public struct Report: Sendable {
        /// Prompt tokens per second (one batched forward pass).
        public var prefillTokensPerSecond: Double
        /// Decoded tokens per second (one token per forward pass, greedy).
        public var decodeTokensPerSecond: Double
        /// Per-token decode latency percentiles, milliseconds.
        public var p50Milliseconds: Double, p90Milliseconds: Double, p99Milliseconds: Double
        /// Peak resident set size of the process, bytes.
        public var peakRSSBytes: Int
        /// Weight bytes read per decoded token.
        public var bytesPerToken: Int
        /// `bytesPerToken * decodeTokensPerSecond`, GB/s (10^9 bytes).
        public var effectiveGBPerSecond: Double
        /// This machine's measured memory read bandwidth, GB/s.
        public var bandwidthGBPerSecond: Double
        /// Per MoE layer, the expert load of the decoded tokens (empty for dense models).
        public var expertLoads: [(layer: Int, load: ExpertLoad)]
        /// Decode speed if it ran at the measured bandwidth: the physical floor.
        public var bandwidthBoundTokensPerSecond: Double { bandwidthGBPerSecond * 1e9 / Double(bytesPerToken) }
    }

    /// The model under test.
    public let model: Transformer

    /// Wraps `model`.
    public init(model: Transformer) { self.model = model }

    /// Faults in the weights, then times a `promptTokens` prefill and `genTokens` decode
    /// steps on seeded random token ids.
    public func run(promptTokens: Int, genTokens: Int, seed: UInt64 = 0) throws -> Report {
        model.weights.touchAllPages()
        var random = RandomSource(seed: seed)
        let vocab = UInt64(model.config.vocabSize)
        let prompt = (0..<promptTokens).map { _ in Int(random.next() % vocab) }
        let clock = ContinuousClock()

        // Warm-up: threads, caches and page tables, on a separate cache.
        let warm = model.makeCache(capacity: 8)
        _ = try model.forward(Array(prompt.prefix(4)), cache: warm, logits: .last)
        _ = try model.forward([prompt[0]], cache: warm, logits: .last)

        let cache = model.makeCache(capacity: promptTokens + genTokens)
        var start = clock.now
        var logits = try model.forward(prompt, cache: cache, logits: .last)
        let prefill = seconds(clock.now - start)
        var latencies: [Double] = []
        let trace = model.config.moe.map { RoutingTrace(layers: model.config.layerCount, experts: $0.expertCount) }
        for _ in 0..<genTokens {
            let next = Sampler.argmax(logits.rowArray(0))
            start = clock.now
            logits = try model.forward([next], cache: cache, logits: .last, trace: trace)
            latencies.append(seconds(clock.now - start))
        }
        let bytes = ModelSummary(model).bytesPerDecodedToken
        let decode = latencies.isEmpty ? 0 : Double(latencies.count) / latencies.reduce(0, +)
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))
            return sorted[index] * 1000
        }
        return Report(
            prefillTokensPerSecond: Double(promptTokens) / prefill,
            decodeTokensPerSecond: decode,
            p50Milliseconds: percentile(0.5), p90Milliseconds: percentile(0.9), p99Milliseconds: percentile(0.99),
            peakRSSBytes: Self.peakResidentBytes(),
            bytesPerToken: bytes,
            effectiveGBPerSecond: Double(bytes) * decode / 1e9,
            bandwidthGBPerSecond: MemoryBandwidth.measureRead(pool: model.pool),
            expertLoads: trace?.loads ?? [])
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Peak resident set size of this process in bytes.
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
        #endif
    }
}
