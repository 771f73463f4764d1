import ArgumentParser
import Foundation
import MoEChatTemplates
import MoERuntime

/// `moe chat`: an interactive conversation.
struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a model: each line you type is a user message; the reply streams back.",
        discussion: """
            Messages are rendered with the model's chat template (tokenizer_config.json's \
            chat_template or chat_template.jinja) and tokenized with its tokenizer.json. The \
            conversation is kept, and each turn only computes its new tokens. Type /reset to \
            start over and /exit (or end the input) to quit. Prompts and statistics go to \
            standard error, replies to standard output.
            """
    )

    @OptionGroup var options: ModelOptions

    @Option(name: .long, help: "System message.")
    var system: String?

    @Option(name: .long, help: "Maximum tokens per reply.")
    var maxTokens = 512

    @Option(name: .long, help: "Context length in tokens.")
    var context = 4096

    @OptionGroup var sampling: SamplingOptions

    @Flag(name: .long, help: "Print prefill and decode speed after each reply.")
    var stats = false

    func run() throws {
        let model = try options.load()
        guard let tokenizer = try options.tokenizer(for: model) else {
            throw ValidationError("chat needs a model folder with tokenizer.json")
        }
        let template = try ModelChatTemplate.load(folder: try options.model)
        let chat = ChatConversation(model: model, tokenizer: tokenizer, template: template,
                                    capacity: min(context, model.config.maxPositionEmbeddings), system: system)
        while true {
            FileHandle.standardError.write(Data("> ".utf8))
            guard let line = readLine() else { break }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text == "/exit" { break }
            if text == "/reset" {
                chat.reset()
                continue
            }
            if text.isEmpty { continue }
            let (_, result) = try chat.reply(to: text, maxTokens: maxTokens, sampling: sampling.parameters) { emit($0) }
            emit("\n")
            if stats {
                FileHandle.standardError.write(Data(String(
                    format: "[%d prompt tokens (%d cached), %.1f tokens/s prefill, %d tokens at %.1f tokens/s]\n",
                    result.promptTokens, result.reusedPromptTokens, result.prefillTokensPerSecond, result.ids.count,
                    result.decodeTokensPerSecond).utf8))
            }
        }
    }
}
