import Foundation
import XCTest
@testable import MoETokenizers

/// Malformed or unsupported tokenizer.json files fail with errors that say what is wrong.
final class ErrorTests: XCTestCase {
    /// A small valid byte-level tokenizer.json.
    static let small = #"""
    {"version":"1.0","added_tokens":[{"id":6,"content":"<s>","special":true,"normalized":false}],
     "normalizer":{"type":"NFC"},
     "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"use_regex":true},
     "post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],
       "special_tokens":{"<s>":{"id":"<s>","ids":[6],"tokens":["<s>"]}}},
     "decoder":{"type":"ByteLevel"},
     "model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"Ġ":3,"c":4,"Ġab":5},"merges":["a b",["Ġ","ab"]]}}
    """#

    func load(_ json: String) throws -> Tokenizer {
        try Tokenizer(tokenizerJSON: Data(json.utf8), configJSON: nil)
    }

    func error(_ json: String) -> TokenizerError? {
        do {
            _ = try load(json)
            return nil
        } catch {
            return error as? TokenizerError
        }
    }

    func replacing(_ old: String, _ new: String) -> String {
        XCTAssertTrue(ErrorTests.small.contains(old), old)
        return ErrorTests.small.replacingOccurrences(of: old, with: new)
    }

    func testSmallTokenizerWorks() throws {
        let t = try load(ErrorTests.small)
        XCTAssertEqual(t.encode("ab abc", addSpecialTokens: true), [6, 2, 5, 4])
        XCTAssertEqual(t.decode([6, 2, 5, 4]), "<s>ab abc")
        XCTAssertEqual(t.decode([6, 2, 5, 4], skipSpecialTokens: true), "ab abc")
        XCTAssertEqual(t.vocabularySize, 7)
        XCTAssertEqual(t.id(for: "<s>"), 6)
        XCTAssertEqual(t.token(for: 5), "Ġab")
        XCTAssertNil(t.token(for: 99))
    }

    func testUnsupportedModelTypesAreNamed() {
        for type in ["WordPiece", "Unigram", "WordLevel"] {
            XCTAssertEqual(error(replacing(#""type":"BPE""#, #""type":"\#(type)""#)),
                           .unsupported(component: "model", type: type))
        }
        XCTAssertTrue(error(replacing(#""type":"BPE""#, #""type":"Unigram""#))?.description.contains("Unigram") ?? false)
    }

    func testUnsupportedComponentsAreNamed() {
        XCTAssertEqual(error(replacing(#"{"type":"NFC"}"#, #"{"type":"Precompiled"}"#)),
                       .unsupported(component: "normalizer", type: "Precompiled"))
        XCTAssertEqual(error(replacing(#""type":"ByteLevel","add_prefix_space""#, #""type":"BertPreTokenizer","add_prefix_space""#)),
                       .unsupported(component: "pre-tokenizer", type: "BertPreTokenizer"))
        XCTAssertEqual(error(replacing(#""decoder":{"type":"ByteLevel"}"#, #""decoder":{"type":"WordPiece"}"#)),
                       .unsupported(component: "decoder", type: "WordPiece"))
        XCTAssertEqual(error(replacing(#""type":"TemplateProcessing""#, #""type":"Unknown""#)),
                       .unsupported(component: "post-processor", type: "Unknown"))
    }

    func testMalformedFilesNameTheField() {
        XCTAssertEqual(error("{"), .invalidJSON(file: "tokenizer.json", reason: "line 1, column 2: expected a string key"))
        XCTAssertEqual(error("[]"), .invalidField(file: "tokenizer.json", field: "(root)", expected: "an object"))
        XCTAssertEqual(error(replacing(#""vocab":{"a":0,"#, #""vocab":{"a":-1,"#)),
                       .invalidField(file: "tokenizer.json", field: "model.vocab.a", expected: "an id between 0 and 2^24"))
        XCTAssertEqual(error(replacing(#""vocab":{"a":0,"b":1,"ab":2,"Ġ":3,"c":4,"Ġab":5}"#, #""vocab":[]"#)),
                       .invalidField(file: "tokenizer.json", field: "model.vocab", expected: "an object"))
        XCTAssertEqual(error(replacing(#""a b""#, #""a x""#)),
                       .invalidField(file: "tokenizer.json", field: "model.merges.0",
                                     expected: "a merge of tokens in the vocabulary whose concatenation is in the vocabulary"))
        XCTAssertEqual(error(replacing(#""a b""#, #""a  b""#)),
                       .invalidField(file: "tokenizer.json", field: "model.merges.0",
                                     expected: "a merge: \"left right\" or [\"left\", \"right\"]"))
        XCTAssertEqual(error(replacing(#""content":"<s>""#, #""content":7"#)),
                       .invalidField(file: "tokenizer.json", field: "added_tokens[0].content", expected: "a string"))
        XCTAssertEqual(error(replacing(#""use_regex":true"#, #""use_regex":"yes""#)),
                       .invalidField(file: "tokenizer.json", field: "pre_tokenizer.use_regex", expected: "a boolean"))
    }

    func testFolderErrorsNameTheFileWithLineAndColumn() throws {
        let folder = NSTemporaryDirectory() + "tokenizer-errors-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(ErrorTests.small.utf8).write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
        try Data("{\"bos_token\": \"<s>\",\n \"eos_token\" \"</s>\"}".utf8).write(to: URL(fileURLWithPath: folder + "/tokenizer_config.json"))
        XCTAssertThrowsError(try Tokenizer(folder: folder)) { error in
            XCTAssertEqual("\(error)", "\(folder)/tokenizer_config.json: not valid JSON: line 2, column 14: expected ':'")
        }
        try Data("{\"bos_token\": \"<s>\"}".utf8).write(to: URL(fileURLWithPath: folder + "/tokenizer_config.json"))
        try Data("{\n\n\"model\": nul}".utf8).write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
        XCTAssertThrowsError(try Tokenizer(folder: folder)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(folder)/tokenizer.json: not valid JSON: line 3, column "), "\(error)")
        }
    }

    func testMissingFolderIsAnError() {
        XCTAssertThrowsError(try Tokenizer(folder: "/nonexistent/model")) { error in
            guard case TokenizerError.unreadableFile(let path, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix("tokenizer.json"))
        }
    }

    /// Seeded random byte mutations never crash the loader, and whatever loads encodes and decodes.
    func testMutationFuzzNeverCrashes() {
        var rng = SplitMix64(seed: 42)
        let base = Array(ErrorTests.small.utf8)
        let alphabet = Array(#"{}[]":,0123456789-.eE truefalsnul\"#.utf8)
        var loaded = 0
        for _ in 0..<4000 {
            var bytes = base
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 4 {
                case 0: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: i)
                case 2: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                default: bytes = Array(bytes[..<i])
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            guard let t = try? Tokenizer(tokenizerJSON: Data(bytes), configJSON: nil) else { continue }
            loaded += 1
            let ids = t.encode("ab abc <s> \u{1F600} x", addSpecialTokens: true)
            _ = t.decode(ids + [-1, 1 << 40])
            var stream = t.makeStreamingDetokenizer()
            for id in ids { _ = stream.append(id) }
            _ = stream.finish()
        }
        XCTAssertGreaterThan(loaded, 0)
    }
}

/// A small deterministic random generator for the fuzz test.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
