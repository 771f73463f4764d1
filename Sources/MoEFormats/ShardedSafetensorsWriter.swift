#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a checkpoint split into shards the way Hugging Face does.
///
/// Tensors are packed in the order given; a shard is closed when the next tensor would push
/// it past `maxShardBytes`, and a tensor larger than that gets a shard of its own. Several
/// shards are written as `model-00001-of-0000N.safetensors`, ... followed by
/// `model.safetensors.index.json` (`{"metadata": {"total_size": ...}, "weight_map": {...}}`,
/// formatted like Python's `json.dumps(indent=2, sort_keys=True)`). A single shard is written
/// as `model.safetensors` with no index, and a stale index in the folder is removed so it
/// cannot shadow the new file. Every tensor is validated before any file is written; every
/// file is written atomically and the index last. Shards of an earlier, differently split
/// checkpoint in the same folder are left alone (the new index does not name them).
public enum ShardedSafetensorsWriter {
    /// Writes `tensors` (views valid during the call) into `folder`; returns the shard file
    /// names in order. `metadata` is stored in every shard.
    @discardableResult
    public static func write(_ tensors: [TensorView], metadata: [String: String]? = nil,
                             toFolder folder: String, maxShardBytes: Int) throws -> [String] {
        let specs = tensors.map {
            SafetensorsWriter.Spec(name: $0.name, dtype: $0.dtype, shape: $0.shape, byteCount: $0.data.count)
        }
        return try write(specs, folder: folder, maxShardBytes: maxShardBytes) { range, path in
            try SafetensorsWriter.write(Array(tensors[range]), metadata: metadata, to: path)
        }
    }

    /// Writes `tensors` into `folder`; returns the shard file names in order. `metadata` is
    /// stored in every shard.
    @discardableResult
    public static func write(_ tensors: [TensorData], metadata: [String: String]? = nil,
                             toFolder folder: String, maxShardBytes: Int) throws -> [String] {
        let specs = tensors.map {
            SafetensorsWriter.Spec(name: $0.name, dtype: $0.dtype, shape: $0.shape, byteCount: $0.bytes.count)
        }
        return try write(specs, folder: folder, maxShardBytes: maxShardBytes) { range, path in
            try SafetensorsWriter.write(Array(tensors[range]), metadata: metadata, to: path)
        }
    }

    /// Index ranges of the tensors in each shard.
    static func plan(sizes: [Int], maxShardBytes: Int) -> [Range<Int>] {
        var shards: [Range<Int>] = []
        var start = 0
        var used = 0
        for (index, size) in sizes.enumerated() {
            let (total, overflow) = used.addingReportingOverflow(size)
            if index > start, overflow || total > maxShardBytes {
                shards.append(start..<index)
                start = index
                used = size
            } else {
                used = overflow ? Int.max : total
            }
        }
        if start < sizes.count || shards.isEmpty { shards.append(start..<sizes.count) }
        return shards
    }

    /// Checks every tensor up front (so no shard is written for an invalid set), then writes
    /// the shards with `writeShard(range, path)` and the index.
    private static func write(_ specs: [SafetensorsWriter.Spec], folder: String, maxShardBytes: Int,
                              writeShard: (Range<Int>, String) throws -> Void) throws -> [String] {
        let indexPath = PathNames.join(folder, ShardIndex.fileName)
        guard maxShardBytes > 0 else {
            throw FormatError(file: folder, "maxShardBytes must be positive, got \(maxShardBytes)")
        }
        try SafetensorsWriter.validate(specs, file: folder)
        let shards = plan(sizes: specs.map(\.byteCount), maxShardBytes: maxShardBytes)
        if shards.count == 1 {
            try writeShard(shards[0], PathNames.join(folder, "model.safetensors"))
            guard unlink(indexPath) == 0 || errno == ENOENT else {
                throw FormatError(file: indexPath, "cannot remove stale index: \(MappedFile.lastError())")
            }
            return ["model.safetensors"]
        }
        let fileNames = shards.indices.map { "model-\(pad5($0 + 1))-of-\(pad5(shards.count)).safetensors" }
        var weightMap: [(String, String)] = []
        var totalSize = 0
        for (range, fileName) in zip(shards, fileNames) {
            try writeShard(range, PathNames.join(folder, fileName))
            for index in range {
                weightMap.append((specs[index].name, fileName))
                let (sum, overflow) = totalSize.addingReportingOverflow(specs[index].byteCount)
                guard !overflow else { throw FormatError(file: indexPath, "total size overflows") }
                totalSize = sum
            }
        }
        let entries = weightMap.sorted { $0.0 < $1.0 }.map {
            "    " + JSONEncoding.quoted($0.0, asciiOnly: true) + ": " + JSONEncoding.quoted($0.1, asciiOnly: true)
        }
        let mapText = entries.isEmpty ? "{}" : "{\n" + entries.joined(separator: ",\n") + "\n  }"
        let index = "{\n  \"metadata\": {\n    \"total_size\": \(totalSize)\n  },\n  \"weight_map\": \(mapText)\n}\n"
        try AtomicFileWriter.write(to: indexPath) { sink in
            try Array(index.utf8).withUnsafeBytes { try sink.write($0) }
        }
        return fileNames
    }

    /// `n` as at least five decimal digits.
    private static func pad5(_ n: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}
