import XCTest
@testable import MoEKernels

final class MemoryBandwidthTests: XCTestCase {
    func testSmallMeasurementIsPositive() {
        let gbs = MemoryBandwidth.measureRead(pool: TestPools.byThreads[2]!, bytes: 1 << 20)
        XCTAssertGreaterThan(gbs, 0)
        XCTAssertTrue(gbs.isFinite)
    }
}
