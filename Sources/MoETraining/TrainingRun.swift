import Foundation
import MoEFormats
import MoEKernels
import MoEModels

/// Where a run reads and writes, and how often it reports.
public struct RunOptions: Sendable {
    /// A text file or a folder of text files.
    public var data: String
    /// Output folder: `train_log.jsonl`, `checkpoint` (latest), `step-*` folders.
    public var out: String
    /// An existing tokenizer.json (or its folder); otherwise one is trained on the data.
    public var tokenizer: String?
    /// Vocabulary size of a trained tokenizer.
    public var vocabSize: Int
    /// Steps between evaluations, log lines and checkpoints.
    public var evalEvery: Int
    /// Validation batches per evaluation.
    public var evalBatches: Int
    /// Continue from `<out>/checkpoint`.
    public var resume: Bool
    /// If set, the final model is also written here in bf16 (config, weights, tokenizer).
    public var export: String?

    /// Creates options.
    public init(data: String, out: String, tokenizer: String? = nil, vocabSize: Int = 2048, evalEvery: Int = 100,
                evalBatches: Int = 8, resume: Bool = false, export: String? = nil) {
        self.data = data
        self.out = out
        self.tokenizer = tokenizer
        self.vocabSize = vocabSize
        self.evalEvery = evalEvery
        self.evalBatches = evalBatches
        self.resume = resume
        self.export = export
    }
}

/// A progress report: after every step, and after every evaluation.
public struct RunProgress: Sendable {
    /// Steps completed.
    public var step: Int
    /// Steps of the run.
    public var steps: Int
    /// The latest step's training loss.
    public var trainLoss: Float
    /// Set after an evaluation.
    public var valLoss: Float?
    /// Training tokens per second so far (evaluation time excluded).
    public var tokensPerSecond: Double
    /// Per MoE layer, the routing health since the previous evaluation (after evaluations).
    public var experts: [ExpertLoad]
}

/// The outcome of a run.
public struct RunSummary: Sendable {
    /// Mean training loss (cross-entropy) of the last evaluation interval.
    public var trainLoss: Float
    /// Validation cross-entropy at the end.
    public var valLoss: Float
    /// Training tokens per second (evaluation excluded).
    public var tokensPerSecond: Double
    /// Steps completed.
    public var steps: Int
    /// Parameters used per token.
    public var activeParameters: Int
    /// All parameters.
    public var totalParameters: Int
    /// Routing health of the last interval per MoE layer.
    public var experts: [ExpertLoad]
}

/// The tokenizer and token streams of a data set.
public struct PreparedData: Sendable {
    /// The tokenizer.
    public let tokenizer: BPETokenizer
    /// Training tokens, documents separated by end-of-text. `(tokens)`
    public let train: [Int32]
    /// Validation tokens. `(tokens)`
    public let validation: [Int32]

    /// Reads `options.data` and encodes it with the given, the checkpoint's or a newly trained tokenizer.
    public init(options: RunOptions) throws {
        let corpus = try Corpus(path: options.data)
        let tokenizer: BPETokenizer
        if let path = options.tokenizer {
            tokenizer = try TokenizerFiles.read(path)
        } else if options.resume {
            let checkpoint = Checkpoint.latest(in: options.out)
            guard FileManager.default.fileExists(atPath: checkpoint + "/config.json") else {
                throw TrainingError.checkpoint("no checkpoint to resume: \(checkpoint) does not exist (run without --resume first)")
            }
            tokenizer = try TokenizerFiles.read(checkpoint)
        } else {
            tokenizer = BPETrainer.train(documents: corpus.train, vocabSize: options.vocabSize)
        }
        self.tokenizer = tokenizer
        train = Corpus.tokenStream(corpus.train, tokenizer: tokenizer)
        validation = Corpus.tokenStream(corpus.validation, tokenizer: tokenizer)
    }
}

