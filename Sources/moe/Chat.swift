import ArgumentParser
import Foundation
import MoEChatTemplates
import MoEModels
import MoERuntime
import MoETokenizers

/// `moe chat`: an interactive conversation.
struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a model: each line you type is a user message; the reply streams back.",
        discussion: """
            Messages are rendered with the model's chat template (tokenizer_config.json's \
            chat_template or chat_template.jinja) and tokenized with its tokenizer.json. The \
            conversation is kept, and each turn only computes its new tokens. Type /reset to \
            start over and /exit (or end the input) to quit. Prompts and statistics go to \
            standard error, replies to standard output. A reply stops at --max-tokens or when the \
            conversation fills the context (the smaller of --context and the model's max_position_embeddings).
            """
    )

    @OptionGroup var options: ModelOptions

    @Option(name: .long, parsing: .unconditional, help: "System message.")
    var system: String?

    @Option(name: .long, parsing: .unconditional, help: "Maximum tokens per reply, >= 1 (default: 512).",
            transform: OptionValue.int(1...Int.max))
    var maxTokens = 512

    @Option(name: .long, parsing: .unconditional, help: "Context length in tokens, >= 1 (default: 4096; at most the model's).",
            transform: OptionValue.int(1...Int.max))
    var context = 4096

    @OptionGroup var sampling: SamplingOptions

    @Flag(name: .long, help: "Print prefill and decode speed after each reply.")
    var stats = false

    func run() throws {
        let model = try options.load()
        guard let tokenizer = try options.tokenizer(for: model) else {
            throw ValidationError("chat needs a tokenizer: tokenizer.json in the model folder, or a GGUF file with a vocabulary")
        }
        let template = try chatTemplate(model: model, tokenizer: tokenizer)
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
            if result.stopReason == .contextFull {
                FileHandle.standardError.write(Data("warning: the conversation fills the context of \(chat.session.capacity) tokens; /reset to start over\n".utf8))
            }
            if stats {
                FileHandle.standardError.write(Data(String(
                    format: "[%d prompt tokens (%d cached), %.1f tokens/s prefill, %d tokens at %.1f tokens/s]\n",
                    result.promptTokens, result.reusedPromptTokens, result.prefillTokensPerSecond, result.ids.count,
                    result.decodeTokensPerSecond).utf8))
            }
        }
    }

    /// The folder's chat template, or a GGUF file's `tokenizer.chat_template` with the
    /// vocabulary's BOS and EOS tokens.
    private func chatTemplate(model: Transformer, tokenizer: Tokenizer) throws -> ModelChatTemplate {
        guard model.weights is GGUFWeights else {
            do {
                return try ModelChatTemplate.load(folder: try options.model)
            } catch let error as ModelChatTemplateError {
                throw ValidationError("\(error.description). This looks like a base model without a chat format: use `moe generate --prompt TEXT` to continue text instead.")
            }
        }
        guard let source = tokenizer.chatTemplate else {
            throw ValidationError("the GGUF file has no tokenizer.chat_template")
        }
        var tokens: [String: String] = [:]
        tokens["bos_token"] = tokenizer.bosToken
        tokens["eos_token"] = tokenizer.eosToken
        return ModelChatTemplate(template: try ChatTemplate(source: source), specialTokens: tokens)
    }
}
