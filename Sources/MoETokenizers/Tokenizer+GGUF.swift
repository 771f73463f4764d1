import MoEFormats

extension Tokenizer {
    /// Builds the tokenizer of a GGUF file from the vocabulary llama.cpp's converter stores in
    /// its metadata, as the same Hugging Face pipeline tokenizer.json would describe.
    ///
    /// - `tokenizer.ggml.model` "gpt2": byte-level BPE from `tokens` and `merges`, with the
    ///   pre-tokenizer (and normalizer, and `ignore_merges`) of the model family's tokenizer.json
    ///   that `tokenizer.ggml.pre` names: "gpt-2"; "llama3", "llama-v3", "llama-bpe"; "dbrx",
    ///   "smaug-bpe" (Llama 3's split without ignore_merges); "qwen2", "deepseek-r1-qwen" (with
    ///   Qwen2's NFC normalizer); "deepseek-v3", "joyai-llm". A ByteLevel decoder.
    /// - "llama": SentencePiece-style BPE with byte fallback and fused unknowns; the merges are
    ///   derived from `tokens` and `scores` as transformers' SentencePiece converter derives
    ///   them. With `add_space_prefix` (the default) the text gets a leading "▁" and spaces
    ///   become "▁" (Prepend + Replace normalizers, the legacy Llama / Mistral tokenizer.json);
    ///   the decoder undoes both.
    /// - Control tokens (`token_type` 3) become special added tokens, user-defined ones (4)
    ///   non-special added tokens; both are matched in the raw text. Unused tokens (5) of a
    ///   "gpt2" vocabulary (the converter's `[PAD…]` fillers) are left out of the vocabulary.
    /// - `add_bos_token` / `add_eos_token` become the ids `encode(_:addSpecialTokens: true)`
    ///   adds (defaults as llama.cpp's: BOS for "llama" and Llama 3 vocabularies).
    /// - `bos_token_id`, `eos_token_id` (with `eot_token_id` and `eom_token_id` in
    ///   `eosTokenIDs`), `padding_token_id` and `tokenizer.chat_template` fill `bosTokenID`,
    ///   `eosTokenIDs`, `paddingTokenID`, `config` and `chatTemplate`.
    ///
    /// Throws `TokenizerError.unsupported` naming any other model or pre-tokenizer, and
    /// `TokenizerError.invalidField` naming the file and key for a missing or malformed value
    /// (arrays of different lengths, ids out of range, merges of unknown tokens).
    public convenience init(gguf: GGUFFile) throws {
        let vocabulary = try GGUFVocabulary(gguf)
        let parts: GGUFPipeline
        switch vocabulary.model {
        case .gpt2(let merges):
            parts = try GGUFPipeline.byteLevel(vocabulary, merges: merges)
        case .llama(let scores):
            parts = GGUFPipeline.sentencePiece(vocabulary, scores: scores)
        }
        let tokens = vocabulary.tokens
        var added: [AddedToken] = []
        for (id, type) in vocabulary.types.enumerated() where !tokens[id].isEmpty {
            switch type {
            case .control: added.append(AddedToken(id: id, content: tokens[id], special: true))
            case .userDefined: added.append(AddedToken(id: id, content: tokens[id], special: false))
            default: break
            }
        }
        var bos: [Int] = []
        var eos: [Int] = []
        if parts.addBOS, let id = vocabulary.bosID { bos = [id] }
        if vocabulary.addEOS ?? false, let id = vocabulary.eosID { eos = [id] }
        let postProcessor: PostProcessor? = bos.isEmpty && eos.isEmpty ? nil : .template([bos, nil, eos])
        var ends: [Int] = []
        for id in [vocabulary.eosID, vocabulary.eotID, vocabulary.eomID].compactMap({ $0 }) where !ends.contains(id) {
            ends.append(id)
        }
        let config = TokenizerConfig(bosToken: vocabulary.bosID.map { tokens[$0] },
                                     eosToken: vocabulary.eosID.map { tokens[$0] },
                                     chatTemplate: vocabulary.chatTemplate)
        self.init(model: parts.model, normalizer: parts.normalizer, preTokenizer: parts.preTokenizer,
                  postProcessor: postProcessor, decoder: parts.decoder, addedTokens: added, config: config,
                  bosTokenID: vocabulary.bosID, eosTokenIDs: ends, paddingTokenID: vocabulary.paddingID)
    }
}
