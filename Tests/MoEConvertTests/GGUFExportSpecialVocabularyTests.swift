@testable import MoEConvert
import MoEFormats
import XCTest

/// The special token ids, `add_*_token` flags and chat template, read as gguf-py's
/// `SpecialVocab` reads tokenizer.json, tokenizer_config.json and config.json.
final class GGUFExportSpecialVocabularyTests: XCTestCase {
    /// The metadata for the given files, with chat template "T".
    func metadata(tokenizer: [String: Any], config: [String: Any]?, modelConfig: [String: Any] = [:],
                  tokenCount: Int = 10) -> [(key: String, value: GGUFValue)] {
        GGUFExportSpecialVocabulary(tokenizer: tokenizer, config: config, modelConfig: modelConfig, tokenCount: tokenCount)
            .metadata(chatTemplate: "T")
    }

    /// Asserts `actual` has the keys and values of `expected`, in its order.
    func assertEntries(_ actual: [(key: String, value: GGUFValue)], _ expected: [(String, GGUFValue)],
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.map(\.key), expected.map(\.0), file: file, line: line)
        XCTAssertEqual(actual.map(\.value), expected.map(\.1), file: file, line: line)
    }

    /// RoBERTa's post-processor adds BOS, EOS and SEP; its `sep` token becomes the
    /// separator, found among the added tokens.
    func testRobertaProcessingAddsBOSEOSAndSEP() {
        let tokenizer: [String: Any] = [
            "added_tokens": [["id": 0, "content": "<s>"], ["id": 2, "content": "</s>"]],
            "post_processor": ["type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0]],
        ]
        let entries = metadata(tokenizer: tokenizer, config: ["bos_token": "<s>", "eos_token": "</s>"])
        assertEntries(entries, [
            ("tokenizer.ggml.bos_token_id", .uint32(0)), ("tokenizer.ggml.eos_token_id", .uint32(2)),
            ("tokenizer.ggml.seperator_token_id", .uint32(2)), ("tokenizer.ggml.add_bos_token", .bool(true)),
            ("tokenizer.ggml.add_eos_token", .bool(true)), ("tokenizer.ggml.add_sep_token", .bool(true)),
            ("tokenizer.chat_template", .string("T")),
        ])
    }

    /// Without tokenizer_config.json, a template's first and last special tokens are BOS and
    /// EOS (both added); the ids come from config.json, then its `text_config`, and ids past
    /// the written tokens are dropped; no chat template is written.
    func testWithoutTokenizerConfigIDsComeFromConfigJSON() {
        let tokenizer: [String: Any] = [
            "post_processor": ["type": "TemplateProcessing", "single": [
                ["SpecialToken": ["id": "<s>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]],
                ["SpecialToken": ["id": "</s>", "type_id": 0]],
            ]],
        ]
        let modelConfig: [String: Any] = ["bos_token_id": 1, "eos_token_id": 2, "unk_token_id": 99, "text_config": ["pad_token_id": 0]]
        assertEntries(metadata(tokenizer: tokenizer, config: nil, modelConfig: modelConfig), [
            ("tokenizer.ggml.bos_token_id", .uint32(1)), ("tokenizer.ggml.eos_token_id", .uint32(2)),
            ("tokenizer.ggml.padding_token_id", .uint32(0)), ("tokenizer.ggml.add_bos_token", .bool(true)),
            ("tokenizer.ggml.add_eos_token", .bool(true)),
        ])
    }

    /// A template ending on another token than tokenizer_config.json's EOS makes that token
    /// EOS and the configured one end-of-turn.
    func testTemplateEndingOnAnotherTokenMakesTheConfiguredEOSEndOfTurn() {
        let tokenizer: [String: Any] = [
            "added_tokens": [["id": 5, "content": "<|end|>"], ["id": 6, "content": "<|eot|>"]],
            "post_processor": ["type": "TemplateProcessing", "single": [
                ["Sequence": ["id": "A", "type_id": 0]], ["SpecialToken": ["id": "<|eot|>", "type_id": 0]],
            ]],
        ]
        assertEntries(metadata(tokenizer: tokenizer, config: ["eos_token": "<|end|>"]), [
            ("tokenizer.ggml.eos_token_id", .uint32(6)), ("tokenizer.ggml.eot_token_id", .uint32(5)),
            ("tokenizer.ggml.add_eos_token", .bool(true)), ("tokenizer.chat_template", .string("T")),
        ])
    }
}
