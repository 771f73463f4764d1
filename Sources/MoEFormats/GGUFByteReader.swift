/// A bounds-checked little-endian cursor over a GGUF file's bytes.
///
/// Every read checks the remaining length first and throws a ``FormatError`` saying what was
/// being read and where, so a truncated or lying file never reads out of bounds.
struct GGUFByteReader {
    /// The whole file.
    let bytes: UnsafeRawBufferPointer
    /// File name for errors.
    let file: String
    /// Offset of the next byte to read.
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// Bytes not yet read.
    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are available for `what`.
    func require(_ count: Int, for what: @autoclosure () -> String) throws(FormatError) {
        guard count >= 0, count <= remaining else {
            throw FormatError(file: file,
                              "truncated: \(what()) needs \(count) bytes at offset \(offset) but only \(remaining) remain")
        }
    }

    /// Reads a little-endian fixed-width integer.
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(FormatError) -> T {
        let size = MemoryLayout<T>.size
        try require(size, for: what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += size
        return value
    }

    /// Reads a u64 count or length and checks it fits in `Int`.
    mutating func readCount(_ what: @autoclosure () -> String) throws(FormatError) -> Int {
        let raw = try read(UInt64.self, what())
        guard let count = Int(exactly: raw) else {
            throw FormatError(file: file, "\(what()) \(raw) is too large")
        }
        return count
    }

    /// Reads a GGUF string (u64 byte length, then UTF-8 bytes without a terminator).
    mutating func readString(_ what: @autoclosure () -> String) throws(FormatError) -> String {
        let length = try readCount("length of \(what())")
        try require(length, for: "\(what()) of \(length) bytes")
        let raw = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw FormatError(file: file, "\(what()) at offset \(offset) is not valid UTF-8")
        }
        offset += length
        return text
    }

    /// Moves to `target` (at most the end of the file).
    mutating func seek(to target: Int) throws(FormatError) {
        guard target >= 0, target <= bytes.count else {
            throw FormatError(file: file, "offset \(target) is outside the \(bytes.count)-byte file")
        }
        offset = target
    }
}
