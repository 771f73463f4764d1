import Foundation
@testable import MoEConvert
import MoEFormats
import MoETestFixtures
import XCTest

/// The `tokenizer.*` keys exported for the tokenizer.json fixtures (Tests/Fixtures/tokenizers)
/// against what llama.cpp's converter wrote for the same files (Tests/Fixtures/gguf-vocab,
/// scripts/make_gguf_vocab_fixtures.py and make_llama_hf_vocab_fixture.py).
final class GGUFExportVocabularyTests: XCTestCase {
    /// `Tests/Fixtures/tokenizers/<name>`: tokenizer.json and tokenizer_config.json, no config.json.
    func tokenizerFolder(_ name: String) -> String {
        GGUFFixtures.root.deletingLastPathComponent().appendingPathComponent("tokenizers/\(name)").path
    }

    /// The vocabulary exported for a folder; fails the test when it is skipped.
    func export(_ folder: String, modelType: String, vocabSize: Int) throws -> [(key: String, value: GGUFValue)] {
        switch try GGUFExportVocabulary.metadata(folder: folder, modelType: modelType, vocabSize: vocabSize) {
        case .success(let entries): return entries
        case .failure(let reason): throw reason
        }
    }

    /// The `tokenizer.*` keys of a converter output, in file order.
    func tokenizerKeys(_ file: GGUFFile) -> [String] { file.metadataKeys.filter { $0.hasPrefix("tokenizer.") } }

    /// Asserts `entries` has `reference`'s tokenizer keys in its order, each with the same
    /// value, but for the keys `expectedDifferences` gives the values of.
    func assertWritesTheConverters(_ entries: [(key: String, value: GGUFValue)], _ reference: GGUFFile,
                                   expectedDifferences: [String: GGUFValue] = [:], _ name: String) {
        XCTAssertEqual(entries.map(\.key), tokenizerKeys(reference), name)
        for (key, value) in entries {
            XCTAssertEqual(value, expectedDifferences[key] ?? reference.metadata[key], "\(name): \(key)")
        }
    }

