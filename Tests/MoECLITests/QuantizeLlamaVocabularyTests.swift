import Foundation
import MoEFormats
import MoETokenizers
import XCTest

/// `moe quantize` of a Mixtral folder whose tokenizer is a SentencePiece-style tokenizer.json,
/// against llama.cpp's converter (scripts/make_llama_hf_vocab_fixture.py) and Hugging Face's
/// ids for the corpus (Tests/Fixtures/tokenizers/mixtral/reference.json).
extension QuantizeCLITests {
    static let fixtureRoot = URL(fileURLWithPath: fixtures).deletingLastPathComponent()

    /// A gzipped GGUF fixture of Tests/Fixtures/gguf-vocab, parsed.
    func vocabularyFixture(_ name: String) throws -> GGUFFile {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", Self.fixtureRoot.appendingPathComponent("gguf-vocab/\(name).gguf.gz").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return try GGUFFile(contents: [UInt8](data), name: name)
    }

    /// `moe quantize` of a folder with `model`'s config (`vocab_size` set to `rows`, hidden 32)
    /// and the tokenizer files of Tests/Fixtures/tokenizers/`variant`; the output's path and
    /// standard error.
    func exportVocabulary(_ variant: String, model: String = "mixtral-gqa", rows: Int = 32000) throws -> (path: String, err: String) {
        let folder = try temporaryFolder()
        let input = folder + "/\(variant)"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        var config = try String(contentsOfFile: Self.fixtures + "/\(model)/config.json", encoding: .utf8)
        config = config.replacingOccurrences(of: "\"vocab_size\": 128", with: "\"vocab_size\": \(rows)")
        try config.write(toFile: input + "/config.json", atomically: true, encoding: .utf8)
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: Self.fixtureRoot.appendingPathComponent("tokenizers/\(variant)/\(file)").path,
                                             toPath: input + "/" + file)
        }
        try writeZeroSafetensors([("model.embed_tokens.weight", [rows, 32]), ("model.norm.weight", [32])],
                                 to: input + "/model.safetensors")
        let out = folder + "/out.gguf"
        let r = try run(["quantize", input, out, "--type", "bf16"])
        XCTAssertEqual(r.status, 0, r.err)
        return (out, r.err)
    }

    /// The Mixtral export of `variant`, which must raise no warning.
    func exportMixtralVocabulary(_ variant: String) throws -> GGUFFile {
        let (path, err) = try exportVocabulary(variant)
        XCTAssertFalse(err.contains("warning"), err)
        return try GGUFFile(path: path)
    }

    /// A SentencePiece-style tokenizer.json for a model whose converter would not read it, and
    /// a tokenizer model of another kind, write no vocabulary and say why.
    func testOtherVocabulariesAreNotWritten() throws {
        let qwen = try exportVocabulary("mixtral", model: "qwen2-tied")
        XCTAssertTrue(qwen.err.contains("vocabulary not written") && qwen.err.contains("only for llama-family models"), qwen.err)
        XCTAssertFalse(try GGUFFile(path: qwen.path).metadataKeys.contains { $0.hasPrefix("tokenizer.") })
        let folder = try temporaryFolder() + "/unigram"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixtures + "/mixtral-gqa/config.json", toPath: folder + "/config.json")
        try Data(#"{"model": {"type": "Unigram", "vocab": [["<unk>", 0.0]]}}"#.utf8).write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
        try writeZeroSafetensors([("model.norm.weight", [32])], to: folder + "/model.safetensors")
        let r = try run(["quantize", folder, folder + "/out.gguf", "--type", "f32"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("vocabulary not written: tokenizer.json is neither a byte-level BPE"), r.err)
    }

    /// Every tokenizer key and value the converter writes, in its order, for both the
    /// Prepend+Replace and the Metaspace form of the tokenizer. The scores are the one
    /// deliberate difference: the converter's are a -1000 placeholder; ours rank the tokens
    /// made by merges as the SentencePiece model's own scores do (llama.cpp's converter output
    /// from Mixtral's tokenizer.model, gguf-vocab/mixtral.gguf.gz), ties of that model aside.
    func testSentencePieceVocabularyIsWrittenAsTheConverterWritesIt() throws {
        let reference = try vocabularyFixture("mixtral-llama-hf")
        let sentencePiece = try vocabularyFixture("mixtral")
        let referenceKeys = reference.metadataKeys.filter { $0.hasPrefix("tokenizer.") }
        XCTAssertEqual(Set(try XCTUnwrap(reference.floatArray("tokenizer.ggml.scores"))), [-1000])
        let modelScores = try XCTUnwrap(sentencePiece.floatArray("tokenizer.ggml.scores"))
        for variant in ["mixtral", "mixtral-metaspace"] {
            let out = try exportMixtralVocabulary(variant)
            XCTAssertEqual(out.metadataKeys.filter { $0.hasPrefix("tokenizer.") }, referenceKeys, variant)
            for key in referenceKeys where key != "tokenizer.ggml.scores" {
                XCTAssertEqual(out.metadata[key], reference.metadata[key], "\(variant): \(key)")
            }
            let scores = try XCTUnwrap(out.floatArray("tokenizer.ggml.scores"))
            XCTAssertEqual(scores.count, modelScores.count)
            let unmerged = scores.min() ?? 0
            let merged = scores.indices.filter { scores[$0] > unmerged }
            XCTAssertGreaterThan(merged.count, 28_000)
            // Groups of equal SentencePiece score, best first: every score of a group is
            // above every score of the next.
            let groups = Dictionary(grouping: merged) { modelScores[$0] }.sorted { $0.key > $1.key }.map(\.value)
            for (better, worse) in zip(groups, groups.dropFirst()) {
                XCTAssertGreaterThan(better.map { scores[$0] }.min() ?? 0, worse.map { scores[$0] }.max() ?? 0, variant)
            }
        }
    }

    /// The exported vocabulary, loaded back as llama.cpp would read it, encodes the corpus to
    /// Hugging Face's ids for the same tokenizer.json, but for text spelling `<unk>`: the
    /// converter types that token as control (transformers lists it as special), so it is
    /// matched in text as llama.cpp matches control tokens, while tokenizer.json has no added
    /// token for it.
    func testSentencePieceVocabularyTokenizesAsTheTokenizerJSON() throws {
        struct Reference: Decodable {
            let ids: [Int]
            let ids_special: [Int]
        }
        let tokenizer = try Tokenizer(gguf: try exportMixtralVocabulary("mixtral"))
        let root = Self.fixtureRoot.appendingPathComponent("tokenizers")
        let corpus = try JSONDecoder().decode([String].self, from: Data(contentsOf: root.appendingPathComponent("corpus.json")))
        let references = try JSONDecoder().decode([Reference].self,
                                                  from: Data(contentsOf: root.appendingPathComponent("mixtral/reference.json")))
        XCTAssertEqual(corpus.count, references.count)
        XCTAssertGreaterThan(corpus.count, 200)
        var differing: [Int] = [], differingSpecial: [Int] = []
        for (index, (text, reference)) in zip(corpus, references).enumerated() {
            if tokenizer.encode(text) != reference.ids { differing.append(index) }
            if tokenizer.encode(text, addSpecialTokens: true) != reference.ids_special { differingSpecial.append(index) }
        }
        let spellingUnknown = corpus.indices.filter { corpus[$0].contains("<unk>") }
        XCTAssertEqual(spellingUnknown.count, 1)
        XCTAssertEqual(differing, spellingUnknown)
        XCTAssertEqual(differingSpecial, spellingUnknown)
    }
}
