import ArgumentParser
import Foundation
import MoERuntime
import MoETokenizers

/// `moe generate`: sample a continuation.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate tokens after a prompt, streaming them to standard output.",
        discussion: """
            Without --json, text is printed as it is generated (token ids, space-separated, when \
            the model has no tokenizer). With --json, one object is printed at the end: \
            {"ids": [...], "text": "...", "finish_reason": "stop" (end of sequence) or "length" (--max-tokens \
            reached, or the model's context max_position_embeddings full), "prefill_tokens_per_s": x, \
            "decode_tokens_per_s": y}. Generation always stops at the model's context; a prompt longer than it is an error. \
            Temperature 0 (the default) is greedy decoding. --prompt text is encoded with the \
            model folder's tokenizer.json, with the tokenizer's special tokens (e.g. BOS) added.
            """
    )

    @OptionGroup var options: ModelOptions

    @Option(name: .long, parsing: .unconditional, help: "Prompt text (needs tokenizer.json in the model folder).")
    var prompt: String?

    @Option(name: .long, parsing: .unconditional, help: "Prompt as comma-separated token ids.")
    var ids: String?

    @Option(name: .long, parsing: .unconditional, help: "Maximum tokens to generate, >= 0 (default: 64).",
            transform: OptionValue.int(0...Int.max))
    var maxTokens = 64

    @OptionGroup var sampling: SamplingOptions

    @Flag(name: .long, help: "Keep generating past end-of-sequence tokens.")
    var ignoreEos = false

    @Flag(name: .long, help: "Print one JSON object instead of streaming.")
    var json = false

    func validate() throws {
        guard (prompt == nil) != (ids == nil) else { throw ValidationError("give exactly one of --prompt or --ids") }
    }

    func run() throws {
        let model = try options.load()
        let tokenizer = try options.tokenizer(for: model)
        let promptIDs: [Int]
        if let prompt {
            guard let tokenizer else {
                throw ValidationError("--prompt needs a tokenizer (tokenizer.json in the model folder); pass --ids instead")
            }
            promptIDs = tokenizer.encode(prompt, addSpecialTokens: true)
        } else {
            promptIDs = try parseIDs(ids ?? "")
        }
        try checkPromptFits(promptIDs.count, model)
        var detokenizer = tokenizer?.makeStreamingDetokenizer(skipSpecialTokens: true)
        let result = try Generator(model: model).generate(
            prompt: promptIDs, maxTokens: maxTokens, sampling: sampling.parameters, stopAtEndOfSequence: !ignoreEos
        ) { id in
            guard !json else { return true }
            if detokenizer != nil {
                emit(detokenizer?.append(id) ?? "")
            } else {
                emit("\(id) ")
            }
            return true
        }
        if result.stopReason == .contextFull {
            FileHandle.standardError.write(Data("warning: stopped at the model's context of \(model.config.maxPositionEmbeddings) tokens\n".utf8))
        }
        if json {
            emit(JSONOutput.render(.object([
                ("ids", .array(result.ids.map { .int($0) })),
                ("text", .string(tokenizer?.decode(result.ids, skipSpecialTokens: true) ?? "")),
                ("finish_reason", .string(result.stopReason == .endOfSequence ? "stop" : "length")),
                ("prefill_tokens_per_s", .double(result.prefillTokensPerSecond)),
                ("decode_tokens_per_s", .double(result.decodeTokensPerSecond)),
            ])) + "\n")
        } else {
            emit((detokenizer?.finish() ?? "") + "\n")
        }
    }
}
