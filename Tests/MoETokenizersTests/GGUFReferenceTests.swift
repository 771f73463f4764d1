import Foundation
import XCTest
import MoEFormats
import MoETestFixtures
@testable import MoETokenizers

/// GGUF vocabularies written by llama.cpp's converter, encoding and decoding the corpus as
/// Hugging Face `tokenizers` does with the tokenizer.json they were converted from.
final class GGUFReferenceTests: XCTestCase {
    /// Indices of the corpus strings whose encoding differs, and the same per decode kind.
    struct Differences: Equatable {
        var ids: [Int] = []
        var special: [Int] = []
        var decoded: [Int] = []
        var decodedSkip: [Int] = []
        var decodedPlain: [Int] = []
    }

    func differences(_ name: String) throws -> Differences {
        let tokenizer = try GGUFFixtures.tokenizer(name)
        let references = try Fixtures.references(name)
        let corpus = Fixtures.corpus
        XCTAssertEqual(references.count, corpus.count)
        XCTAssertGreaterThan(corpus.count, 200)
        var d = Differences()
        for (index, (text, ref)) in zip(corpus, references).enumerated() {
            if tokenizer.encode(text) != ref.ids { d.ids.append(index) }
            if tokenizer.decode(ref.ids_special) != ref.decoded { d.decoded.append(index) }
            if text.utf8.count > 20_000 { continue }
            if tokenizer.encode(text, addSpecialTokens: true) != ref.ids_special { d.special.append(index) }
            if tokenizer.decode(ref.ids_special, skipSpecialTokens: true) != ref.decoded_skip { d.decodedSkip.append(index) }
            if tokenizer.decode(ref.ids) != ref.decoded_plain { d.decodedPlain.append(index) }
        }
        return d
    }

    func testQwen() throws { XCTAssertEqual(try differences("qwen"), Differences()) }
    func testDeepSeek() throws { XCTAssertEqual(try differences("deepseek"), Differences()) }
    func testMixtral() throws { XCTAssertEqual(try differences("mixtral"), Differences()) }
}

/// The Llama 3 and GPT-2 pre-tokenizer names: qwen.gguf with its `tokenizer.ggml.pre`
/// rewritten (all the converter writes differently for those tokenizer.json files) against
/// Hugging Face's ids for the qwen vocabulary with those families' pre-tokenizers.
final class GGUFPreTokenizerReferenceTests: XCTestCase {
    func check(_ pre: String) throws {
        let qwen = try GGUFFixtures.file("qwen")
        let metadata = qwen.metadataKeys.compactMap { key in
            qwen.metadata[key].map { (key: key, value: key == "tokenizer.ggml.pre" ? GGUFValue.string(pre) : $0) }
        }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("gguf-vocab-\(ProcessInfo.processInfo.processIdentifier)-\(pre).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try GGUFWriter.write(metadata: metadata, tensors: [], to: url.path)
        let tokenizer = try Tokenizer(gguf: try GGUFFile(path: url.path))
        let expected = try JSONDecoder().decode(
            [[Int]].self, from: Data(try GGUFFixtures.gunzip(GGUFFixtures.root.appendingPathComponent("qwen-\(pre).ids.json.gz"))))
        let corpus = Fixtures.corpus
        XCTAssertEqual(expected.count, corpus.count)
        let differing = zip(corpus, expected).enumerated().filter { tokenizer.encode($0.element.0) != $0.element.1 }.map(\.offset)
        XCTAssertEqual(differing, [], pre)
    }

    func testLlama3() throws { try check("llama-bpe") }
    func testGPT2() throws { try check("gpt-2") }
}
