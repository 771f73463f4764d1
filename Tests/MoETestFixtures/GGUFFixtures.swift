import Foundation
import MoEFormats
import MoETokenizers

/// The vocabulary-only GGUF files scripts/make_gguf_vocab_fixtures.py wrote with llama.cpp's
/// converter (gzipped), loaded once per test process.
package enum GGUFFixtures {
    /// `Tests/Fixtures/gguf-vocab`.
    package static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("gguf-vocab")

    private static let lock = NSLock()
    nonisolated(unsafe) private static var files: [String: GGUFFile] = [:]
    nonisolated(unsafe) private static var tokenizers: [String: Tokenizer] = [:]

    /// The tokenizer of a fixture (cached).
    package static func tokenizer(_ name: String) throws -> Tokenizer {
        let f = try file(name)
        lock.lock()
        defer { lock.unlock() }
        if let t = tokenizers[name] { return t }
        let t = try Tokenizer(gguf: f)
        tokenizers[name] = t
        return t
    }

    /// The parsed GGUF file of a fixture (cached).
    package static func file(_ name: String) throws -> GGUFFile {
        lock.lock()
        defer { lock.unlock() }
        if let f = files[name] { return f }
        let f = try GGUFFile(contents: try gunzip(root.appendingPathComponent("\(name).gguf.gz")), name: "\(name).gguf")
        files[name] = f
        return f
    }

    /// The bytes of a gzip file, decompressed by the system's gzip.
    package static func gunzip(_ url: URL) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile) }
        return [UInt8](data)
    }
}
