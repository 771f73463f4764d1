/// Safety limits for one render.
public struct RenderLimits: Sendable, Equatable {
    /// Largest output, in UTF-8 bytes, before rendering stops.
    public var maxOutputBytes: Int
    /// Most `for` iterations (all loops together) before rendering stops.
    public var maxLoopIterations: Int
    /// Deepest nesting of macro calls.
    public var maxCallDepth: Int

    /// Limits generous enough for any real chat template.
    public init(maxOutputBytes: Int = 64 << 20, maxLoopIterations: Int = 1_000_000, maxCallDepth: Int = 64) {
        self.maxOutputBytes = maxOutputBytes
        self.maxLoopIterations = maxLoopIterations
        self.maxCallDepth = maxCallDepth
    }
}

/// Options for one render.
public struct RenderOptions: Sendable {
    /// What `strftime_now` formats; nil means the current local time.
    public var now: TemplateDate?
    /// Safety limits.
    public var limits: RenderLimits

    /// Options with the current time and default limits unless given.
    public init(now: TemplateDate? = nil, limits: RenderLimits = RenderLimits()) {
        self.now = now
        self.limits = limits
    }
}

/// A parsed Hugging Face chat template (a Jinja subset) that renders byte-identically to
/// transformers' `apply_chat_template(..., tokenize=False)`.
///
/// transformers renders with jinja2's `ImmutableSandboxedEnvironment(trim_blocks=True,
/// lstrip_blocks=True)` plus `loopcontrols`, the globals `raise_exception`, `strftime_now`,
/// `namespace` and `dict`, and a `tojson` filter that is `json.dumps(ensure_ascii=False)`;
/// this type reproduces that environment.
///
/// ```swift
/// let template = try ChatTemplate(source: jinjaText)
/// let prompt = try template.render(
///     messages: [["role": "user", "content": "Hi"]], addGenerationPrompt: true,
///     bosToken: "<s>", eosToken: "</s>")
/// ```
///
/// Sendable because the parsed tree is never mutated after `init`.
public struct ChatTemplate: @unchecked Sendable {
    /// The template text as given.
    public let source: String
    private let nodes: [Node]

    /// Parses `source` once; throws `ChatTemplateError.syntax` with line and column on malformed
    /// or unsupported syntax.
    public init(source: String) throws {
        self.source = source
        nodes = try Parser.parse(try Lexer.tokenize(source))
    }

    /// Renders a conversation as transformers' `apply_chat_template` does.
    ///
    /// - Parameters:
    ///   - messages: the conversation; each message is normally an object with `role` and
    ///     `content` and may carry `tool_calls`, content lists, `reasoning_content`, ...
    ///     As transformers does, a message with a non-null `reasoning_content`, `thinking` or
    ///     `reasoning` gets the first of them copied to `thinking` (first key) and
    ///     `reasoning_content` (last key).
    ///   - addGenerationPrompt: the `add_generation_prompt` variable.
    ///   - bosToken: `bos_token`; nil leaves it undefined.
    ///   - eosToken: `eos_token`; nil leaves it undefined.
    ///   - extra: further variables (`tools`, `documents`, `enable_thinking`, `date_string`, ...).
    ///     `tools` and `documents` are `None` unless given here, as in transformers.
    ///   - options: the date `strftime_now` sees and the safety limits.
    /// - Returns: the rendered prompt.
    /// - Throws: `ChatTemplateError.raised` when the template calls `raise_exception`;
    ///   `.runtime` for evaluation errors; `.limitExceeded` when a limit is hit.
    public func render(
        messages: [JSONValue], addGenerationPrompt: Bool = false, bosToken: String? = nil, eosToken: String? = nil,
        extra: JSONObject = [:], options: RenderOptions = RenderOptions()
    ) throws -> String {
        var context = JSONObject()
        context["tools"] = .null
        context["documents"] = .null
        if let bosToken { context["bos_token"] = .string(bosToken) }
        if let eosToken { context["eos_token"] = .string(eosToken) }
        for (key, value) in extra.members { context[key] = value }
        context["messages"] = .array(messages.map(Self.aliasReasoning))
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        return try render(context: context, options: options)
    }

    /// Renders with exactly the variables in `context` (no transformers defaults added).
    public func render(context: JSONObject, options: RenderOptions = RenderOptions()) throws -> String {
        let scope = Scope(parent: nil)
        for (key, value) in context.members { scope.set(key, Value(value)) }
        let renderer = Renderer(options: options)
        var out = ""
        _ = try renderer.execute(nodes, Scope(parent: scope), &out)
        return out
    }

    /// transformers' `_alias_reasoning_fields`.
    static func aliasReasoning(_ message: JSONValue) -> JSONValue {
        guard case .object(let object) = message else { return message }
        let fields = ["reasoning_content", "thinking", "reasoning"]
        guard let reasoning = fields.lazy.compactMap({ key -> JSONValue? in
            guard let v = object[key], v != .null else { return nil }
            return v
        }).first else { return message }
        var aliased = JSONObject()
        aliased["thinking"] = reasoning
        for (key, value) in object.members { aliased[key] = value }
        aliased["reasoning_content"] = reasoning
        return .object(aliased)
    }
}
