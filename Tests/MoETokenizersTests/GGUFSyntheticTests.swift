import Foundation
import MoEFormats
import XCTest
@testable import MoETokenizers

/// Small hand-made GGUF vocabularies: the options the fixtures do not cover, malformed files
/// (clear errors, never a crash).
final class GGUFSyntheticTests: XCTestCase {
    typealias Metadata = [(key: String, value: GGUFValue)]

    static func strings(_ items: [String]) -> GGUFValue { .array(.string, items.map { .string($0) }) }
    static func ints(_ items: [Int32]) -> GGUFValue { .array(.int32, items.map { .int32($0) }) }
    static func floats(_ items: [Float]) -> GGUFValue { .array(.float32, items.map { .float32($0) }) }

    /// A byte-level vocabulary: "ab" and "Ġab" by two merges, a control token, an unused filler.
    static let gpt2: Metadata = [
        ("tokenizer.ggml.model", .string("gpt2")),
        ("tokenizer.ggml.pre", .string("gpt-2")),
        ("tokenizer.ggml.tokens", strings(["a", "b", "ab", "Ġ", "Ġab", "<|end|>", "[PAD6]"])),
        ("tokenizer.ggml.token_type", ints([1, 1, 1, 1, 1, 3, 5])),
        ("tokenizer.ggml.merges", strings(["a b", "Ġ ab"])),
        ("tokenizer.ggml.eos_token_id", .uint32(5)),
    ]

    /// A SentencePiece vocabulary: "ab" and "▁ab" implied by the scores, one byte token.
    static let llama: Metadata = [
        ("tokenizer.ggml.model", .string("llama")),
        ("tokenizer.ggml.pre", .string("default")),
        ("tokenizer.ggml.tokens", strings(["<unk>", "<s>", "</s>", "▁", "a", "b", "ab", "▁ab", "<0x43>", "<tool>"])),
        ("tokenizer.ggml.scores", floats([0, 0, 0, -1, -2, -3, -4, -5, 0, 0])),
        ("tokenizer.ggml.token_type", ints([2, 3, 3, 1, 1, 1, 1, 1, 6, 4])),
        ("tokenizer.ggml.bos_token_id", .uint32(1)),
        ("tokenizer.ggml.eos_token_id", .uint32(2)),
        ("tokenizer.ggml.unknown_token_id", .uint32(0)),
    ]

