import MoEKernels
@testable import MoEModels
import MoETestFixtures
import XCTest

/// DeepSeek-V2/V3 fixtures (scripts/make_deepseek_fixtures.py): prompts of 1, 20 and 70 tokens
/// against transformers, absorbed decode against one prefill, prefix reuse, and the latent
/// cache's size.
final class DeepSeekParityTests: XCTestCase {
    let pool = ThreadPool(threadCount: 2)

    private func fixtures() throws -> [ModelFixture] {
        let found = try ModelFixture.all().filter { $0.family.hasPrefix("deepseek") }
        XCTAssertEqual(Set(found.map(\.family)), ["deepseek_v2", "deepseek_v3"])
        XCTAssertGreaterThanOrEqual(found.count, 4)
        return found
    }

    func testPromptsMatchTransformersAtEveryPosition() throws {
        for fixture in try fixtures() {
            XCTAssertEqual(Set(fixture.cases.map(\.inputIDs.count)), [1, 20, 70], fixture.name)
            try fixture.assertCasesMatchTransformers(pool: pool)
        }
    }

    func testDecodeTokenByTokenEqualsOnePrefill() throws {
        for fixture in try fixtures() {
            let model = try Transformer(path: fixture.folder, pool: pool)
            guard let ids = fixture.cases.map(\.inputIDs).max(by: { $0.count < $1.count }) else { continue }
            let full = try model.forward(ids, cache: model.makeCache(capacity: ids.count))
            let cache = model.makeCache(capacity: ids.count)
            var rows: [[Float]] = []
            let prefix = try model.forward(Array(ids[..<9]), cache: cache)
            rows += (0..<9).map { prefix.rowArray($0) }
            for id in ids[9...] { rows.append(try model.forward([id], cache: cache).rowArray(0)) }
            for t in ids.indices {
                let error = relativeL2(full.rowArray(t), rows[t])
                XCTAssertLessThanOrEqual(error, 1e-5, "\(fixture.name) position \(t): relative L2 \(error)")
            }
        }
    }

    func testRewoundPrefixEqualsAFreshRun() throws {
        let fixture = try ModelFixture.load("deepseek_v3-qlora-yarn")
        guard let ids = fixture.cases.last?.inputIDs else { return XCTFail("no 70-token case") }
        let model = try Transformer(path: fixture.folder, pool: pool)
        let cache = model.makeCache(capacity: ids.count)
        XCTAssertFalse(cache.isRecurrent)
        _ = try model.forward(Array(ids[0..<50]), cache: cache)
        cache.checkpoint()
        XCTAssertEqual(cache.rewind(toAtMost: 30), 30)
        let resumed = try model.forward(Array(ids[30..<70]), cache: cache)
        let fresh = try model.forward(ids, cache: model.makeCache(capacity: ids.count))
        for t in 0..<40 {
            XCTAssertLessThanOrEqual(relativeL2(fresh.rowArray(30 + t), resumed.rowArray(t)), 1e-5, "position \(30 + t)")
        }
    }

    func testLatentCacheHoldsLatentAndRopeKeyPerToken() throws {
        let model = try Transformer(path: ModelFixture.root + "/deepseek_v3-qlora-yarn", pool: pool)
        let c = model.config
        let shape = try XCTUnwrap(c.latentAttention)
        XCTAssertEqual(shape.queryRank, 24)
        XCTAssertEqual(c.cacheBytesPerToken, c.layerCount * (shape.latentRank + shape.ropeDim) * 4)
        let cache = model.makeCache(capacity: 100)
        for case .latent(let latent) in cache.layers { XCTAssertEqual(latent.rows.cols, 16 + 8) }
        XCTAssertEqual(cache.layers.count, 3)
        let mtp = c.unusedTensors.map(\.prefix)
        XCTAssertEqual(mtp, ["model.layers.3."])
        let summary = ModelSummary(model)
        XCTAssertEqual(summary.unusedTensors.map(\.prefix), ["model.layers.3."])
        XCTAssertGreaterThan(summary.unusedTensors.first?.tensors ?? 0, 3)
    }

    func testRoutingFromTheConfigs() throws {
        let v3 = try Transformer(path: ModelFixture.root + "/deepseek_v3-qlora-yarn", pool: pool).config
        XCTAssertEqual(v3.moeLayers, [false, true, true])
        XCTAssertEqual(v3.moe?.routing, .grouped(GroupedRouting(scoring: .sigmoid, groups: 4, topGroups: 2,
                                                                  groupScore: .sumOfTopTwo, renormalize: true, scale: 2.5)))
        XCTAssertEqual(v3.moe?.sharedExpertIntermediateSize, 32)
        XCTAssertEqual(v3.moe?.sharedExpertGated, false)
        let v2 = try Transformer(path: ModelFixture.root + "/deepseek_v2-grouped-bf16", pool: pool).config
        XCTAssertEqual(v2.moe?.routing, .grouped(GroupedRouting(scoring: .softmax, groups: 4, topGroups: 2,
                                                                  groupScore: .max, renormalize: false, scale: 1.5)))
        XCTAssertNil(try Transformer(path: ModelFixture.root + "/deepseek_v2-lite", pool: pool).config.latentAttention?.queryRank)
    }
}
