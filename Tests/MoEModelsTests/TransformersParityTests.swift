import MoEKernels
import MoEModels
import MoETestFixtures
import XCTest

/// Every fixture family against transformers' float32 logits and greedy continuation.
final class TransformersParityTests: XCTestCase {
    let pool = ThreadPool(threadCount: 2)

    func testFullForwardMatchesTransformers() throws {
        for fixture in try ModelFixture.all() {
            let model = try Transformer(path: fixture.folder, pool: pool)
            let logits = try model.forward(fixture.inputIDs, cache: model.makeCache(capacity: fixture.inputIDs.count))
            XCTAssertEqual(logits.rows, fixture.inputIDs.count, fixture.name)
            for (t, reference) in fixture.logits.enumerated() {
                let row = logits.rowArray(t)
                let error = relativeL2(reference, row)
                XCTAssertLessThanOrEqual(error, fixture.tolerance, "\(fixture.name) position \(t): relative L2 \(error)")
                XCTAssertEqual(argmax(row), argmax(reference), "\(fixture.name) position \(t): argmax")
            }
        }
    }

    func testGreedyContinuationMatchesTransformers() throws {
        for fixture in try ModelFixture.all() {
            let model = try Transformer(path: fixture.folder, pool: pool)
            let cache = model.makeCache(capacity: fixture.inputIDs.count + fixture.greedyIDs.count)
            var logits = try model.forward(fixture.inputIDs, cache: cache, logits: .last)
            var generated: [Int] = []
            while generated.count < fixture.greedyIDs.count {
                let next = argmax(logits.rowArray(0))
                generated.append(next)
                logits = try model.forward([next], cache: cache, logits: .last)
            }
            XCTAssertEqual(generated, fixture.greedyIDs, fixture.name)
        }
    }

    func testIncrementalDecodingEqualsFullForward() throws {
        // Hybrid fixtures decode over 200 positions in HybridParityTests instead.
        for fixture in try ModelFixture.all() where fixture.cases.isEmpty {
            let model = try Transformer(path: fixture.folder, pool: pool)
            let ids = fixture.inputIDs
            let full = try model.forward(ids, cache: model.makeCache(capacity: ids.count))
            // Prefill a prefix in one pass, then one token at a time.
            let cache = model.makeCache(capacity: ids.count)
            let split = ids.count / 3
            let prefix = try model.forward(Array(ids[..<split]), cache: cache)
            for t in 0..<split {
                XCTAssertLessThanOrEqual(relativeL2(full.rowArray(t), prefix.rowArray(t)), 1e-5, "\(fixture.name) prefix \(t)")
            }
            for t in split..<ids.count {
                let step = try model.forward([ids[t]], cache: cache)
                let error = relativeL2(full.rowArray(t), step.rowArray(0))
                XCTAssertLessThanOrEqual(error, 1e-5, "\(fixture.name) step \(t): relative L2 \(error)")
            }
            XCTAssertEqual(cache.length, ids.count)
        }
    }

    func testShardedCheckpointEqualsSingleFile() throws {
        let sharded = try ModelFixture.load("mixtral-sharded")
        let single = try ModelFixture.load("mixtral-gqa")
        XCTAssertEqual(sharded.inputIDs, single.inputIDs)
        let shards = try FileManager.default.contentsOfDirectory(atPath: sharded.folder).filter { $0.hasSuffix(".safetensors") }
        XCTAssertGreaterThanOrEqual(shards.count, 3, "the sharded fixture must really be sharded")
        let a = try Transformer(path: sharded.folder, pool: pool)
        let b = try Transformer(path: single.folder, pool: pool)
        let la = try a.forward(sharded.inputIDs, cache: a.makeCache(capacity: 16))
        let lb = try b.forward(single.inputIDs, cache: b.makeCache(capacity: 16))
        XCTAssertEqual(Array(UnsafeBufferPointer(start: la.base, count: la.count)),
                       Array(UnsafeBufferPointer(start: lb.base, count: lb.count)))
    }

    func testEveryFamilyIsCovered() throws {
        let families = Set(try ModelFixture.all().map(\.family))
        for family in ["mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "granitemoe", "llama", "mistral", "qwen2", "qwen3"] {
            XCTAssertTrue(families.contains(family), "no fixture for \(family)")
        }
        let dtypes = Dictionary(grouping: try ModelFixture.all(), by: \.family).mapValues { Set($0.map(\.weightsDType)) }
        for (family, kinds) in dtypes {
            XCTAssertEqual(kinds, ["float32", "bfloat16"], "\(family) needs f32 and bf16 fixtures")
        }
    }
}
