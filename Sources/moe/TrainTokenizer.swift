import ArgumentParser
import Foundation
import MoETraining

/// Vocabulary sizes a trained byte-level BPE tokenizer may have: the 256 bytes, the
/// end-of-text token, and merges.
let vocabularyRange = 257...(1 << 20)

/// `moe train-tokenizer`: learns a byte-level BPE vocabulary from text.
struct TrainTokenizer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-tokenizer",
        abstract: "Train a GPT-2 style byte-level BPE tokenizer and write tokenizer.json + tokenizer_config.json.",
        discussion: "DATA is a text file or a folder of text files. The output loads in Hugging Face tokenizers."
    )

    @Option(name: .long, help: "A text file or a folder of text files.")
    var data: String

    @Option(name: .long, help: "Output folder.")
    var out: String

    @Option(name: .long, parsing: .unconditional,
            help: "Vocabulary size, including the 256 byte tokens and <|endoftext|>, \(vocabularyRange).",
            transform: OptionValue.int(vocabularyRange))
    var vocabSize: Int = 2048

    @Option(name: .long, parsing: .unconditional, help: "model_max_length written to tokenizer_config.json, >= 1.",
            transform: OptionValue.int(1...Int.max))
    var maxLength: Int = 1024

    func run() throws {
        let corpus = try Corpus(path: data)
        let tokenizer = BPETrainer.train(documents: corpus.documents, vocabSize: vocabSize)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try TokenizerFiles.write(tokenizer, maxLength: maxLength, to: out)
        emit("wrote \(out)/tokenizer.json (\(tokenizer.vocabSize) tokens, \(tokenizer.merges.count) merges)\n")
    }
}
