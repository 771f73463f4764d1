import Foundation
import MoEFormats

/// The chat template and special tokens of a Hugging Face model folder.
public struct ModelChatTemplate: Sendable {
    /// The parsed template.
    public let template: ChatTemplate
    /// Special tokens from tokenizer_config.json (`bos_token`, `eos_token`, `unk_token`, ...),
    /// which transformers passes to the template as variables.
    public let specialTokens: [String: String]

    /// A template with the given special tokens (e.g. from a GGUF file's metadata).
    public init(template: ChatTemplate, specialTokens: [String: String]) {
        self.template = template
        self.specialTokens = specialTokens
    }

    /// Names of the special-token entries transformers exposes to templates.
    public static let specialTokenNames = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// Reads `folder/chat_template.jinja` if present (transformers prefers it), else the
    /// `chat_template` of `folder/tokenizer_config.json`: a string, or a list of
    /// `{"name", "template"}` of which "default" is taken. Special tokens are strings or
    /// AddedToken-like objects `{"content": ...}`.
    public static func load(folder: String) throws -> ModelChatTemplate {
        let base = URL(fileURLWithPath: folder)
        let configURL = base.appendingPathComponent("tokenizer_config.json")
        let jinjaURL = base.appendingPathComponent("chat_template.jinja")
        var config = JSONObject()
        if FileManager.default.fileExists(atPath: configURL.path) {
            let value: JSONValue
            do {
                value = try JSONValue.parse(try text(configURL.path))
            } catch let error as JSONParseError {
                throw ModelChatTemplateError("\(configURL.path): not valid JSON: \(error)")
            }
            guard case .object(let o) = value else {
                throw ModelChatTemplateError("\(configURL.path): not a JSON object")
            }
            config = o
        }
        let source: String
        if FileManager.default.fileExists(atPath: jinjaURL.path) {
            source = try text(jinjaURL.path)
        } else {
            switch config["chat_template"] {
            case .string(let s)?: source = s
            case .array(let named)?:
                let match = named.first { entry in
                    if case .object(let o) = entry, o["name"] == .string("default") { return true }
                    return false
                }
                guard case .object(let o)? = match, case .string(let s)? = o["template"] else {
                    throw ModelChatTemplateError("tokenizer_config.json has named chat templates but none called 'default'")
                }
                source = s
            default:
                throw ModelChatTemplateError("no chat template in \(folder): expected chat_template.jinja or tokenizer_config.json 'chat_template'")
            }
        }
        var tokens: [String: String] = [:]
        for name in specialTokenNames {
            switch config[name] {
            case .string(let s)?: tokens[name] = s
            case .object(let o)?:
                if case .string(let s)? = o["content"] { tokens[name] = s }
            default: break
            }
        }
        return ModelChatTemplate(template: try ChatTemplate(source: source), specialTokens: tokens)
    }

    /// The UTF-8 text of the file at `path`; errors name the path and the reason.
    public static func text(_ path: String) throws -> String {
        guard let text = String(validating: try MappedFile.read(path), as: UTF8.self) else {
            throw ModelChatTemplateError("\(path): not valid UTF-8 text")
        }
        return text
    }

    /// Renders `messages` with the folder's special tokens; `extra` overrides them.
    public func render(
        messages: [JSONValue], addGenerationPrompt: Bool, extra: JSONObject = [:], options: RenderOptions = RenderOptions()
    ) throws -> String {
        var variables = JSONObject()
        for name in Self.specialTokenNames where name != "bos_token" && name != "eos_token" {
            if let token = specialTokens[name] { variables[name] = .string(token) }
        }
        for (key, value) in extra.members { variables[key] = value }
        return try template.render(
            messages: messages, addGenerationPrompt: addGenerationPrompt, bosToken: specialTokens["bos_token"],
            eosToken: specialTokens["eos_token"], extra: variables, options: options)
    }
}

/// A model folder without a usable chat template.
public struct ModelChatTemplateError: Error, Sendable, CustomStringConvertible {
    /// What is missing or malformed.
    public let description: String

    init(_ description: String) { self.description = description }
}
