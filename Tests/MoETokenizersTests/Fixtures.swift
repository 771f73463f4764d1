import Foundation
@testable import MoETokenizers

/// The vocabularies and references scripts/make_tokenizer_fixtures.py made with Hugging Face
/// `tokenizers`, loaded once per test process.
enum Fixtures {
    /// The vocabulary folders under Tests/Fixtures/tokenizers.
    static let names = ["mixtral", "mixtral-metaspace", "deepseek", "qwen"]

    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("tokenizers")

    /// What HF produced for one corpus string.
    struct Reference: Decodable {
        let ids: [Int]
        let ids_special: [Int]
        let decoded: String
        let decoded_skip: String
        let decoded_plain: String
    }

    /// The corpus strings (the last three are ~100 KB texts).
    static let corpus: [String] = {
        guard let data = try? Data(contentsOf: root.appendingPathComponent("corpus.json")),
              let strings = try? JSONDecoder().decode([String].self, from: data) else { return [] }
        return strings
    }()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var tokenizers: [String: Tokenizer] = [:]

    /// The tokenizer of a fixture folder (cached).
    static func tokenizer(_ name: String) throws -> Tokenizer {
        lock.lock()
        defer { lock.unlock() }
        if let t = tokenizers[name] { return t }
        let t = try Tokenizer(folder: root.appendingPathComponent(name).path)
        tokenizers[name] = t
        return t
    }

    /// The references of a fixture folder, one per corpus string.
    static func references(_ name: String) throws -> [Reference] {
        let data = try Data(contentsOf: root.appendingPathComponent(name).appendingPathComponent("reference.json"))
        return try JSONDecoder().decode([Reference].self, from: data)
    }
}
