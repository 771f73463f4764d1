import ArgumentParser
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
}