    /// GPT-2's pre-tokenizer.
    var gpt2ByteLevel: [String: Any] { ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true] }

    /// A temporary folder holding `tokenizer` as tokenizer.json and the qwen fixture's
    /// tokenizer_config.json.
    func folder(tokenizer: [String: Any]) throws -> String {
        let folder = NSTemporaryDirectory() + "vocabulary-export-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
        try FileManager.default.copyItem(atPath: tokenizerFolder("qwen") + "/tokenizer_config.json",
                                         toPath: folder + "/tokenizer_config.json")
        return folder
    }

    /// A folder with the qwen vocabulary under `preTokenizer`, with no normalizer and merges
    /// not ignored, as the fixture script's GPT-2 variant.
    func qwenVariantFolder(preTokenizer: [String: Any]) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: tokenizerFolder("qwen") + "/tokenizer.json"))
        var tokenizer = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var model = try XCTUnwrap(tokenizer["model"] as? [String: Any])
        model["ignore_merges"] = false
        tokenizer["model"] = model
        tokenizer["normalizer"] = NSNull()
        tokenizer["pre_tokenizer"] = preTokenizer
        return try folder(tokenizer: tokenizer)
    }

    /// Byte-level BPE (`_set_vocab_gpt2`): model `gpt2`, tokens, token types, merges, the
    /// pre-tokenizer llama.cpp's fingerprint names, special ids, flags and chat template. The
    /// converter ran without a config.json, so it padded no rows (`vocabSize` 0 asks for none).
    func testQwenVocabularyIsTheConverters() throws {
        let entries = try export(tokenizerFolder("qwen"), modelType: "qwen2", vocabSize: 0)
        assertWritesTheConverters(entries, try GGUFFixtures.file("qwen"), "qwen")
    }

    /// The deepseek fixture's `tokenizer.ggml.pre` is DeepSeek-V3's name, which the fixture
    /// script set; llama.cpp's fingerprint table, whose last match wins, names the same
    /// vocabulary `joyai-llm` (the same pre-tokenizer in llama.cpp). All else is the converter's.
    func testDeepSeekVocabularyIsTheConvertersWithTheFingerprintsName() throws {
        let entries = try export(tokenizerFolder("deepseek"), modelType: "qwen2_moe", vocabSize: 0)
        assertWritesTheConverters(entries, try GGUFFixtures.file("deepseek"),
                                  expectedDifferences: ["tokenizer.ggml.pre": .string("joyai-llm")], "deepseek")
    }

    /// A lone `ByteLevel` pre-tokenizer, which no published fingerprint of this vocabulary
    /// knows, is llama.cpp's `gpt-2`; the converter writes all else as for qwen.
    func testLoneByteLevelPreTokenizerIsGPT2() throws {
        let entries = try export(try qwenVariantFolder(preTokenizer: gpt2ByteLevel), modelType: "qwen2", vocabSize: 0)
        assertWritesTheConverters(entries, try GGUFFixtures.file("qwen"),
                                  expectedDifferences: ["tokenizer.ggml.pre": .string("gpt-2")], "gpt-2")
    }

    /// A pre-tokenizer neither the fingerprint table nor the configuration rule knows is
    /// skipped, as llama.cpp's converter refuses it: here GPT-2's `ByteLevel` inside a
    /// Sequence, which splits as the lone one but is not the configuration rule's shape.
    func testUnknownPreTokenizerIsSkipped() throws {
        let folder = try qwenVariantFolder(preTokenizer: ["type": "Sequence", "pretokenizers": [gpt2ByteLevel]])
        guard case .failure(let reason) = try GGUFExportVocabulary.metadata(folder: folder, modelType: "qwen2", vocabSize: 0) else {
            return XCTFail("exported a vocabulary llama.cpp does not know")
        }
        XCTAssertTrue(reason.description.hasPrefix("llama.cpp does not know this pre-tokenizer (fingerprint "), reason.description)
    }

    /// Rows of the model beyond the vocabulary are written as unused `[PADn]` tokens.
    func testRowsBeyondTheVocabularyArePadded() throws {
        let reference = try GGUFFixtures.file("qwen")
        let count = try XCTUnwrap(reference.stringArray("tokenizer.ggml.tokens")).count
        let entries = try export(tokenizerFolder("qwen"), modelType: "qwen2", vocabSize: count + 2)
        func last2(_ key: String) throws -> [GGUFValue] {
            Array(try XCTUnwrap(entries.first { $0.key == key }?.value.arrayValue).suffix(2))
        }
        XCTAssertEqual(try last2("tokenizer.ggml.tokens"), [.string("[PAD\(count)]"), .string("[PAD\(count + 1)]")])
        XCTAssertEqual(try last2("tokenizer.ggml.token_type"), [.int32(5), .int32(5)])
    }

    /// SentencePiece-style BPE (`_set_vocab_llama_hf`) of a Mixtral folder of 32000 rows, in the
    /// Prepend+Replace and the Metaspace form: every key and value of the converter's output
    /// but the scores, which rank merges instead of the converter's -1000 placeholder.
    func testSentencePieceVocabularyIsTheConvertersButScores() throws {
        let reference = try GGUFFixtures.file("mixtral-llama-hf")
        for variant in ["mixtral", "mixtral-metaspace"] {
            let entries = try export(tokenizerFolder(variant), modelType: "mixtral", vocabSize: 32000)
            let scores = try XCTUnwrap(entries.first { $0.key == "tokenizer.ggml.scores" }?.value)
            assertWritesTheConverters(entries, reference, expectedDifferences: ["tokenizer.ggml.scores": scores], variant)
            XCTAssertEqual(Set(try XCTUnwrap(reference.floatArray("tokenizer.ggml.scores"))), [-1000])
        }
    }

    /// A token scores minus the rank of the first merge making it; tokens no merge makes
    /// score minus the number of merges. Merges may be strings or pairs.
    func testSentencePieceScoresRankMerges() {
        let tokens = ["a", "b", "c", "ab", "abc", "bc"]
        let expected: [Float] = [-4, -4, -4, 0, -1, -2]
        XCTAssertEqual(GGUFExportVocabularyLlama.scores(of: tokens, merges: ["a b", "ab c", "b c", "a bc"]), expected)
        XCTAssertEqual(GGUFExportVocabularyLlama.scores(of: tokens, merges: [["a", "b"], ["ab", "c"], ["b", "c"], ["a", "bc"]]), expected)
    }

    /// llama.cpp's converter reads a SentencePiece-style tokenizer.json only for llama-family
    /// models, and no other tokenizer model than BPE.
    func testOtherVocabulariesAreSkippedWithTheReason() throws {
        let result = try GGUFExportVocabulary.metadata(folder: tokenizerFolder("mixtral"), modelType: "qwen2", vocabSize: 32000)
        guard case .failure(let reason) = result else { return XCTFail("a qwen2 model got a SentencePiece-style vocabulary") }
        XCTAssertTrue(reason.description.hasSuffix("only for llama-family models, not qwen2"), reason.description)
        let unigram = try folder(tokenizer: ["model": ["type": "Unigram", "vocab": [["<unk>", 0.0]]]])
        guard case .failure(let other) = try GGUFExportVocabulary.metadata(folder: unigram, modelType: "llama", vocabSize: 1) else {
            return XCTFail("a Unigram tokenizer got a vocabulary")
        }
        XCTAssertTrue(other.description.hasPrefix("tokenizer.json is neither a byte-level BPE"), other.description)
    }

    /// gguf-py's token tests and merge strings.
    func testTokenClassificationAndMergeStrings() {
        XCTAssertTrue(GGUFExportVocabularyLlama.isByteToken("<0x0A>"))
        XCTAssertFalse(GGUFExportVocabularyLlama.isByteToken("<0x0G>"))
        XCTAssertFalse(GGUFExportVocabularyLlama.isByteToken("<0x0A0>"))
        for special in ["<pad>", "<|im_end|>", "<｜end▁of▁sentence｜>", "<unused12>"] {
            XCTAssertTrue(GGUFExportVocabularyBPE.looksSpecial(special), special)
        }
        XCTAssertFalse(GGUFExportVocabularyBPE.looksSpecial("<s>"))
        XCTAssertEqual(GGUFExportVocabularyBPE.mergeStrings([["a b", "c"], ["Ġ", "d"]]), ["a\u{120}b c", "Ġ d"])
        XCTAssertEqual(GGUFExportVocabularyBPE.mergeStrings(["a b"]), ["a b"])
    }

    /// Byte order marks inside the JSON are escaped (Foundation on Linux drops them from
    /// strings); a leading one is left for the parser.
    func testByteOrderMarksInsideJSONAreEscaped() throws {
        let mark = "\u{FEFF}"
        let escaped = GGUFExportVocabulary.escapingByteOrderMarks(Data("\(mark){\"\(mark)\": 1}".utf8))
        XCTAssertEqual(String(decoding: escaped, as: UTF8.self), "\(mark){\"\\ufeff\": 1}")
    }
}
