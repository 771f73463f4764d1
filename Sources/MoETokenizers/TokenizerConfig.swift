import Foundation

/// What tokenizer_config.json (and a chat_template.jinja file) adds to tokenizer.json: the
/// BOS/EOS token strings and the raw chat template.
public struct TokenizerConfig: Sendable, Equatable {
    /// `bos_token`, if set.
    public var bosToken: String?
    /// `eos_token`, if set.
    public var eosToken: String?
    /// The chat template: chat_template.jinja if present, else tokenizer_config.json's
    /// `chat_template` (a string, or the entry named "default" of a list of {name, template}).
    public var chatTemplate: String?

    /// An empty configuration.
    public init(bosToken: String? = nil, eosToken: String? = nil, chatTemplate: String? = nil) {
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.chatTemplate = chatTemplate
    }

    /// Reads tokenizer_config.json; `file` names it in errors.
    public init(json: Data, file: String = "tokenizer_config.json") throws {
        let root = try JSONNode.parse(json, file: file)
        try root.requireObject()
        bosToken = try TokenizerConfig.tokenString(root["bos_token"])
        eosToken = try TokenizerConfig.tokenString(root["eos_token"])
        let template = root["chat_template"]
        if template.isNull {
            chatTemplate = nil
        } else if let s = template.stringValue {
            chatTemplate = s
        } else {
            let entries = try template.array()
            var found: String?
            for entry in entries where try entry["name"].string() == "default" {
                found = try entry["template"].string()
            }
            chatTemplate = found
        }
    }

    /// A token given as a string or as an AddedToken object `{"content": ...}`.
    private static func tokenString(_ node: JSONNode) throws -> String? {
        if node.isNull { return nil }
        if let s = node.stringValue { return s }
        return try node["content"].string()
    }
}
