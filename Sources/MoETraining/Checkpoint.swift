import Foundation
import MoEFormats
import MoEKernels
import MoEModels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checkpoints of a run in `<out>/checkpoint`: a Hugging Face model folder (config.json,
/// model.safetensors in f32, tokenizer files) plus `training_state.safetensors` (AdamW
/// moments, router biases) and `training_state.json` (step, RNG state, settings).
///
/// Atomicity: each checkpoint is written completely into a fresh folder `step-<n>`, its files
/// synced, and only then does a symlink renamed over `<out>/checkpoint` switch to it (a
/// `rename` is atomic); the previous folder is removed afterwards. A crash at any point
/// leaves `checkpoint` naming a complete checkpoint.
public enum Checkpoint {
    /// Test hook: called with each file name just before it is written; throwing aborts the
    /// write there, as a crash would.
    nonisolated(unsafe) static var beforeWritingFile: ((String) throws -> Void)?

    /// The link to the latest complete checkpoint in `out`.
    public static func latest(in out: String) -> String { out + "/checkpoint" }

    /// Saves `trainer` (and `tokenizer`) as the latest checkpoint in `out`.
    public static func save(_ trainer: Trainer, tokenizer: BPETokenizer, to out: String) throws {
        let manager = FileManager.default
        let link = latest(in: out)
        let previous = try? manager.destinationOfSymbolicLink(atPath: link)
        // Never overwrite the folder the link names, even when saving the same step again.
        var name = String(format: "step-%08d", trainer.step)
        if previous == name { name += "-b" }
        let folder = out + "/" + name
        try? manager.removeItem(atPath: folder)
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.checkpoint("cannot create \(folder): \(FileErrorText.reason(error))")
        }
        let c = trainer.config
        try step("config.json") {
            try FileIO.writeAtomically(ModelFiles.configJSON(c.shape, endOfText: tokenizer.endOfText, dtype: .float32,
                                                             auxLossCoef: c.loss.auxLossCoef), to: folder + "/config.json")
        }
        try step("model.safetensors") {
            try ModelFiles.writeWeights(trainer.model.params, extra: trainer.model.selectionBiasTensors, dtype: .float32, to: folder)
        }
        try step("tokenizer.json") { try TokenizerFiles.write(tokenizer, maxLength: c.shape.context, to: folder) }
        try step("training_state.safetensors") { try TrainingState.writeTensors(trainer, to: folder) }
        try step("training_state.json") { try TrainingState.writeJSON(trainer, to: folder) }
        syncFolder(folder)
        let temp = out + "/.checkpoint.tmp-\(getpid())"
        try? manager.removeItem(atPath: temp)
        guard symlink(name, temp) == 0, rename(temp, link) == 0 else {
            throw TrainingError.checkpoint("cannot point \(link) at \(name): errno \(errno)")
        }
        syncFolder(out)
        if let previous, previous != name { try? manager.removeItem(atPath: out + "/" + previous) }
    }

    /// Runs `body` after the test hook for `file`.
    private static func step(_ file: String, _ body: () throws -> Void) throws {
        try beforeWritingFile?(file)
        try body()
    }

    /// fsyncs a folder so the names in it are durable.
    private static func syncFolder(_ path: String) {
        let fd = open(path, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// Rebuilds the trainer saved in `<out>/checkpoint` (bit-exact continuation).
    public static func resume(from out: String, trainTokens: [Int32], pool: ThreadPool) throws -> (Trainer, BPETokenizer) {
        let folder = latest(in: out)
        let config = try TrainingState.readConfig(folder: folder)
        let trainer = try Trainer(config: config, trainTokens: trainTokens, pool: pool)
        try trainer.model.params.load(from: TensorStore(folder: folder))
        try TrainingState.restore(trainer, folder: folder)
        return (trainer, try TokenizerFiles.read(folder))
    }
}
