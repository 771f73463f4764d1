import MoEChatTemplates
import MoEModels
import MoETokenizers

/// A multi-turn chat: messages rendered with the model's chat template, tokenized, and
/// generated through one ``GenerationSession`` so each turn only runs its new tokens.
public final class ChatConversation {
    /// The session holding the KV cache.
    public let session: GenerationSession
    /// The tokenizer.
    public let tokenizer: Tokenizer
    /// The chat template and its special tokens.
    public let template: ModelChatTemplate
    /// The conversation so far, as `{"role", "content"}` objects.
    public private(set) var messages: [JSONValue] = []
    private let system: String?

    /// A conversation with an optional system message.
    public init(model: Transformer, tokenizer: Tokenizer, template: ModelChatTemplate, capacity: Int, system: String? = nil) {
        session = GenerationSession(model: model, capacity: capacity)
        self.tokenizer = tokenizer
        self.template = template
        self.system = system
        reset()
    }

    /// Starts over (keeping the system message).
    public func reset() {
        messages = system.map { [Self.message("system", $0)] } ?? []
    }

    /// Adds the user's message, generates the assistant's reply (streaming its text to
    /// `onText` as it is produced), records it, and returns it with the timing.
    public func reply(
        to user: String, maxTokens: Int, sampling: SamplingParameters, onText: (String) -> Void
    ) throws -> (text: String, result: GenerationResult) {
        messages.append(Self.message("user", user))
        let prompt = try template.render(messages: messages, addGenerationPrompt: true)
        let ids = tokenizer.encode(prompt, addSpecialTokens: false)
        let stops = Set(tokenizer.eosTokenIDs + session.model.config.eosTokenIds)
        var detokenizer = tokenizer.makeStreamingDetokenizer(skipSpecialTokens: true)
        var text = ""
        let result = try session.generate(prompt: ids, maxTokens: maxTokens, sampling: sampling, stopTokens: stops) { id in
            let piece = detokenizer.append(id)
            text += piece
            onText(piece)
            return true
        }
        let tail = detokenizer.finish()
        text += tail
        onText(tail)
        messages.append(Self.message("assistant", text))
        return (text, result)
    }

    private static func message(_ role: String, _ content: String) -> JSONValue {
        var object = JSONObject()
        object["role"] = .string(role)
        object["content"] = .string(content)
        return .object(object)
    }
}
