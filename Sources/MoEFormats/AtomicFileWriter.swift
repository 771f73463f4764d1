#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file all-or-nothing: into a temporary file in the target's folder, then `fsync` and
/// `rename` over the target. On any error, and on SIGINT or SIGTERM, the temporary file is
/// removed and the target is left untouched.
///
/// The target must be a regular file or absent: a device, folder, pipe or socket is refused
/// rather than replaced. A symbolic link is written through: its target gets the new contents
/// and the link stays.
public enum AtomicFileWriter {
    /// Sequential output to the temporary file.
    public struct Sink {
        fileprivate let fd: Int32
        fileprivate let path: String

        /// Writes all of `bytes`, retrying short writes and interrupted calls.
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
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

    /// Creates or replaces `path` with the bytes `body` writes to the sink.
    public static func write(to path: String, _ body: (Sink) throws -> Void) throws {
        let target = try resolvedTarget(path)
        let temp = temporaryPath(for: target)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FormatError(file: path, "cannot create temporary file \(temp): \(MappedFile.lastError())")
        }
        let slot = TemporaryFiles.register(temp)
        defer { TemporaryFiles.unregister(slot) }
        var isOpen = true
        do {
            try body(Sink(fd: fd, path: path))
            guard fsync(fd) == 0 else { throw FormatError(file: path, "fsync failed: \(MappedFile.lastError())") }
            isOpen = false
            guard close(fd) == 0 else { throw FormatError(file: path, "close failed: \(MappedFile.lastError())") }
            guard rename(temp, target) == 0 else {
                throw FormatError(file: path, "cannot rename \(temp) into place: \(MappedFile.lastError())")
            }
        } catch {
            if isOpen { close(fd) }
            unlink(temp)
            throw error
        }
    }

    /// Creates or replaces `path` with `bytes`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { sink in try bytes.withUnsafeBytes { try sink.write($0) } }
    }

    /// Throws unless writing `output` would leave every one of `inputs` intact: the output must
    /// not be (a link to) an input file, nor a file directly inside an input folder that the
    /// reader of that folder may open. Nothing is checked for an output that does not exist yet.
    public static func refuseOverwritingInput(_ output: String, inputs: [String]) throws {
        guard let written = identity(output) else { return }
        for input in inputs {
            var info = stat()
            guard stat(input, &info) == 0 else { continue }
            if info.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR) {
                guard let dir = opendir(input) else { continue }
                defer { closedir(dir) }
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if identity(PathNames.join(input, name)) == written {
                        throw FormatError(file: output, "is \(PathNames.join(input, name)), part of the input \(input); refusing to overwrite it")
                    }
                }
            } else if identity(input) == written {
                throw FormatError(file: output, "is the input \(input); refusing to overwrite it")
            }
        }
    }

    /// Device and inode of the file `path` names (following links), or nil when there is none.
    private static func identity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// The path to rename onto: `path`, or the file a symbolic link at `path` points to.
    /// Throws when that file exists and is not a regular file, or the link dangles.
    private static func resolvedTarget(_ path: String) throws -> String {
        var info = stat()
        guard lstat(path, &info) == 0 else { return path }
        var target = path
        if info.st_mode & mode_t(S_IFMT) == mode_t(S_IFLNK) {
            guard let resolved = realpath(path, nil) else {
                throw FormatError(file: path, "is a symbolic link to a missing file; refusing to replace the link")
            }
            target = String(cString: resolved)
            free(resolved)
            guard stat(target, &info) == 0 else { return target }
        }
        guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else {
            throw FormatError(file: path, "not a regular file (a device, folder, pipe or socket); refusing to replace it")
        }
        return target
    }

    /// A fresh name next to `path`: `.<name>.tmp-<pid>-<random>`.
    private static func temporaryPath(for path: String) -> String {
        let name = PathNames.lastComponent(path)
        let folder = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        return "\(folder).\(name).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }
}

/// Temporary files being written, removed by a SIGINT or SIGTERM handler before the process
/// dies with that signal. The handler only reads fixed slots of C strings and calls `unlink`,
/// which is async-signal-safe.
public enum TemporaryFiles {
    /// Files written at once that the handler can remove; more are still written, unprotected.
    private static let slotCount = 64
    nonisolated(unsafe) private static let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: slotCount)
    nonisolated(unsafe) private static var installed = false
    private static let lock = Lock()

    /// Records `path` for removal on a signal; returns its slot for `unregister` (nil when all
    /// slots are taken).
    public static func register(_ path: String) -> Int? {
        lock.locked {
            if !installed {
                slots.initialize(repeating: nil, count: slotCount)
                installHandlers()
                installed = true
            }
            guard let free = (0..<slotCount).first(where: { slots[$0] == nil }) else { return nil }
            slots[free] = strdup(path)
            return free
        }
    }

    /// Forgets the file in `slot` (after it was renamed or removed).
    public static func unregister(_ slot: Int?) {
        guard let slot else { return }
        lock.locked {
            let path = slots[slot]
            slots[slot] = nil
            free(path)
        }
    }

    private static func installHandlers() {
        for signal in [SIGINT, SIGTERM] {
            var current = sigaction()
            sigaction(signal, nil, &current)
            #if canImport(Glibc)
            let isDefault = current.__sigaction_handler.sa_handler == nil
            #elseif canImport(Darwin)
            let isDefault = current.__sigaction_u.__sa_handler == nil
            #endif
            guard isDefault else { continue }
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = removeAndDie
            #elseif canImport(Darwin)
            action.__sigaction_u.__sa_handler = removeAndDie
            #endif
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
    }

    /// Removes every registered file, then dies of `signal` with the default action.
    private static let removeAndDie: @convention(c) (Int32) -> Void = { signal in
        for slot in 0..<TemporaryFiles.slotCount {
            if let path = TemporaryFiles.slots[slot] { unlink(path) }
        }
        var action = sigaction()
        sigemptyset(&action.sa_mask)
        sigaction(signal, &action, nil)
        raise(signal)
    }
}

/// A mutex for the few bookkeeping updates above.
private final class Lock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    init() { pthread_mutex_init(&mutex, nil) }

    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
