import ArgumentParser
import MoERuntime

/// Sampling options shared by `generate` and `chat`.
struct SamplingOptions: ParsableArguments {
    @Option(name: .long, help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(name: .long, help: "Keep only the K most likely tokens (0: off).")
    var topK = 0

    @Option(name: .long, help: "Nucleus sampling: keep tokens up to this cumulative probability (1: off).")
    var topP: Float = 1

    @Option(name: .long, help: "Drop tokens below this fraction of the top token's probability (0: off).")
    var minP: Float = 0

    @Option(name: .long, help: "Repetition penalty (1: off).")
    var repetitionPenalty: Float = 1

    @Option(name: .long, help: "Random seed; the same seed gives the same tokens.")
    var seed: UInt64?

    func validate() throws {
        do {
            try parameters.validate()
        } catch let e as SamplingError {
            throw ValidationError(e.message)
        }
    }

    /// The parameters these options describe.
    var parameters: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP,
                           repetitionPenalty: repetitionPenalty, seed: seed)
    }
}
