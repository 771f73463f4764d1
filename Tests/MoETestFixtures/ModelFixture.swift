import Foundation
import XCTest

/// A tiny checkpoint made by scripts/make_model_fixtures.py with transformers' float32
/// logits and greedy continuation.
package struct ModelFixture {
    /// Folder name, e.g. `mixtral-gqa`.
    package let name: String
    /// The model folder.
    package let folder: String
    /// `model_type` of the checkpoint.
    package let family: String
    /// `float32` or `bfloat16`.
    package let weightsDType: String
    /// How the routed experts are stored when it differs from `weightsDType` (`mxfp4`), else nil.
    package let expertsDType: String?
    /// The ids the logits were computed for.
    package let inputIDs: [Int]
    /// transformers' logits, `(inputIDs.count, vocab)`.
    package let logits: [[Float]]
    /// transformers' greedy continuation of `inputIDs`.
    package let greedyIDs: [Int]
    /// Further prompts with transformers' logits at every position (hybrid fixtures: prompt
    /// lengths around the DeltaNet chunk size), each `(ids.count, vocab)`.
    package let cases: [(inputIDs: [Int], logits: [[Float]])]

    /// `Tests/Fixtures/models`.
    package static let root: String = {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/models").path
    }()

    /// `Tests/Fixtures/gguf-models`: fixtures converted by llama.cpp's converter
    /// (scripts/make_gguf_model_fixtures.py).
    package static let conversionsRoot = URL(fileURLWithPath: root).deletingLastPathComponent().appendingPathComponent("gguf-models").path

    /// Every fixture folder that has a reference.json, sorted by name.
    package static func all() throws -> [ModelFixture] {
        let names = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        let found = try names.compactMap { name -> ModelFixture? in
            let folder = root + "/" + name
            guard FileManager.default.fileExists(atPath: folder + "/reference.json") else { return nil }
            return try load(name)
        }
        XCTAssertGreaterThanOrEqual(found.count, 18, "expected the committed fixtures under \(root)")
        return found
    }

    /// Loads fixture `name`.
    package static func load(_ name: String) throws -> ModelFixture {
        let folder = root + "/" + name
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json"))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let family = json["family"] as? String,
              let dtype = json["weights_dtype"] as? String,
              let ids = json["input_ids"] as? [Int],
              let logits = json["logits"] as? [[Double]],
              let greedy = json["greedy_ids"] as? [Int]
        else { throw NSError(domain: "fixture \(name): malformed reference.json", code: 1) }
        let cases = try (json["cases"] as? [[String: Any]] ?? []).map { item -> (inputIDs: [Int], logits: [[Float]]) in
            guard let ids = item["input_ids"] as? [Int], let logits = item["logits"] as? [[Double]] else {
                throw NSError(domain: "fixture \(name): malformed case in reference.json", code: 1)
            }
            return (ids, logits.map { $0.map(Float.init) })
        }
        return ModelFixture(name: name, folder: folder, family: family, weightsDType: dtype,
                            expertsDType: json["experts_dtype"] as? String, inputIDs: ids,
                            logits: logits.map { $0.map(Float.init) }, greedyIDs: greedy, cases: cases)
    }

    /// The accuracy required against transformers: 1e-4 relative L2 for f32 weights, 1e-3 for
    /// bf16, and 3e-2 with MXFP4 experts, whose matrices take activations rounded to 8 bits
    /// in decode and in every prompt pass of the routed experts (as llama.cpp's do; 9e-3
    /// measured over 200 decode steps, 2.1e-2 at the first prompt position) — the bound Q8_0
    /// files meet.
    package var tolerance: Float {
        if expertsDType == "mxfp4" { return 3e-2 }
        return weightsDType == "float32" ? 1e-4 : 1e-3
    }

    /// The accuracy required between two runs of the engine on the same fixture (pieces against
    /// one pass, decode against prefill): 1e-4, or `tolerance` when quantised experts round
    /// activations differently in different batch sizes.
    package var selfTolerance: Float { expertsDType == nil ? 1e-4 : tolerance }
}

/// `||a - b|| / ||a||`.
package func relativeL2(_ reference: [Float], _ actual: [Float]) -> Float {
    precondition(reference.count == actual.count)
    var diff: Double = 0, norm: Double = 0
    for (r, a) in zip(reference, actual) {
        diff += Double(r - a) * Double(r - a)
        norm += Double(r) * Double(r)
    }
    return Float((diff / max(norm, 1e-30)).squareRoot())
}

/// Index of the largest value.
package func argmax(_ v: [Float]) -> Int {
    var best = 0
    for i in v.indices where v[i] > v[best] { best = i }
    return best
}
