@testable import MoETraining
import MoEModels
import XCTest

/// Routing-health arithmetic on known loads.
final class MetricsTests: XCTestCase {
    func testEvenLoadIsPerfectlyHealthy() {
        let m = ExpertLoad(counts: [10, 10, 10, 10])
        XCTAssertEqual(m.normalizedEntropy, 1, accuracy: 1e-12)
        XCTAssertEqual(m.coefficientOfVariation, 0, accuracy: 1e-12)
        XCTAssertEqual(m.maxViolation, 0, accuracy: 1e-12)
        XCTAssertEqual(m.deadExperts, 0)
    }

    func testCollapsedLoad() {
        let m = ExpertLoad(counts: [40, 0, 0, 0])
        XCTAssertEqual(m.normalizedEntropy, 0, accuracy: 1e-12)
        XCTAssertEqual(m.coefficientOfVariation, 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(m.maxViolation, 3, accuracy: 1e-12)
        XCTAssertEqual(m.deadExperts, 3)
    }

    func testSkewedLoad() {
        let m = ExpertLoad(counts: [20, 10, 10, 0])
        XCTAssertEqual(m.normalizedEntropy, 0.75, accuracy: 1e-12)
        XCTAssertEqual(m.coefficientOfVariation, (50.0).squareRoot() / 10, accuracy: 1e-12)
        XCTAssertEqual(m.maxViolation, 1, accuracy: 1e-12)
        XCTAssertEqual(m.deadExperts, 1)
    }

    func testScheduleWarmsUpThenDecaysToTheFloor() {
        let s = LearningRateSchedule(peak: 1, warmup: 4, totalSteps: 14, minRatio: 0.1)
        XCTAssertEqual(s.rate(at: 0), 0.25, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 3), 1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 4), 1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 9), 0.55, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 14), 0.1, accuracy: 1e-6)
    }
}
