import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

    func testReadCopiesTheBytesAndNamesThePathOnError() throws {
        let path = folder + "/data.bin"
        try writeBytes([7, 8], to: path)
        XCTAssertEqual(try MappedFile.read(path), [7, 8])
        assertFormatError(try MappedFile.read(folder + "/nope.bin"), ["nope.bin", "cannot open: no such file or directory"])
        assertFormatError(try MappedFile.read("/dev/zero"), ["/dev/zero", "not a regular file"])
    }

    func testUnreadableFileSaysPermissionDenied() throws {
        try XCTSkipIf(geteuid() == 0, "root reads files without permission")
        let path = folder + "/secret.bin"
        try writeBytes([1], to: path)
        XCTAssertEqual(chmod(path, 0), 0)
        assertFormatError(try MappedFile.read(path), [path, "permission denied"])
    }

    func testJSONSyntaxErrorsCarryLineAndColumn() {
        XCTAssertNil(JSONSyntax.firstError(in: Array(#"{"a": [1, 2]}"#.utf8)))
        XCTAssertEqual(JSONSyntax.firstError(in: Array("{\n  \"a\": 1,\n  \"b\": tru\n}".utf8)), "line 3, column 11: invalid literal")
        XCTAssertEqual(JSONSyntax.position(of: 0, in: Array("x".utf8)).line, 1)
    }
}
