import Foundation
import XCTest

/// `moe train` with shared experts, end to end: the written checkpoint is a Qwen2-MoE folder
/// that `moe forward` and `moe generate` load.
final class TrainCLITests: XCTestCase {
    static let training = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/training/tokenizer").path

    let cli = MoECLI()

    /// Sizes of a tiny run on the tokenizer fixture's corpus (vocabulary 400).
    private let tiny = ["--data", "\(training)/corpus.txt", "--tokenizer", "\(training)/tokenizer.json", "--steps", "2",
                        "--layers", "2", "--hidden", "32", "--heads", "4", "--kv-heads", "2", "--experts", "4", "--top-k", "2",
                        "--expert-hidden", "16", "--context", "16", "--batch", "2", "--warmup", "1", "--eval-every", "2",
                        "--eval-batches", "1", "--threads", "2", "--json"]

    private func lastJSONLine(_ out: String) throws -> [String: Any] {
        let line = try XCTUnwrap(out.split(separator: "\n").last)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testSharedExpertCheckpointLoadsInForwardAndGenerate() throws {
        let out = try cli.temporaryFolder(removedAfter: self)
        let train = try cli.run(["train", "--out", out, "--shared-experts", "1"] + tiny)
        XCTAssertEqual(train.status, 0, train.err)
        let summary = try lastJSONLine(train.out)
        XCTAssertEqual(summary["steps"] as? Int, 2)
        let config = try String(contentsOfFile: out + "/checkpoint/config.json", encoding: .utf8)
        XCTAssertTrue(config.contains("\"model_type\": \"qwen2_moe\""), config)
        XCTAssertTrue(config.contains("\"shared_expert_intermediate_size\": 16"), config)

        let forward = try cli.run(["forward", "--model", out + "/checkpoint", "--ids", "3,100,250,17", "--threads", "2"])
        XCTAssertEqual(forward.status, 0, forward.err)
        let logits = try XCTUnwrap(try lastJSONLine(forward.out)["logits"] as? [[Double]])
        XCTAssertEqual(logits.count, 4)
        XCTAssertEqual(logits.first?.count, 400)
        XCTAssertTrue(logits.allSatisfy { $0.allSatisfy(\.isFinite) })

        let generate = try cli.run(["generate", "--model", out + "/checkpoint", "--ids", "3,100", "--max-tokens", "3",
                                    "--ignore-eos", "--json"])
        XCTAssertEqual(generate.status, 0, generate.err)
        XCTAssertEqual((try lastJSONLine(generate.out)["ids"] as? [Int])?.count, 3)
    }

    /// The dense baseline's FFN is (top-k + shared) experts wide, so the two models' active
    /// parameters differ only by the router and the shared-expert gate: (experts + 1) x hidden
    /// per layer.
    func testCompareGivesTheDenseModelTheSharedExpertsActiveParameters() throws {
        let out = try cli.temporaryFolder(removedAfter: self)
        let r = try cli.run(["train", "--out", out, "--compare", "--shared-experts", "2"] + tiny)
        XCTAssertEqual(r.status, 0, r.err)
        let json = try lastJSONLine(r.out)
        let moe = try XCTUnwrap((json["moe"] as? [String: Any])?["active_parameters"] as? Int)
        let dense = try XCTUnwrap((json["dense"] as? [String: Any])?["active_parameters"] as? Int)
        XCTAssertEqual(moe - dense, 2 * (4 + 1) * 32)
    }

    func testResumeWarnsAboutTheOptionsItIgnores() throws {
        let out = try cli.temporaryFolder(removedAfter: self)
        let train = try cli.run(["train", "--out", out] + tiny)
        XCTAssertEqual(train.status, 0, train.err)
        let resumed = try cli.run(["train", "--out", out, "--data", "\(Self.training)/corpus.txt", "--resume", "--lr=0.5",
                                   "--layers", "3", "--threads", "2", "--lr", "0.1"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.err.contains("warning: --resume continues with the checkpoint's settings; ignoring --lr, --layers\n"),
                      resumed.err)
        XCTAssertFalse(resumed.out.contains("nan"), "a finished run reports its logged losses: \(resumed.out)")
        let quiet = try cli.run(["train", "--out", out, "--data", "\(Self.training)/corpus.txt", "--resume", "--threads", "2"])
        XCTAssertEqual(quiet.status, 0, quiet.err)
        XCTAssertFalse(quiet.err.contains("warning"), quiet.err)
    }

    func testNegativeSharedExpertsAreRejected() throws {
        let r = try cli.run(["train", "--out", try cli.temporaryFolder(removedAfter: self), "--shared-experts=-1"] + tiny)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("'--shared-experts <shared-experts>': expected an integer in 0...64"), r.err)
    }
}
