#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory.
///
/// The mapping lives exactly as long as this object; buffers derived from ``bytes`` must not
/// outlive it. An empty file is allowed and yields an empty buffer (nothing is mapped).
public final class MappedFile: @unchecked Sendable {
    /// Path the file was opened from.
    public let path: String
    /// The file's contents.
    public let bytes: UnsafeRawBufferPointer

    /// Maps the regular file at `path`; throws a ``FormatError`` naming the path if it is
    /// missing, unreadable, not a regular file, or cannot be mapped.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FormatError(file: path, "cannot open: \(Self.lastError())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FormatError(file: path, "cannot stat: \(Self.lastError())")
        }
        guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else {
            throw FormatError(file: path, "not a regular file")
        }
        guard info.st_size >= 0, let size = Int(exactly: info.st_size) else {
            throw FormatError(file: path, "invalid file size \(info.st_size)")
        }
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw FormatError(file: path, "cannot mmap \(size) bytes: \(Self.lastError())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    /// The bytes of the regular file at `path`, copied; throws a ``FormatError`` naming the path
    /// and the reason ("cannot open: permission denied", "not a regular file", ...).
    public static func read(_ path: String) throws -> [UInt8] {
        let file = try MappedFile(path: path)
        return withExtendedLifetime(file) { Array(file.bytes) }
    }

    /// The current `errno` as text, in lower case ("permission denied").
    static func lastError() -> String {
        String(cString: strerror(errno)).lowercased()
    }
}

extension MappedFile {
    /// Reads one byte of every page so the whole file is resident before timing starts
    /// (a benchmark should measure compute and memory, not the first disk read). Returns a
    /// checksum of the bytes read so the loads are not optimised away.
    @discardableResult
    public func touchAllPages() -> UInt8 { Self.touchPages(bytes) }

    /// Reads one byte of every `pageSize` bytes of `bytes` (see ``touchAllPages()``).
    @discardableResult
    public static func touchPages(_ bytes: UnsafeRawBufferPointer, pageSize: Int = 4096) -> UInt8 {
        var sum: UInt8 = 0
        var offset = 0
        while offset < bytes.count {
            sum &+= bytes[offset]
            offset += pageSize
        }
        return sum
    }
}
