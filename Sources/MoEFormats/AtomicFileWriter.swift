#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file all-or-nothing: into a temporary file in the same folder, then `fsync` and
/// `rename` over the target. On any error the temporary file is removed and the target is
/// left untouched.
enum AtomicFileWriter {
    /// Sequential output to the temporary file.
    struct Sink {
        fileprivate let fd: Int32
        fileprivate let path: String

        /// Writes all of `bytes`, retrying short writes and interrupted calls.
        func write(_ bytes: UnsafeRawBufferPointer) throws {
            var offset = 0
            while offset < bytes.count {
                guard let base = bytes.baseAddress else { return }
                #if canImport(Glibc)
                let written = Glibc.write(fd, base + offset, bytes.count - offset)
                #elseif canImport(Darwin)
                let written = Darwin.write(fd, base + offset, bytes.count - offset)
                #endif
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FormatError(file: path, "write failed: \(MappedFile.lastError())")
                }
                offset += written
            }
        }
    }

    /// Creates `path` with the bytes `body` writes to the sink.
    static func write(to path: String, _ body: (Sink) throws -> Void) throws {
        let temp = temporaryPath(for: path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FormatError(file: path, "cannot create temporary file \(temp): \(MappedFile.lastError())")
        }
        var isOpen = true
        do {
            try body(Sink(fd: fd, path: path))
            guard fsync(fd) == 0 else { throw FormatError(file: path, "fsync failed: \(MappedFile.lastError())") }
            isOpen = false
            guard close(fd) == 0 else { throw FormatError(file: path, "close failed: \(MappedFile.lastError())") }
            guard rename(temp, path) == 0 else {
                throw FormatError(file: path, "cannot rename \(temp) into place: \(MappedFile.lastError())")
            }
        } catch {
            if isOpen { close(fd) }
            unlink(temp)
            throw error
        }
    }

    /// A fresh name next to `path`: `.<name>.tmp-<pid>-<random>`.
    private static func temporaryPath(for path: String) -> String {
        let name = PathNames.lastComponent(path)
        let folder = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        return "\(folder).\(name).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }
}
