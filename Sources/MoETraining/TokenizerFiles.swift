import Foundation
import MoEFormats

/// Reads and writes `tokenizer.json` / `tokenizer_config.json` for byte-level BPE in the
/// Hugging Face `tokenizers` format (GPT-2 style: ByteLevel pre-tokenizer, post-processor
/// and decoder, BPE model, `<|endoftext|>` as an added special token).
public enum TokenizerFiles {
    /// The text of `tokenizer.json` for `tokenizer`.
    public static func tokenizerJSON(_ tokenizer: BPETokenizer) -> String {
        let byteLevel = "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}"
        var vocab: [String] = []
        for (id, token) in tokenizer.tokens.enumerated() where id != tokenizer.endOfText {
            vocab.append("\(JSONEncoding.quoted(token)):\(id)")
        }
        let merges = tokenizer.merges.map { "[\(JSONEncoding.quoted($0.0)),\(JSONEncoding.quoted($0.1))]" }
        let added = "{\"id\":\(tokenizer.endOfText),\"content\":\(JSONEncoding.quoted(BPETokenizer.endOfTextToken)),"
            + "\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}"
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[\(added)],"
            + "\"normalizer\":null,\"pre_tokenizer\":\(byteLevel),\"post_processor\":\(byteLevel),\"decoder\":\(byteLevel),"
            + "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
            + "\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,\"ignore_merges\":false,"
            + "\"vocab\":{\(vocab.joined(separator: ","))},\"merges\":[\(merges.joined(separator: ","))]}}\n"
    }

    /// The text of `tokenizer_config.json`.
    public static func tokenizerConfigJSON(_ tokenizer: BPETokenizer, maxLength: Int) -> String {
        let eos = JSONEncoding.quoted(BPETokenizer.endOfTextToken)
        return "{\"tokenizer_class\":\"PreTrainedTokenizerFast\",\"bos_token\":\(eos),\"eos_token\":\(eos),"
            + "\"unk_token\":null,\"add_prefix_space\":false,\"model_max_length\":\(maxLength),"
            + "\"clean_up_tokenization_spaces\":false}\n"
    }

    /// Writes both files into `folder` (each atomically).
    public static func write(_ tokenizer: BPETokenizer, maxLength: Int, to folder: String) throws {
        try FileIO.writeAtomically(tokenizerJSON(tokenizer), to: folder + "/tokenizer.json")
        try FileIO.writeAtomically(tokenizerConfigJSON(tokenizer, maxLength: maxLength), to: folder + "/tokenizer_config.json")
    }

    /// Reads a byte-level BPE `tokenizer.json` (the file itself or its folder).
    public static func read(_ path: String) throws -> BPETokenizer {
        var isFolder: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
            ? path + "/tokenizer.json" : path
        guard let data = FileManager.default.contents(atPath: file),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = json["model"] as? [String: Any], model["type"] as? String == "BPE",
              let vocab = model["vocab"] as? [String: Int], let rawMerges = model["merges"] as? [Any]
        else { throw TrainingError.data("\(file): not a readable BPE tokenizer.json") }
        var added: [String: Int] = [:]
        for case let token as [String: Any] in json["added_tokens"] as? [Any] ?? [] {
            if let content = token["content"] as? String, let id = token["id"] as? Int { added[content] = id }
        }
        let all = vocab.merging(added) { a, _ in a }
        let size = (all.values.max() ?? -1) + 1
        var tokens = [String](repeating: "", count: size)
        for (t, id) in all where id >= 0 { tokens[id] = t }
        var merges: [(String, String)] = []
        for m in rawMerges {
            if let pair = m as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else if let text = m as? String, let space = text.firstIndex(of: " ") {
                merges.append((String(text[..<space]), String(text[text.index(after: space)...])))
            } else {
                throw TrainingError.data("\(file): malformed merge \(m)")
            }
        }
        guard let eot = added[BPETokenizer.endOfTextToken] ?? vocab[BPETokenizer.endOfTextToken] else {
            throw TrainingError.data("\(file): no \(BPETokenizer.endOfTextToken) token to separate documents")
        }
        return BPETokenizer(tokens: tokens, merges: merges, endOfText: eot)
    }
}

/// Small file helpers.
enum FileIO {
    /// Writes `text` to `path` through a temporary file and a rename.
    static func writeAtomically(_ text: String, to path: String) throws {
        try writeAtomically(Data(text.utf8), to: path)
    }

    /// Writes `data` to `path` through a temporary file and a rename (`AtomicFileWriter`).
    static func writeAtomically(_ data: Data, to path: String) throws {
        do {
            try AtomicFileWriter.write(Array(data), to: path)
        } catch let error as FormatError {
            throw TrainingError.checkpoint(error.description)
        }
    }
}
