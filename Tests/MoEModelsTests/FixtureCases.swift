import MoEKernels
import MoEModels
import MoETestFixtures
import XCTest

extension ModelFixture {
    /// Checks every prompt of `cases` against transformers, one fresh forward each: every
    /// position within the fixture's tolerance and with transformers' argmax.
    func assertCasesMatchTransformers(pool: ThreadPool, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try Transformer(path: folder, pool: pool)
        for (ids, reference) in cases {
            let logits = try model.forward(ids, cache: model.makeCache(capacity: ids.count))
            for t in ids.indices {
                let row = logits.rowArray(t)
                let error = relativeL2(reference[t], row)
                XCTAssertLessThanOrEqual(error, tolerance, "\(name) \(ids.count) tokens, position \(t): \(error)", file: file, line: line)
                XCTAssertEqual(argmax(row), argmax(reference[t]), "\(name) \(ids.count) tokens, position \(t): argmax", file: file, line: line)
            }
        }
    }
}
