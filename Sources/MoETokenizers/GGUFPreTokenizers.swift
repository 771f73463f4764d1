/// The Hugging Face pipeline stages that stand for a byte-level (`gpt2`) GGUF vocabulary's
/// `tokenizer.ggml.pre` name: the pre-tokenizer of the model family's tokenizer.json (a Split
/// with the regular expression llama.cpp uses for that name, then ByteLevel), its normalizer,
/// and whether its BPE model ignores merges.
struct GGUFPreTokenizerSetup {
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer
    let ignoreMerges: Bool

    /// The supported names, for documentation and errors.
    static let names = ["gpt-2", "llama3", "llama-v3", "llama-bpe", "dbrx", "smaug-bpe", "qwen2",
                        "deepseek-r1-qwen", "deepseek-v3", "joyai-llm"]

    /// The setup for `name`; throws `TokenizerError.unsupported` for any other name (including
    /// llama.cpp's "default", whose regular expressions no Hugging Face tokenizer uses).
    init(name: String?) throws {
        let byteLevel = PreTokenizer.byteLevel(addPrefixSpace: false, useRegex: false)
        func split(_ pattern: FastPattern) -> PreTokenizer {
            .split(SplitPattern(fast: pattern), .isolated, invert: false)
        }
        switch name {
        case "gpt-2":
            // GPT-2's tokenizer.json: ByteLevel with its built-in split.
            self.init(nil, .byteLevel(addPrefixSpace: false, useRegex: true), ignoreMerges: false)
        case "llama3", "llama-v3", "llama-bpe":
            // Llama 3's tokenizer.json has ignore_merges, as llama.cpp sets for these names.
            self.init(nil, .sequence([split(.llama3), byteLevel]), ignoreMerges: true)
        case "dbrx", "smaug-bpe":
            self.init(nil, .sequence([split(.llama3), byteLevel]), ignoreMerges: false)
        case "qwen2", "deepseek-r1-qwen":
            // Qwen2's tokenizer.json normalizes to NFC (llama.cpp does not).
            self.init(.nfc, .sequence([split(.qwen2), byteLevel]), ignoreMerges: false)
        case "deepseek-v3", "joyai-llm":
            self.init(nil, .sequence([split(.digits1to3), split(.cjkRuns), split(.deepseekMain), byteLevel]),
                      ignoreMerges: false)
        default:
            throw TokenizerError.unsupported(
                component: "GGUF pre-tokenizer (tokenizer.ggml.pre; supported: \(GGUFPreTokenizerSetup.names.joined(separator: ", ")))",
                type: name ?? "<missing>")
        }
    }

    private init(_ normalizer: Normalizer?, _ preTokenizer: PreTokenizer, ignoreMerges: Bool) {
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges
    }
}
