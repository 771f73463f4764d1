@testable import MoETraining
import XCTest

/// SVG output from log records.
final class PlotTests: XCTestCase {
    private let log = """
        {"step":10,"train_loss":5.0,"val_loss":5.5,"experts":[{"load":[10,10,10,10]},{"load":[40,0,0,0]}]}
        not a record
        {"step":20,"train_loss":4.0,"val_loss":4.5,"experts":[{"load":[20,10,10,0]},{"load":[10,10,10,10]}]}
        """

    func testParsesRecordsAndLoadShares() {
        let points = Plots.parse(log)
        XCTAssertEqual(points.map(\.step), [10, 20])
        XCTAssertEqual(points[0].loads[1], [1, 0, 0, 0])
        XCTAssertEqual(points[1].loads[0], [0.5, 0.25, 0.25, 0])
    }

    func testDrawsCurvesAndHeatmap() {
        let points = Plots.parse(log)
        let curves = Plots.lossCurves([("moe", "#d62728", points)])
        XCTAssertTrue(curves.hasPrefix("<svg"))
        XCTAssertEqual(curves.components(separatedBy: "<polyline").count - 1, 2)
        let heatmap = Plots.loadHeatmap(points)
        XCTAssertEqual(heatmap.components(separatedBy: "<rect x=").count - 1, 16)
        XCTAssertTrue(heatmap.contains("rgb(255,255,255)"))
    }
}
