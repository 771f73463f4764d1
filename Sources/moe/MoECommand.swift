import ArgumentParser
import Foundation
import MoEFormats
import MoEModels

/// The `moe` command-line tool.
@main
struct MoECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moe",
        abstract: "Run, inspect and benchmark Mixture-of-Experts and dense language models on CPU.",
        discussion: """
            A model PATH is a Hugging Face folder (config.json plus model.safetensors, or shards \
            with model.safetensors.index.json) or a GGUF file. Supported model types: \
            \(ModelFamily.supportedNames) (GGUF: \(ModelFamily.ggufArchitectureNames)). \
            Without --model, commands use the shipped models/shakespeare-moe.
            """,
        subcommands: [
            Forward.self, Generate.self, Chat.self, Inspect.self, Bench.self, Quantize.self,
            Tokenize.self, Detokenize.self, ChatTemplateCommand.self, Train.self, TrainTokenizer.self, Plot.self,
        ]
    )

    /// Parses and runs a subcommand. Help goes to standard output; every failure is one line
    /// `error: <what>: <why>` on standard error, with status 64 for bad usage and 1 otherwise.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode { exit(withError: error) }
            FileHandle.standardError.write(Data("error: \(errorMessage(error))\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }

    /// The text after `error: `: Foundation file errors as "path: reason", the parser's and the
    /// library's messages as they are, a leading capitalized word ("Missing value ...") in lower case.
    static func errorMessage(_ error: Error) -> String {
        let text = error is CocoaError ? FileErrorText.message(error) : message(for: error)
        let word = text.prefix { $0 != " " }
        guard let first = word.first, first.isUppercase, word.dropFirst().allSatisfy({ $0.isLetter && $0.isLowercase }) else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