/// A whole training run: data, steps, evaluation, JSON-lines log, checkpoints.
public enum TrainingRun {
    /// Trains `config` (its vocabulary size is replaced by the tokenizer's) and reports
    /// through `progress`.
    public static func run(config: TrainingConfig, data: PreparedData, options: RunOptions, pool: ThreadPool,
                           progress: (RunProgress) -> Void) throws -> RunSummary {
        var config = config
        config.shape.vocabSize = data.tokenizer.vocabSize
        do {
            try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.checkpoint("cannot create \(options.out): \(FileErrorText.reason(error))")
        }
        if !options.resume { try config.checkFits(memoryBytes: Int(ProcessInfo.processInfo.physicalMemory)) }
        let trainer: Trainer
        if options.resume {
            trainer = try Checkpoint.resume(from: options.out, trainTokens: data.train, pool: pool).0
        } else {
            trainer = try Trainer(config: config, trainTokens: data.train, pool: pool)
        }
        let logPath = options.out + "/train_log.jsonl"
        let log = try LogFile(path: logPath, append: options.resume)
        let steps = trainer.config.steps
        var intervalLoss: Double = 0, intervalSteps = 0
        var trainSeconds = 0.0, trainedTokens = 0
        var last = RunSummary(trainLoss: .nan, valLoss: .nan, tokensPerSecond: 0, steps: trainer.step,
                              activeParameters: trainer.config.shape.activeParameters,
                              totalParameters: trainer.model.params.count, experts: [])
        if trainer.step >= steps, let logged = Plots.parse(String(decoding: (try? MappedFile.read(logPath)) ?? [], as: UTF8.self)).last {
            // A finished run resumed: nothing to train; report its last logged losses.
            last.trainLoss = Float(logged.train)
            last.valLoss = Float(logged.val)
        }
        let clock = ContinuousClock()
        while trainer.step < steps {
            let started = clock.now
            let result = try trainer.trainStep()
            trainSeconds += seconds(clock.now - started)
            trainedTokens += trainer.config.tokensPerStep
            intervalLoss += Double(result.loss.crossEntropy)
            intervalSteps += 1
            let speed = Double(trainedTokens) / max(trainSeconds, 1e-9)
            progress(RunProgress(step: trainer.step, steps: steps, trainLoss: result.loss.crossEntropy, valLoss: nil,
                                 tokensPerSecond: speed, experts: []))
            guard trainer.step % options.evalEvery == 0 || trainer.step == steps else { continue }
            let val = try trainer.evaluate(data.validation, batches: options.evalBatches)
            let experts = trainer.takeLoads().map { ExpertLoad(counts: $0) }
            let trainLoss = Float(intervalLoss / Double(intervalSteps))
            intervalLoss = 0
            intervalSteps = 0
            try log.append(TrainLogRecord(step: trainer.step, trainLoss: trainLoss, valLoss: val, lr: result.lr,
                                          gradNorm: result.gradNorm, aux: result.loss.aux, z: result.loss.z,
                                          tokensPerSecond: speed, experts: experts).json)
            try Checkpoint.save(trainer, tokenizer: data.tokenizer, to: options.out)
            last = RunSummary(trainLoss: trainLoss, valLoss: val, tokensPerSecond: speed, steps: trainer.step,
                              activeParameters: last.activeParameters, totalParameters: last.totalParameters, experts: experts)
            progress(RunProgress(step: trainer.step, steps: steps, trainLoss: result.loss.crossEntropy, valLoss: val,
                                 tokensPerSecond: speed, experts: experts))
        }
        if let export = options.export {
            try exportModel(trainer, tokenizer: data.tokenizer, dtype: .bfloat16, to: export)
        }
        return last
    }

    /// Writes a Hugging Face folder (config, weights in `dtype`, tokenizer) for `trainer`'s model.
    public static func exportModel(_ trainer: Trainer, tokenizer: BPETokenizer, dtype: ModelFiles.DType, to folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.checkpoint("cannot create \(folder): \(FileErrorText.reason(error))")
        }
        let c = trainer.config
        try FileIO.writeAtomically(ModelFiles.configJSON(c.shape, endOfText: tokenizer.endOfText, dtype: dtype,
                                                         auxLossCoef: c.loss.auxLossCoef), to: folder + "/config.json")
        try ModelFiles.writeWeights(trainer.model.params, extra: trainer.model.selectionBiasTensors, dtype: dtype, to: folder)
        try TokenizerFiles.write(tokenizer, maxLength: c.shape.context, to: folder)
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// One line of `train_log.jsonl`.
public struct TrainLogRecord: Sendable {
    /// Steps completed.
    public var step: Int
    /// Mean training cross-entropy since the previous record.
    public var trainLoss: Float
    /// Validation cross-entropy.
    public var valLoss: Float
    /// Learning rate of the last step.
    public var lr: Float
    /// Gradient norm of the last step (before clipping).
    public var gradNorm: Float
    /// Balance loss of the last step.
    public var aux: Float
    /// z-loss of the last step.
    public var z: Float
    /// Training tokens per second so far.
    public var tokensPerSecond: Double
    /// Routing health per MoE layer since the previous record.
    public var experts: [ExpertLoad]

    /// The record as one JSON object.
    public var json: String {
        let layers = experts.map { m in
            "{\"entropy\":\(num(m.normalizedEntropy)),\"cv\":\(num(m.coefficientOfVariation)),"
                + "\"max_violation\":\(num(m.maxViolation)),\"dead\":\(m.deadExperts),"
                + "\"load\":[\(m.counts.map(String.init).joined(separator: ","))]}"
        }
        return "{\"step\":\(step),\"train_loss\":\(num(Double(trainLoss))),\"val_loss\":\(num(Double(valLoss))),"
            + "\"lr\":\(num(Double(lr))),\"grad_norm\":\(num(Double(gradNorm))),\"aux_loss\":\(num(Double(aux))),"
            + "\"z_loss\":\(num(Double(z))),\"tokens_per_s\":\(num(tokensPerSecond)),\"experts\":[\(layers.joined(separator: ","))]}"
    }
}

/// A JSON number (`null` for NaN or infinity).
func num(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

/// An append-only text file, flushed after every line.
final class LogFile {
    private let handle: FileHandle

    init(path: String, append: Bool) throws {
        let manager = FileManager.default
        if !append || !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil) else { throw TrainingError.checkpoint("cannot create \(path)") }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw TrainingError.checkpoint("cannot open \(path)") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { handle.closeFile() }

    func append(_ line: String) throws {
        handle.write(Data((line + "\n").utf8))
    }
}
