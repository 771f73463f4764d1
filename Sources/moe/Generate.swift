import ArgumentParser
import MoERuntime

/// `moe generate`: sample a continuation.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate tokens after a prompt, streaming them to standard output.",
        discussion: """
            Without --json, each generated token is printed as it is produced (as text when the \
            model folder has a tokenizer; as its id otherwise). With --json, one object is printed \
            at the end: {"ids": [...], "text": "...", "prefill_tokens_per_s": x, "decode_tokens_per_s": y}. \
            Temperature 0 (the default) is greedy decoding.
            """
    )

    @OptionGroup var options: ModelOptions

    @Option(name: .long, help: "Prompt text (needs a tokenizer in the model folder).")
    var prompt: String?

    @Option(name: .long, help: "Prompt as comma-separated token ids.")
    var ids: String?

    @Option(name: .long, help: "Maximum tokens to generate.")
    var maxTokens = 64

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

    @Flag(name: .long, help: "Keep generating past end-of-sequence tokens.")
    var ignoreEos = false

    @Flag(name: .long, help: "Print one JSON object instead of streaming.")
    var json = false

    func validate() throws {
        guard (prompt == nil) != (ids == nil) else { throw ValidationError("give exactly one of --prompt or --ids") }
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be >= 0") }
        try sampling.validate()
    }

    var sampling: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP,
                           repetitionPenalty: repetitionPenalty, seed: seed)
    }

    func run() throws {
        guard let ids else {
            throw ValidationError("--prompt needs a tokenizer, which this version cannot read yet; pass --ids")
        }
        let promptIDs = try parseIDs(ids)
        let model = try options.load()
        let result = try Generator(model: model).generate(
            prompt: promptIDs, maxTokens: maxTokens, sampling: sampling, stopAtEndOfSequence: !ignoreEos
        ) { id in
            if !json { emit("\(id) ") }
            return true
        }
        if json {
            emit(JSONOutput.render(.object([
                ("ids", .array(result.ids.map { .int($0) })),
                ("text", .string("")),
                ("prefill_tokens_per_s", .double(result.prefillTokensPerSecond)),
                ("decode_tokens_per_s", .double(result.decodeTokensPerSecond)),
            ])) + "\n")
        } else {
            emit("\n")
        }
    }
}
