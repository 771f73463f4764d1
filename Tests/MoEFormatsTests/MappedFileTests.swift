import XCTest
@testable import MoEFormats

/// `MappedFile`: contents, and errors that name the path.
final class MappedFileTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
    }

    override func tearDown() {
        removeTemporaryFolder(folder)
    }

    func testMapsContents() throws {
        let path = folder + "/data.bin"
        try writeBytes([1, 2, 3, 250], to: path)
        let file = try MappedFile(path: path)
        XCTAssertEqual(Array(file.bytes), [1, 2, 3, 250])
        XCTAssertEqual(file.path, path)
    }

    func testEmptyFileIsAllowed() throws {
        let path = folder + "/empty.bin"
        try writeBytes([], to: path)
        XCTAssertEqual(try MappedFile(path: path).bytes.count, 0)
    }

    func testMissingFileNamesPath() {
        assertFormatError(try MappedFile(path: folder + "/nope.bin"), ["nope.bin", "cannot open"])
    }

    func testDirectoryIsRejected() {
        assertFormatError(try MappedFile(path: folder), [folder, "not a regular file"])
    }
}
