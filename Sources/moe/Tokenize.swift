import ArgumentParser
import Foundation
import MoEFormats
import MoETokenizers

/// `moe tokenize`: text to token ids with a model folder's tokenizer.json or a GGUF file's vocabulary.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode text to token ids with the tokenizer of a model folder or GGUF file.",
        discussion: """
            Output: {"ids": [...]}. Special tokens (e.g. BOS) are added only with \
            --add-special-tokens, as Hugging Face tokenizers' encode(add_special_tokens=True) does.
            """
    )

    @Option(name: .long, help: "Model folder containing tokenizer.json (and tokenizer_config.json), or a GGUF file with a vocabulary.")
    var model: String

    @Option(name: .long, parsing: .unconditional, help: "Text to encode.")
    var text: String?

    @Option(name: .long, help: "File whose UTF-8 contents to encode.")
    var file: String?

    @Flag(name: .long, help: "Add the post-processor's special tokens (BOS etc.).")
    var addSpecialTokens = false

    func validate() throws {
        guard (text == nil) != (file == nil) else { throw ValidationError("give exactly one of --text or --file") }
    }

    func run() throws {
        let input: String
        if let text {
            input = text
        } else if let file {
            guard let decoded = String(validating: try MappedFile.read(file), as: UTF8.self) else {
                throw ValidationError("\(file): not valid UTF-8 text")
            }
            input = decoded
        } else {
            input = ""
        }
        let tokenizer = try loadTokenizer(model)
        let ids = tokenizer.encode(input, addSpecialTokens: addSpecialTokens)
        emit(JSONOutput.render(.object([("ids", .array(ids.map { .int($0) }))])) + "\n")
    }
}
