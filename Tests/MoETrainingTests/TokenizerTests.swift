import Foundation
@testable import MoETraining
import XCTest

/// The BPE trainer and encoder against Hugging Face `tokenizers`
/// (Tests/Fixtures/training/tokenizer, made by scripts/make_tokenizer_fixture.py).
final class TokenizerTests: XCTestCase {
    static let folder = PyTorchReferenceTests.root + "/tokenizer"

    func testTrainerReproducesTheCommittedTokenizerJSON() throws {
        let corpus = try String(contentsOfFile: Self.folder + "/corpus.txt", encoding: .utf8)
        let trained = BPETrainer.train(documents: [corpus], vocabSize: 400)
        let committed = try String(contentsOfFile: Self.folder + "/tokenizer.json", encoding: .utf8)
        XCTAssertEqual(TokenizerFiles.tokenizerJSON(trained), committed)
    }

    func testEncodingMatchesHuggingFace() throws {
        let tokenizer = try TokenizerFiles.read(Self.folder)
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/encodings.json"))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let samples = json["samples"] as? [[String: Any]] else { return XCTFail("malformed encodings.json") }
        XCTAssertGreaterThan(samples.count, 5)
        for sample in samples {
            guard let text = sample["text"] as? String, let ids = sample["ids"] as? [Int] else { return XCTFail("bad sample") }
            XCTAssertEqual(tokenizer.encode(text), ids, "encoding of \(text.prefix(40))")
            XCTAssertEqual(tokenizer.decode(ids), text)
        }
    }

    func testPreTokenizerFollowsTheGPT2Pattern() {
        XCTAssertEqual(ByteLevel.split("Hello   world's 12ab\n\n x").map(String.init),
                       ["Hello", "  ", " world", "'s", " 12", "ab", "\n\n", " x"])
    }
}
