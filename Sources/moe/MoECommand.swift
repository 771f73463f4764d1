import ArgumentParser

/// The `moe` command-line tool.
@main
struct MoECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moe",
        abstract: "Run, inspect and benchmark Mixture-of-Experts and dense language models on CPU.",
        discussion: """
            PATH is a Hugging Face model folder: config.json plus model.safetensors, or shards \
            with model.safetensors.index.json. Supported model types: mixtral, qwen2_moe, \
            qwen3_moe, olmoe, granitemoe, llama, mistral, qwen2, qwen3.
            """,
        subcommands: [Forward.self, Generate.self, Chat.self, Inspect.self, Bench.self, Quantize.self, Tokenize.self, Detokenize.self, ChatTemplateCommand.self]
    )
}
