import ArgumentParser
import MoEKernels

/// `moe forward`: logits for every input position.
struct Forward: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the logits of every position of a token sequence as JSON.",
        discussion: "Output: {\"logits\": [[vocab floats], ...]}, one row per input token, from one full forward pass."
    )

    @OptionGroup var options: ModelOptions

    @Option(name: .long, parsing: .unconditional, help: "Comma-separated token ids, e.g. 1,2,3 (at most the model's context).")
    var ids: String

    func run() throws {
        let tokens = try parseIDs(ids)
        let model = try options.load()
        try checkPromptFits(tokens.count, model)
        let logits = try model.forward(tokens, cache: model.makeCache(capacity: tokens.count))
        let rows = (0..<logits.rows).map { r in JSONOutput.Value.array(logits.rowArray(r).map { .float($0) }) }
        emit(JSONOutput.render(.object([("logits", .array(rows))])) + "\n")
    }
}
