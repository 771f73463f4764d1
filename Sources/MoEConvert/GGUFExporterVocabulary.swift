import Foundation
import MoEFormats
import MoEModels

extension GGUFExporter {
    /// The vocabulary of an export's input: the `tokenizer.*` keys to pass to
    /// ``GGUFExporter/export(input:output:type:threads:vocabulary:progress:)``, or why none
    /// are written.
    public struct Vocabulary: Sendable {
        /// The `tokenizer.*` keys in the order llama.cpp's converter writes them; empty when
        /// none are written.
        public let metadata: [(key: String, value: GGUFValue)]
        /// Why a Hugging Face folder's vocabulary is not written (llama.cpp cannot load the
        /// file without one); nil when it is written, and for a GGUF input, whose own
        /// `tokenizer.*` keys are copied with the rest of its metadata.
        public let warning: String?
    }

    /// The vocabulary of `input` (a Hugging Face folder or a `.gguf` file): for a folder whose
    /// tokenizer.json is a byte-level BPE, or a SentencePiece-style BPE of a llama-family
    /// model, the keys llama.cpp's converter writes; otherwise none, with the reason.
    public static func vocabulary(input: String) throws -> Vocabulary {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder), isFolder.boolValue else {
            return Vocabulary(metadata: [], warning: nil)
        }
        let config = try ModelConfig.load(folder: input)
        guard FileManager.default.fileExists(atPath: (input as NSString).appendingPathComponent("tokenizer.json")) else {
            return Vocabulary(metadata: [], warning: "\(input) has no tokenizer.json: no vocabulary written (llama.cpp needs one to load the file)")
        }
        switch try GGUFExportVocabulary.metadata(folder: input, modelType: config.modelType, vocabSize: config.vocabSize) {
        case .success(let entries): return Vocabulary(metadata: entries, warning: nil)
        case .failure(let reason): return Vocabulary(metadata: [], warning: "vocabulary not written: \(reason)")
        }
    }
}
