import ArgumentParser
import MoERuntime

/// Sampling options shared by `generate` and `chat`.
struct SamplingOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Sampling temperature, >= 0; 0 (the default) is greedy.",
            transform: OptionValue.float(atLeast: 0))
    var temperature: Float = 0

    @Option(name: .long, parsing: .unconditional, help: "Keep only the K most likely tokens, >= 0 (0, the default: off).",
            transform: OptionValue.int(0...Int.max))
    var topK = 0

    @Option(name: .long, parsing: .unconditional,
            help: "Nucleus sampling: keep tokens up to this cumulative probability, > 0 and <= 1 (1, the default: off).",
            transform: OptionValue.float(atLeast: 0, exclusive: true, atMost: 1))
    var topP: Float = 1

    @Option(name: .long, parsing: .unconditional,
            help: "Drop tokens below this fraction of the top token's probability, 0 to 1 (0, the default: off).",
            transform: OptionValue.float(atLeast: 0, atMost: 1))
    var minP: Float = 0

    @Option(name: .long, parsing: .unconditional, help: "Repetition penalty, > 0 (1, the default: off).",
            transform: OptionValue.float(atLeast: 0, exclusive: true))
    var repetitionPenalty: Float = 1

    @Option(name: .long, parsing: .unconditional, help: "Random seed, 0 to 2^64-1; the same seed gives the same tokens.",
            transform: OptionValue.seed)
    var seed: UInt64?

    /// The parameters these options describe.
    var parameters: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP,
                           repetitionPenalty: repetitionPenalty, seed: seed)
    }
}
