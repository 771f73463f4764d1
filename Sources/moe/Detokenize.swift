import ArgumentParser
import MoETokenizers

/// `moe detokenize`: token ids to text with a model folder's tokenizer.json or a GGUF file's vocabulary.
struct Detokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode token ids to text with the tokenizer of a model folder or GGUF file.",
        discussion: "Output: {\"text\": \"...\"}. Special tokens are kept in the text; unknown ids are skipped."
    )

    @Option(name: .long, help: "Model folder containing tokenizer.json, or a GGUF file with a vocabulary.")
    var model: String

    @Option(name: .long, parsing: .unconditional, help: "Comma-separated token ids, e.g. 1,2,3.")
    var ids: String

    func run() throws {
        let tokens = try parseIDs(ids)
        let tokenizer = try loadTokenizer(model)
        emit(JSONOutput.render(.object([("text", .string(tokenizer.decode(tokens, skipSpecialTokens: false)))])) + "\n")
    }
}
