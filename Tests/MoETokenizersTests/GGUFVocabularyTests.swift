import Foundation
import MoETestFixtures
import XCTest
@testable import MoETokenizers

/// What a GGUF vocabulary carries besides the encoding: special ids, added tokens, template;
/// compared with the tokenizer.json the file was converted from.
final class GGUFVocabularyTests: XCTestCase {
    func pair(_ name: String) throws -> (gguf: Tokenizer, hf: Tokenizer) {
        (try GGUFFixtures.tokenizer(name), try Fixtures.tokenizer(name))
    }

    func testSameTokensIDsAndSettingsAsTokenizerJSON() throws {
        for name in ["qwen", "deepseek", "mixtral"] {
            let (gguf, hf) = try pair(name)
            XCTAssertEqual(gguf.vocabularySize, hf.vocabularySize, name)
            XCTAssertEqual(gguf.addedTokens.map(\.id), hf.addedTokens.map(\.id), name)
            XCTAssertEqual(gguf.addedTokens.map(\.content), hf.addedTokens.map(\.content), name)
            let differing = (0..<hf.vocabularySize).filter { id in
                guard let token = hf.token(for: id) else { return gguf.token(for: id) != nil }
                return gguf.token(for: id) != token || gguf.id(for: token) != id
            }
            XCTAssertEqual(differing, [], name)
            XCTAssertEqual(gguf.bosTokenID, hf.bosTokenID, name)
            XCTAssertEqual(gguf.eosTokenIDs, hf.eosTokenIDs, name)
            XCTAssertEqual(gguf.chatTemplate, hf.chatTemplate, name)
        }
    }

    func testSpecialIDsAndTemplate() throws {
        let qwen = try GGUFFixtures.tokenizer("qwen")
        XCTAssertNil(qwen.bosTokenID)
        XCTAssertEqual(qwen.eosTokenIDs, [151645])
        XCTAssertEqual(qwen.eosToken, "<|im_end|>")
        XCTAssertEqual(qwen.paddingTokenID, 151643)
        XCTAssertEqual(qwen.chatTemplate?.hasPrefix("{% for message in messages %}"), true)
        let mixtral = try GGUFFixtures.tokenizer("mixtral")
        XCTAssertEqual(mixtral.bosTokenID, 1)
        XCTAssertEqual(mixtral.bosToken, "<s>")
        XCTAssertEqual(mixtral.eosTokenIDs, [2])
        XCTAssertNil(mixtral.paddingTokenID)
        XCTAssertNil(mixtral.chatTemplate)
        XCTAssertEqual(mixtral.encode("Hello", addSpecialTokens: true).first, 1)
        let deepseek = try GGUFFixtures.tokenizer("deepseek")
        XCTAssertEqual(deepseek.paddingTokenID, 1)
    }

    /// llama.cpp's converter marks added tokens that look special ("<|…|>", "<｜…｜>") as control
    /// tokens even where tokenizer.json says `special: false`; GGUF has no other way to say it,
    /// so `decode(_:skipSpecialTokens: true)` drops them. Every other id agrees.
    func testSpecialFlagsDifferOnlyWhereTheConverterReclassifies() throws {
        let (gguf, hf) = try pair("deepseek")
        func looksSpecial(_ s: String) -> Bool {
            (s.hasPrefix("<|") && s.hasSuffix("|>")) || (s.hasPrefix("<｜") && s.hasSuffix("｜>"))
        }
        let differing = (0..<hf.vocabularySize).filter { gguf.isSpecial($0) != hf.isSpecial($0) }
        let reclassified = hf.addedTokens.filter { !$0.special && looksSpecial($0.content) }.map(\.id)
        XCTAssertEqual(differing, reclassified)
        XCTAssertEqual(differing.count, 47)
        for name in ["qwen", "mixtral"] {
            let (g, h) = try pair(name)
            XCTAssertTrue((0..<h.vocabularySize).allSatisfy { g.isSpecial($0) == h.isSpecial($0) }, name)
        }
    }

    /// GGUF has no equivalent of transformers' `legacy=False` (Metaspace, prepend_scheme
    /// "first"): a `llama` vocabulary encodes as the legacy tokenizer.json does, as llama.cpp
    /// does. It differs from the non-legacy one exactly where the two tokenizer.json differ.
    func testSentencePieceMatchesLegacyNotMetaspace() throws {
        let gguf = try GGUFFixtures.tokenizer("mixtral")
        let legacy = try Fixtures.references("mixtral")
        let metaspace = try Fixtures.references("mixtral-metaspace")
        var differing: [Int] = []
        var expected: [Int] = []
        for (index, text) in Fixtures.corpus.enumerated() {
            if gguf.encode(text) != metaspace[index].ids { differing.append(index) }
            if legacy[index].ids != metaspace[index].ids { expected.append(index) }
        }
        XCTAssertEqual(differing, expected)
        XCTAssertEqual(differing.count, 60)
    }
}
