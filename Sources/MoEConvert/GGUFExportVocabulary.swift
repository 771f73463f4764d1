import Foundation
import MoEFormats
import MoETokenizers

/// The vocabulary metadata llama.cpp's converter writes for a Hugging Face tokenizer.json:
/// a byte-level BPE (`tokenizer.ggml.model` = `gpt2`, ``GGUFExportVocabularyBPE``) or, for the
/// llama-family models whose converter reads it, a SentencePiece-style BPE with byte fallback
/// (`llama`, ``GGUFExportVocabularyLlama``); then the special tokens, `add_*_token` flags and
/// chat template (``GGUFExportSpecialVocabulary``).
enum GGUFExportVocabulary {
    /// gguf-py's `TokenType`.
    enum TokenType: Int32 { case normal = 1, control = 3, userDefined = 4, unused = 5, byte = 6 }

    /// The model types whose llama.cpp converter class (`LlamaModel` and its Granite
    /// subclasses) reads a SentencePiece-style tokenizer.json (`_set_vocab_llama_hf`).
    static let llamaVocabularyModelTypes: Set<String> = ["llama", "mistral", "mixtral", "granite", "granitemoe"]

    /// The folder's parsed JSON files.
    struct Files {
        /// tokenizer.json.
        let tokenizer: [String: Any]
        /// tokenizer_config.json, if any.
        let config: [String: Any]?
        /// special_tokens_map.json, if any.
        let specialTokensMap: [String: Any]?
        /// config.json of the model.
        let modelConfig: [String: Any]
    }

    /// Metadata for the tokenizer in `folder` for a model of `modelType` with `vocabSize`
    /// rows, or a reason it is skipped.
    static func metadata(folder: String, modelType: String, vocabSize: Int) throws -> Result<[(key: String, value: GGUFValue)], SkipReason> {
        func load(_ name: String) -> [String: Any]? {
            guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name)) else { return nil }
            return (try? JSONSerialization.jsonObject(with: escapingByteOrderMarks(data))) as? [String: Any]
        }
        guard let json = load("tokenizer.json") else { return .failure(SkipReason("no readable tokenizer.json")) }
        let files = Files(tokenizer: json, config: load("tokenizer_config.json"),
                          specialTokensMap: load("special_tokens_map.json"), modelConfig: load("config.json") ?? [:])
        if GGUFExportVocabularyBPE.applies(json) {
            return GGUFExportVocabularyBPE.metadata(files, tokenizer: try Tokenizer(folder: folder), vocabSize: vocabSize)
        }
        guard GGUFExportVocabularyLlama.applies(json) else {
            return .failure(SkipReason("tokenizer.json is neither a byte-level BPE nor a SentencePiece-style BPE with byte fallback"))
        }
        guard llamaVocabularyModelTypes.contains(modelType) else {
            return .failure(SkipReason("llama.cpp's converter writes a SentencePiece-style tokenizer.json only for llama-family models, not \(modelType)"))
        }
        return GGUFExportVocabularyLlama.metadata(files, chatTemplate: try Tokenizer(folder: folder).chatTemplate, vocabSize: vocabSize)
    }

    /// `data` with each U+FEFF after the first byte written as the escape `\ufeff`: Foundation's
    /// JSONSerialization on Linux drops the raw character from strings (Mixtral's vocabulary
    /// has it as a token). Outside strings JSON has only ASCII, so only strings change.
    static func escapingByteOrderMarks(_ data: Data) -> Data {
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        var bytes = [UInt8](data)
        var index = 1
        while index + 3 <= bytes.count {
            if bytes[index] == mark[0] && bytes[index + 1] == mark[1] && bytes[index + 2] == mark[2] {
                bytes.replaceSubrange(index..<(index + 3), with: Array("\\ufeff".utf8))
                index += 6
            } else {
                index += 1
            }
        }
        return Data(bytes)
    }

    /// Why the vocabulary is not written.
    struct SkipReason: Error, CustomStringConvertible {
        /// The explanation.
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The special token vocabulary of `files` for `tokenCount` written tokens.
    static func special(_ files: Files, tokenCount: Int) -> GGUFExportSpecialVocabulary {
        GGUFExportSpecialVocabulary(tokenizer: files.tokenizer, config: files.config, modelConfig: files.modelConfig, tokenCount: tokenCount)
    }
}
