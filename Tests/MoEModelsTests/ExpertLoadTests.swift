import Foundation
import MoEKernels
import MoEModels
import MoETestFixtures
import XCTest

final class ExpertLoadTests: XCTestCase {
    func testEvenLoad() {
        let l = ExpertLoad(counts: [5, 5, 5, 5])
        XCTAssertEqual(l.normalizedEntropy, 1, accuracy: 1e-12)
        XCTAssertEqual(l.coefficientOfVariation, 0)
        XCTAssertEqual(l.maxViolation, 0)
        XCTAssertEqual(l.deadExperts, 0)
    }

    func testCollapsedLoad() {
        let l = ExpertLoad(counts: [12, 0, 0, 0])
        XCTAssertEqual(l.normalizedEntropy, 0, accuracy: 1e-12)
        XCTAssertEqual(l.coefficientOfVariation, 3.0.squareRoot(), accuracy: 1e-12)  // std 3*sqrt(3) / mean 3
        XCTAssertEqual(l.maxViolation, 3)
        XCTAssertEqual(l.deadExperts, 3)
    }

    func testSkewedLoad() {
        let l = ExpertLoad(counts: [3, 1])
        let p = [0.75, 0.25]
        XCTAssertEqual(l.normalizedEntropy, -(p[0] * log(p[0]) + p[1] * log(p[1])) / log(2), accuracy: 1e-12)
        XCTAssertEqual(l.coefficientOfVariation, 0.5, accuracy: 1e-12)
        XCTAssertEqual(l.maxViolation, 0.5, accuracy: 1e-12)
    }

    func testTraceCountsTopKChoicesPerToken() throws {
        let model = try Transformer(path: ModelFixture.root + "/qwen2_moe-sparse2", pool: ThreadPool(threadCount: 1))
        let trace = RoutingTrace(layers: model.config.layerCount, experts: model.config.moe!.expertCount)
        let ids = Array(0..<9)
        _ = try model.forward(ids, cache: model.makeCache(capacity: 16), trace: trace)
        let moeLayers = (0..<model.config.layerCount).filter { model.config.moeLayers[$0] }
        XCTAssertEqual(trace.loads.map(\.layer), moeLayers)
        for (layer, load) in trace.loads {
            XCTAssertEqual(load.counts.reduce(0, +), ids.count * model.config.moe!.topK, "layer \(layer)")
            let k = model.config.moe!.topK
            for t in ids.indices {
                let choice = trace.lastChoice[layer][(t * k)..<((t + 1) * k)]
                XCTAssertEqual(Set(choice).count, k, "layer \(layer) token \(t): a token's experts are distinct")
            }
        }
    }
}
