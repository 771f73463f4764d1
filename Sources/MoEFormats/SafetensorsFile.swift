/// One memory-mapped `.safetensors` file whose header has been fully validated.
///
/// Tensor views point into the mapping (no copies) and stay valid while this object lives.
public final class SafetensorsFile: @unchecked Sendable {
    /// Path the file was opened from.
    public let path: String
    /// The file's `__metadata__` (empty if it has none).
    public let metadata: [String: String]
    /// Names of every tensor, sorted.
    public let names: [String]

    private let mapping: MappedFile
    private let views: [String: TensorView]

    /// Maps `path` and validates its header; throws a ``FormatError`` naming the file (and
    /// tensor) on any problem.
    public init(path: String) throws {
        let mapping = try MappedFile(path: path)
        let header = try SafetensorsHeader.parse(mapping.bytes, file: path)
        var views: [String: TensorView] = [:]
        views.reserveCapacity(header.entries.count)
        for entry in header.entries {
            let start = header.dataStart + entry.range.lowerBound
            let end = header.dataStart + entry.range.upperBound
            let data = UnsafeRawBufferPointer(rebasing: mapping.bytes[start..<end])
            views[entry.name] = TensorView(name: entry.name, dtype: entry.dtype, shape: entry.shape, data: data)
        }
        self.path = path
        self.mapping = mapping
        self.metadata = header.metadata
        self.names = header.entries.map(\.name)
        self.views = views
    }

    /// The tensor called `name`, or nil if the file has none.
    public func tensor(_ name: String) -> TensorView? {
        views[name]
    }

    /// Faults every page of the mapping in (see ``MappedFile/touchAllPages(pageSize:)``).
    @discardableResult
    public func touchAllPages() -> UInt8 { mapping.touchAllPages() }
}
