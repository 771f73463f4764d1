import Foundation
import MoEConvert
import MoEFormats
import MoEKernels
import MoEModels

/// A model of random weights in a real model's shape, written to a temporary GGUF file
/// that is deleted when the work with it is done.
public struct SyntheticModel {
    /// The model's name (built-in name or config file name).
    public let name: String
    /// What will be written.
    public let plan: SyntheticGGUF

    /// The shape `nameOrPath` names: a built-in (`SyntheticShapes`) or a config.json path.
    public init(_ nameOrPath: String, type: GGUFExportType) throws {
        let text: Data
        let file: String
        var isFolder: ObjCBool = false
        if let builtIn = SyntheticShapes.builtIn[nameOrPath] {
            text = Data(builtIn.utf8)
            file = "<built-in \(nameOrPath)>"
            name = nameOrPath
        } else if FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isFolder) {
            file = isFolder.boolValue ? (nameOrPath as NSString).appendingPathComponent("config.json") : nameOrPath
            guard let data = FileManager.default.contents(atPath: file) else {
                throw SyntheticModelError("cannot read \(file)")
            }
            text = data
            let url = URL(fileURLWithPath: nameOrPath)
            name = isFolder.boolValue || url.lastPathComponent == "config.json"
                ? (isFolder.boolValue ? url : url.deletingLastPathComponent()).lastPathComponent
                : url.deletingPathExtension().lastPathComponent
        } else {
            throw SyntheticModelError("'\(nameOrPath)' is neither a built-in shape (\(SyntheticShapes.names)) nor a config.json path")
        }
        let config = try ModelConfig(json: text, file: file)
        let raw = (try? JSONSerialization.jsonObject(with: text)) as? [String: Any] ?? [:]
        plan = SyntheticGGUF(config: config, raw: raw, name: name, type: type)
    }

    /// Throws unless the engine computes with every type of the plan and the weights fit
    /// in `memoryBytes` of RAM (with a 10% margin) and `diskBytes` free in the temporary
    /// folder; the message names the sizes and the types that would fit.
    public func checkFits(memoryBytes: Int, diskBytes: Int) throws {
        let missing = plan.typesWithoutKernels
        guard missing.isEmpty else {
            throw SyntheticModelError("the engine has no kernels yet for \(missing.map(\.name).joined(separator: ", ")) (needed by --quant \(plan.type.rawValue)); use f32, f16 or bf16")
        }
        let need = plan.weightBytes
        let limit = min(memoryBytes / 10 * 9, diskBytes)
        guard need > limit else { return }
        let alternatives = GGUFExportType.allCases.compactMap { type -> String? in
            let other = SyntheticGGUF(config: plan.config, raw: [:], name: name, type: type)
            return other.weightBytes <= limit ? "\(type.rawValue) (\(Self.gigabytes(other.weightBytes)))" : nil
        }
        let suggestion = alternatives.isEmpty ? "no type fits; pick a smaller shape" : "types that fit: \(alternatives.joined(separator: ", "))"
        throw SyntheticModelError("\(name) as \(plan.type.rawValue) needs \(Self.gigabytes(need)) of weights, but this machine has \(Self.gigabytes(memoryBytes)) of RAM and \(Self.gigabytes(diskBytes)) free for the temporary file; \(suggestion)")
    }

    /// Writes the weights to a temporary file under `folder`, loads them on `pool`, runs
    /// `body`, and deletes the file.
    public func withModel<T>(folder: String = NSTemporaryDirectory(), pool: ThreadPool, seed: UInt64 = 1,
                             _ body: (Transformer) throws -> T) throws -> T {
        let path = (folder as NSString).appendingPathComponent("moe-synthetic-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).gguf")
        let slot = TemporaryFiles.register(path)
        defer {
            try? FileManager.default.removeItem(atPath: path)
            TemporaryFiles.unregister(slot)
        }
        try plan.write(to: path, seed: seed, threads: pool.threadCount)
        let model = try Transformer(path: path, pool: pool)
        return try body(model)
    }

    /// Free bytes in the file system holding `folder`.
    public static func freeDiskBytes(_ folder: String) -> Int {
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: folder)
        return (attributes?[.systemFreeSize] as? NSNumber)?.intValue ?? 0
    }

    /// `bytes` in GB (10^9), one decimal.
    static func gigabytes(_ bytes: Int) -> String { String(format: "%.1f GB", Double(bytes) / 1e9) }
}

/// Why a synthetic model cannot be made.
public struct SyntheticModelError: Error, CustomStringConvertible {
    /// The explanation.
    public let description: String
    init(_ description: String) { self.description = description }
}