    func file(_ metadata: Metadata) throws -> GGUFFile {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("gguf-vocab-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try GGUFWriter.write(metadata: metadata, tensors: [], to: url.path)
        return try GGUFFile(contents: [UInt8](try Data(contentsOf: url)), name: "test.gguf")
    }

    func tokenizer(_ metadata: Metadata) throws -> Tokenizer {
        try Tokenizer(gguf: try file(metadata))
    }

    func with(_ base: Metadata, _ key: String, _ value: GGUFValue?) -> Metadata {
        var m = base.filter { $0.key != key }
        if let value { m.append((key, value)) }
        return m
    }

    func error(_ metadata: Metadata, file: StaticString = #filePath, line: UInt = #line) throws -> TokenizerError? {
        let gguf = try self.file(metadata)
        do {
            _ = try Tokenizer(gguf: gguf)
            XCTFail("loaded", file: file, line: line)
            return nil
        } catch let error as TokenizerError {
            return error
        }
    }

    func testByteLevel() throws {
        let t = try tokenizer(Self.gpt2)
        XCTAssertEqual(t.encode("ab ab<|end|>"), [2, 4, 5])
        XCTAssertEqual(t.encode("ab", addSpecialTokens: true), [2])
        XCTAssertEqual(t.decode([2, 4, 5]), "ab ab<|end|>")
        XCTAssertEqual(t.decode([2, 4, 5], skipSpecialTokens: true), "ab ab")
        XCTAssertNil(t.token(for: 6))
        XCTAssertEqual(t.vocabularySize, 7)
        XCTAssertEqual(t.eosTokenIDs, [5])
        let withEOS = try tokenizer(with(Self.gpt2, "tokenizer.ggml.add_eos_token", .bool(true)))
        XCTAssertEqual(withEOS.encode("ab", addSpecialTokens: true), [2, 5])
    }

    func testSentencePiece() throws {
        let t = try tokenizer(Self.llama)
        XCTAssertEqual(t.encode("ab ab"), [7, 7])
        XCTAssertEqual(t.encode("ab", addSpecialTokens: true), [1, 7])
        XCTAssertEqual(t.encode("C"), [3, 8])
        XCTAssertEqual(t.encode("DD"), [3, 0])
        XCTAssertEqual(t.encode("a<tool>b"), [3, 4, 9, 3, 5])
        // As tokenizer.json's decoders: Strip removes the prefix space only at the start of the text.
        XCTAssertEqual(t.decode([1, 7, 7, 3, 8]), "<s> ab ab C")
        XCTAssertEqual(t.decode([7, 7, 3, 8]), "ab ab C")
        XCTAssertEqual(t.decode([1, 7, 7], skipSpecialTokens: true), "ab ab")
        XCTAssertFalse(t.isSpecial(9))
        let noPrefix = try tokenizer(with(Self.llama, "tokenizer.ggml.add_space_prefix", .bool(false)))
        XCTAssertEqual(noPrefix.encode("ab ab"), [6, 7])
        XCTAssertEqual(noPrefix.decode([6, 7]), "ab ab")
        let both = try tokenizer(with(with(Self.llama, "tokenizer.ggml.add_eos_token", .bool(true)),
                                      "tokenizer.ggml.add_bos_token", .bool(false)))
        XCTAssertEqual(both.encode("ab", addSpecialTokens: true), [7, 2])
    }

    /// The derived merges follow the score order, not the id order.
    func testSentencePieceMergesFollowScores() throws {
        let tokens = ["▁", "a", "b", "c", "ab", "bc"]
        let scores: [Float] = [0, 0, 0, 0, -9, -1]
        let t = try tokenizer(with(with(Self.llama, "tokenizer.ggml.tokens", Self.strings(tokens)),
                                   "tokenizer.ggml.scores", Self.floats(scores))
            .filter { !["tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                        "tokenizer.ggml.unknown_token_id"].contains($0.key) })
        XCTAssertEqual(t.encode("abc"), [0, 1, 5])
    }

    /// A huge token costs time in proportion to its length, not its square.
    func testHugeSentencePieceToken() throws {
        let huge = String(repeating: "ab", count: 100_000)
        let t = try tokenizer(with(with(Self.llama, "tokenizer.ggml.tokens", Self.strings(["<unk>", "a", "b", "ab", huge])),
                                   "tokenizer.ggml.scores", Self.floats([0, 0, 0, -1, -2]))
            .filter { !["tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"].contains($0.key) })
        XCTAssertEqual(t.encode("abab"), [0, 3, 3])
    }

    func testPreTokenizerNames() throws {
        for name in GGUFPreTokenizerSetup.names {
            XCTAssertNoThrow(try tokenizer(with(Self.gpt2, "tokenizer.ggml.pre", .string(name))), name)
        }
        XCTAssertEqual(try error(with(Self.gpt2, "tokenizer.ggml.pre", .string("default")))?.description.contains("'default'"), true)
        XCTAssertEqual(try error(with(Self.gpt2, "tokenizer.ggml.pre", nil))?.description.contains("'<missing>'"), true)
    }

    func testErrorsNameTheKey() throws {
        let cases: [(Metadata, String)] = [
            (with(Self.gpt2, "tokenizer.ggml.model", nil), "tokenizer.ggml.model"),
            (with(Self.gpt2, "tokenizer.ggml.tokens", Self.ints([1, 2])), "tokenizer.ggml.tokens"),
            (with(Self.gpt2, "tokenizer.ggml.tokens", Self.strings([])), "tokenizer.ggml.tokens"),
            (with(Self.gpt2, "tokenizer.ggml.token_type", Self.ints([1, 1])), "tokenizer.ggml.token_type"),
            (with(Self.gpt2, "tokenizer.ggml.token_type", Self.ints([1, 1, 1, 1, 1, 9, 1])), "tokenizer.ggml.token_type"),
            (with(Self.gpt2, "tokenizer.ggml.merges", nil), "tokenizer.ggml.merges"),
            (with(Self.gpt2, "tokenizer.ggml.merges", Self.strings(["ab"])), "tokenizer.ggml.merges[0]"),
            (with(Self.gpt2, "tokenizer.ggml.merges", Self.strings(["a b", "a c"])), "tokenizer.ggml.merges[1]"),
            (with(Self.gpt2, "tokenizer.ggml.merges", Self.strings(["a [PAD6]"])), "tokenizer.ggml.merges[0]"),
            (with(Self.gpt2, "tokenizer.ggml.eos_token_id", .uint32(7)), "tokenizer.ggml.eos_token_id"),
            (with(Self.gpt2, "tokenizer.ggml.bos_token_id", .int32(-1)), "tokenizer.ggml.bos_token_id"),
            (with(Self.gpt2, "tokenizer.ggml.padding_token_id", .string("0")), "tokenizer.ggml.padding_token_id"),
            (with(Self.gpt2, "tokenizer.ggml.add_bos_token", .uint8(1)), "tokenizer.ggml.add_bos_token"),
            (with(Self.gpt2, "tokenizer.chat_template", .uint8(1)), "tokenizer.chat_template"),
            (with(Self.llama, "tokenizer.ggml.scores", nil), "tokenizer.ggml.scores"),
            (with(Self.llama, "tokenizer.ggml.scores", Self.floats([0])), "tokenizer.ggml.scores"),
            (with(Self.llama, "tokenizer.ggml.scores", Self.floats([0, 0, 0, 0, .nan, 0, 0, 0, 0, 0])), "tokenizer.ggml.scores"),
        ]
        for (metadata, key) in cases {
            guard let e = try error(metadata) else { continue }
            guard case .invalidField(let file, let field, _) = e else {
                XCTFail("\(key): \(e)")
                continue
            }
            XCTAssertEqual(file, "test.gguf")
            XCTAssertEqual(field, key)
        }
        XCTAssertEqual(try error(with(Self.gpt2, "tokenizer.ggml.model", .string("bert"))),
                       .unsupported(component: "GGUF tokenizer model (tokenizer.ggml.model)", type: "bert"))
    }

    /// Random damage to valid vocabularies: loading throws or gives a working tokenizer.
    func testDamagedFilesNeverCrash() throws {
        var rng = SplitMix64(seed: 42)
        let values: [GGUFValue] = [
            .string(""), .string("a b"), .string("gpt2"), .string("llama"), .uint32(0), .uint32(3), .int32(-5),
            .uint64(UInt64.max), .bool(true), .float32(.nan), Self.strings([]), Self.strings(["", "a", " "]),
            Self.strings(["a b", "b a", "Ġ Ġ", " "]), Self.ints([0, 6, 7, -1]), Self.floats([.infinity, 0]),
            .array(.float32, []), Self.strings(["<0x41>", "", "▁", "▁▁", "▁▁▁", "\u{FFFD}", "<|end|>"]),
        ]
        let keys = Set((Self.gpt2 + Self.llama).map(\.key)).sorted() + ["tokenizer.ggml.add_space_prefix"]
        var loaded = 0
        for round in 0..<300 {
            var metadata = round % 2 == 0 ? Self.gpt2 : Self.llama
            for _ in 0..<(1 + rng.next() % 3) {
                let key = keys[Int(rng.next() % UInt64(keys.count))]
                let value = rng.next() % 5 == 0 ? nil : values[Int(rng.next() % UInt64(values.count))]
                metadata = with(metadata, key, value)
            }
            guard let t = try? tokenizer(metadata) else { continue }
            loaded += 1
            let ids = t.encode(" ab<|end|>CD\u{00E9}", addSpecialTokens: true)
            _ = t.decode(ids + [-1, 1 << 30], skipSpecialTokens: round % 3 == 0)
        }
        XCTAssertGreaterThan(loaded, 0)
    }
}
