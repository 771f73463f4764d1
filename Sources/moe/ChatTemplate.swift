import ArgumentParser
import Foundation
import MoEChatTemplates

/// `moe chat-template`: renders a model's chat template for a conversation.
struct ChatTemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-template",
        abstract: "Render a model's chat template for a conversation, as transformers' apply_chat_template does.",
        discussion: """
            The template comes from PATH/chat_template.jinja or the chat_template of \
            PATH/tokenizer_config.json ("default" if it is a list); bos_token/eos_token from \
            tokenizer_config.json. FILE.json is [{"role": ..., "content": ...}, ...]. The prompt is \
            printed exactly, without an added newline.
            """
    )

    @Option(name: .long, help: "Model folder (tokenizer_config.json and/or chat_template.jinja).")
    var model: String

    @Option(name: .long, help: "JSON file holding the list of messages.")
    var messages: String

    @Flag(name: .long, help: "Append the prompt that starts the assistant's turn.")
    var addGenerationPrompt = false

    @Option(name: .long, help: "JSON file holding an object of extra template variables (tools, enable_thinking, ...).")
    var extra: String?

    func run() throws {
        let template = try ModelChatTemplate.load(folder: model)
        guard case .array(let conversation) = try readJSON(messages) else {
            throw ValidationError("\(messages): must hold a JSON list of messages")
        }
        var variables = JSONObject()
        if let extra {
            guard case .object(let o) = try readJSON(extra) else {
                throw ValidationError("\(extra): must hold a JSON object")
            }
            variables = o
        }
        emit(try template.render(messages: conversation, addGenerationPrompt: addGenerationPrompt, extra: variables))
    }

    /// Parses a JSON file keeping object key order, which `tojson` in templates reproduces.
    private func readJSON(_ path: String) throws -> JSONValue {
        let text = try ModelChatTemplate.text(path)
        do {
            return try JSONValue.parse(text)
        } catch {
            throw ValidationError("\(path): not valid JSON: \(error)")
        }
    }
}
