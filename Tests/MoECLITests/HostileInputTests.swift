import Foundation
import XCTest

/// Bad invocations end with one `error: …` line and a non-zero status, never a crash or a hang;
/// huge values are bounded by the model's context.
final class HostileInputTests: XCTestCase {
    let cli = MoECLI()
    let model = CLITests.fixtures + "/mixtral-gqa"

    /// Asserts a clean failure: non-zero status, nothing on standard output, exactly one line on
    /// standard error starting with `error: ` and containing each of `parts`.
    func assertCleanError(_ arguments: [String], _ parts: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try cli.run(arguments)
        XCTAssertNotEqual(r.status, 0, "\(arguments)", file: file, line: line)
        XCTAssertTrue(r.out.isEmpty, r.out, file: file, line: line)
        let lines = r.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(arguments): \(r.err)", file: file, line: line)
        XCTAssertTrue(r.err.hasPrefix("error: "), r.err, file: file, line: line)
        for part in parts { XCTAssertTrue(r.err.contains(part), "\(arguments): '\(part)' not in \(r.err)", file: file, line: line) }
    }

    func testNegativeNumbersAreReadAsValuesAndRangesAreNamed() throws {
        try assertCleanError(["generate", "--model", model, "--ids", "-1"], ["--ids", "non-negative", "'-1'"])
        try assertCleanError(["generate", "--model", model, "--ids", "1", "--temperature", "-1"], ["--temperature", ">= 0"])
        try assertCleanError(["generate", "--model", model, "--ids", "1", "--top-p", "nan"], ["--top-p", "<= 1"])
        try assertCleanError(["generate", "--model", model, "--ids", "1", "--max-tokens", "-3"], ["--max-tokens", ">= 0"])
        try assertCleanError(["generate", "--model", model, "--ids", "1", "--seed", "-1"], ["--seed", "18446744073709551615"])
        try assertCleanError(["forward", "--model", model, "--ids", "1", "--threads", "0"], ["--threads", "1...1024"])
        try assertCleanError(["chat", "--model", model, "--context", "-5"], ["--context", ">= 1"])
        try assertCleanError(["inspect", model, "--context", "0"], ["--context"])
    }

    func testGenerationStopsAtTheModelsContext() throws {
        let r = try cli.run(["generate", "--model", model, "--ids", "1,2,3", "--max-tokens", "\(Int.max)", "--ignore-eos", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual((json["ids"] as? [Int])?.count, 128 - 3, "prompt and reply fill max_position_embeddings")
        XCTAssertEqual(json["finish_reason"] as? String, "length")
        XCTAssertTrue(r.err.contains("context of 128 tokens"), r.err)
        let ids = (0..<129).map(String.init).joined(separator: ",")
        try assertCleanError(["generate", "--model", model, "--ids", ids], ["129 tokens", "context of 128"])
        try assertCleanError(["forward", "--model", model, "--ids", ids], ["129 tokens", "context of 128"])
    }

    func testHugeContextDoesNotTrap() throws {
        let r = try cli.run(["inspect", model, "--context", "\(Int.max)"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.hasPrefix("error: --context"), r.err)
    }

    func testFileErrorsNameThePathAndAPlainReason() throws {
        let folder = try cli.temporaryFolder(removedAfter: self)
        try assertCleanError(["chat-template", "--model", CLITests.chatModel, "--messages", folder + "/absent.json"],
                             [folder + "/absent.json", "no such file or directory"])
        try Data("[{\"role\": \"user\",\n \"content\": }]".utf8).write(to: URL(fileURLWithPath: folder + "/bad.json"))
        try assertCleanError(["chat-template", "--model", CLITests.chatModel, "--messages", folder + "/bad.json"],
                             [folder + "/bad.json", "line 2, column"])
        try assertCleanError(["tokenize", "--model", CLITests.chatModel, "--file", folder], [folder, "not a regular file"])
        try assertCleanError(["inspect", "/nonexistent/model"], ["/nonexistent/model/config.json"])
        let gguf = CLITests.fixtures + "/../gguf-models/mixtral-gqa-f32.gguf"
        try assertCleanError(["tokenize", "--model", gguf, "--text", "hi"], [gguf, "no vocabulary"])
        try assertCleanError(["detokenize", "--model", gguf, "--ids", "1"], [gguf, "no vocabulary"])
        try assertCleanError(["forward", "--model", model, "--ids", "1", "--bogus"], ["unknown option '--bogus'"])
    }

    func testTrainingRejectsBadOptionsAndData() throws {
        let out = try cli.temporaryFolder(removedAfter: self)
        let data = TrainCLITests.training
        let base = ["train", "--out", out, "--data", "\(data)/corpus.txt", "--tokenizer", "\(data)/tokenizer.json", "--steps", "1"]
        try assertCleanError(base + ["--lr", "nan"], ["--lr", "> 0"])
        try assertCleanError(base + ["--grad-clip", "-1"], ["--grad-clip", ">= 0"])
        try assertCleanError(base + ["--capacity-factor", "0"], ["--capacity-factor", "> 0"])
        try assertCleanError(base + ["--experts", "0"], ["--experts", "1...1024"])
        try Data([0x61, 0x00, 0x62, 0xFF]).write(to: URL(fileURLWithPath: out + "/binary.txt"))
        try assertCleanError(["train", "--out", out, "--data", out + "/binary.txt", "--steps", "1"], [out + "/binary.txt", "binary"])
        try assertCleanError(["train", "--out", out + "/fresh", "--data", "\(data)/corpus.txt", "--resume"],
                             ["no checkpoint", out + "/fresh/checkpoint"])
    }

    /// A fifth of `scripts/hostile_inputs.py`'s cases (mutated fixtures, extreme options,
    /// special files, signals) against this build's `moe`.
    func testHostileInputSuiteQuickSubset() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/hostile_inputs.py").path, "--binary", cli.executable.path,
                             "--quick"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try XCTSkipIf(process.terminationStatus == 127, "python3 is not installed")
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.hasSuffix(" 0 crashes / 0 hangs\n"), text)
    }
}
