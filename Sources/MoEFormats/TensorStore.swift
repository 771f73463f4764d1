import Foundation

/// All tensors of a model folder: `model.safetensors`, or the shards named by
/// `model.safetensors.index.json`, memory-mapped and validated on open.
///
/// Keeps every mapped file alive as long as the store, so the views it hands out stay valid.
public final class TensorStore: @unchecked Sendable {
    /// The opened files, in the order they were opened.
    public let files: [SafetensorsFile]
    /// `__metadata__` of all files merged; when files disagree on a key, the first file wins.
    public let metadata: [String: String]
    /// Names of every tensor, sorted.
    public let names: [String]

    private let views: [String: TensorView]

    /// Opens the safetensors weights in `folder`.
    ///
    /// Uses `model.safetensors.index.json` if present: every shard it names is opened once,
    /// every tensor must be in the shard the index names, and every shard tensor must be
    /// listed. Otherwise uses `model.safetensors`, otherwise every `*.safetensors` file in the
    /// folder (sorted by name). A tensor name present in two files is an error.
    public convenience init(folder: String) throws {
        let manager = FileManager.default
        let indexPath = PathNames.join(folder, ShardIndex.fileName)
        if manager.fileExists(atPath: indexPath) {
            let index = try ShardIndex(path: indexPath)
            let files = try index.shards.map { try SafetensorsFile(path: PathNames.join(folder, $0)) }
            try self.init(files: files)
            try checkAgainst(index, indexPath: indexPath)
            return
        }
        let singlePath = PathNames.join(folder, "model.safetensors")
        if manager.fileExists(atPath: singlePath) {
            try self.init(files: [SafetensorsFile(path: singlePath)])
            return
        }
        let contents: [String]
        do {
            contents = try manager.contentsOfDirectory(atPath: folder)
        } catch {
            throw FormatError(file: folder, "cannot list folder: \(FileErrorText.reason(error))")
        }
        let shards = contents.filter { $0.hasSuffix(".safetensors") }.sorted()
        guard !shards.isEmpty else {
            throw FormatError(file: folder, "no \(ShardIndex.fileName), model.safetensors or *.safetensors file")
        }
        try self.init(files: shards.map { try SafetensorsFile(path: PathNames.join(folder, $0)) })
    }

    /// Opens the single safetensors file at `file`.
    public convenience init(file: String) throws {
        try self.init(files: [SafetensorsFile(path: file)])
    }

    /// Combines already-opened files; throws if a tensor name occurs in more than one.
    public init(files: [SafetensorsFile]) throws {
        var views: [String: TensorView] = [:]
        var owner: [String: String] = [:]
        var metadata: [String: String] = [:]
        for file in files {
            for name in file.names {
                if let first = owner[name] {
                    throw FormatError(file: file.path, tensor: name, "tensor also present in \(first)")
                }
                owner[name] = file.path
                views[name] = file.tensor(name)
            }
            metadata.merge(file.metadata) { first, _ in first }
        }
        self.files = files
        self.metadata = metadata
        self.names = views.keys.sorted()
        self.views = views
    }

    /// The tensor called `name`, or nil if there is none.
    public func tensor(_ name: String) -> TensorView? {
        views[name]
    }

    /// Checks that the opened shards hold exactly the tensors `index` assigns to them.
    private func checkAgainst(_ index: ShardIndex, indexPath: String) throws {
        for file in files {
            let shard = PathNames.lastComponent(file.path)
            for name in file.names where index.weightMap[name] != shard {
                throw FormatError(file: file.path, tensor: name,
                                  "tensor is in this shard but the index maps it to \(index.weightMap[name].map { "'\($0)'" } ?? "nothing")")
            }
        }
        for (name, shard) in index.weightMap.sorted(by: { $0.key < $1.key }) where views[name] == nil {
            throw FormatError(file: indexPath, tensor: name, "index maps tensor to '\(shard)' but that shard does not contain it")
        }
    }
}
