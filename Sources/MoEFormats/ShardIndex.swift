/// The `weight_map` of a `model.safetensors.index.json`: which shard file holds each tensor.
struct ShardIndex {
    /// File name of the index inside a model folder.
    static let fileName = "model.safetensors.index.json"

    /// Tensor name -> shard file name (a bare file name inside the folder).
    let weightMap: [String: String]

    /// Shard file names, sorted and without repeats.
    var shards: [String] { Set(weightMap.values).sorted() }

    /// Reads and validates the index at `path`.
    init(path: String) throws {
        let mapping = try MappedFile(path: path)
        let root: JSONValue
        do {
            root = try JSONParser.parse(mapping.bytes)
        } catch {
            throw FormatError(file: path, "not valid JSON: \(JSONSyntax.describe(error, in: mapping.bytes))")
        }
        guard case .object(let members) = root else {
            throw FormatError(file: path, "index must be a JSON object, found \(root.summary)")
        }
        guard let mapValue = members["weight_map"] else {
            throw FormatError(file: path, "missing 'weight_map'")
        }
        guard case .object(let entries) = mapValue else {
            throw FormatError(file: path, "'weight_map' must be an object, found \(mapValue.summary)")
        }
        var weightMap: [String: String] = [:]
        for (tensor, shardValue) in entries {
            guard let shard = shardValue.stringValue else {
                throw FormatError(file: path, tensor: tensor,
                                  "shard must be a file name string, found \(shardValue.summary)")
            }
            guard Self.isPlainFileName(shard) else {
                throw FormatError(file: path, tensor: tensor,
                                  "shard '\(shard)' must be a plain file name inside the folder (no '/', '\\', '..' or NUL)")
            }
            weightMap[tensor] = shard
        }
        self.weightMap = weightMap
    }

    /// True if `name` names a file directly inside the folder and cannot escape it.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".."
            && !name.contains { $0 == "/" || $0 == "\\" || $0 == "\0" }
    }
}
