import ArgumentParser
import Foundation
import MoEKernels
import MoETraining

/// `moe train`: trains an MoE (Mixtral layout, or Qwen2-MoE with shared experts) or dense
/// (Llama layout) model from scratch.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small MoE or dense transformer from scratch on CPU.",
        discussion: """
            Writes OUT/train_log.jsonl (one JSON record per evaluation) and OUT/checkpoint (a Hugging \
            Face folder: Mixtral for MoE, Qwen2-MoE with --shared-experts, Llama with --dense; plus \
            optimizer state for --resume). With --compare, trains the MoE and a dense model with the \
            same active parameters per token on the same batches, into OUT/moe and OUT/dense.
            """
    )

    @Option(name: .long, help: "A text file or a folder of text files.") var data: String
    @Option(name: .long, help: "Output folder.") var out: String
    @Flag(name: .long, help: "Train a dense (Llama) model instead of an MoE.") var dense = false
    @Flag(name: .long, help: "Train the MoE and an equal-active-parameter dense model on the same tokens.") var compare = false
    @Option(name: .long, parsing: .unconditional, help: "Optimizer steps, 1...100000000.", transform: OptionValue.int(1...100_000_000)) var steps = 1000
    @Option(name: .long, parsing: .unconditional, help: "Decoder layers, 1...1024.", transform: OptionValue.int(1...1024)) var layers = 4
    @Option(name: .long, parsing: .unconditional, help: "Residual width, 2...65536.", transform: OptionValue.int(2...65536)) var hidden = 128
    @Option(name: .long, parsing: .unconditional, help: "Attention heads, 1...1024.", transform: OptionValue.int(1...1024)) var heads = 4
    @Option(name: .long, parsing: .unconditional, help: "Key/value heads, 1...1024 dividing --heads (default: --heads).", transform: OptionValue.int(1...1024)) var kvHeads: Int?
    @Option(name: .long, parsing: .unconditional, help: "Routed experts per layer, 1...1024 (use --dense for a model without experts).", transform: OptionValue.int(1...1024)) var experts = 8
    @Option(name: .long, parsing: .unconditional, help: "Experts per token, 1...--experts.", transform: OptionValue.int(1...1024)) var topK = 2
    @Option(name: .long, parsing: .unconditional, help: "Hidden width of each expert (and of the dense FFN: (top-k + shared experts) x this), 1...1048576.", transform: OptionValue.int(1...1 << 20)) var expertHidden = 128
    @Option(name: .long, parsing: .unconditional, help: "Tokens per sequence, 2...1048576.", transform: OptionValue.int(2...1 << 20)) var context = 128
    @Option(name: .long, parsing: .unconditional, help: "Sequences per micro-batch, 1...1048576.", transform: OptionValue.int(1...1 << 20)) var batch = 16
    @Option(name: .long, parsing: .unconditional, help: "Micro-batches per optimizer step, 1...1048576.", transform: OptionValue.int(1...1 << 20)) var gradAccum = 1
    @Option(name: .long, parsing: .unconditional, help: "Peak learning rate, > 0.", transform: OptionValue.float(atLeast: 0, exclusive: true)) var lr: Float = 3e-3
    @Option(name: .long, parsing: .unconditional, help: "Warmup steps, 0...100000000.", transform: OptionValue.int(0...100_000_000)) var warmup = 50
    @Option(name: .long, parsing: .unconditional, help: "AdamW weight decay (matrices only), >= 0.", transform: OptionValue.float(atLeast: 0)) var weightDecay: Float = 0.1
    @Option(name: .long, parsing: .unconditional, help: "Global gradient-norm clip, >= 0 (0: off).", transform: OptionValue.float(atLeast: 0)) var gradClip: Float = 1
    @Option(name: .long, parsing: .unconditional, help: "Load-balancing loss coefficient, >= 0.", transform: OptionValue.float(atLeast: 0)) var auxLossCoef: Float = 0.01
    @Option(name: .long, parsing: .unconditional, help: "Router z-loss coefficient, >= 0.", transform: OptionValue.float(atLeast: 0)) var zLossCoef: Float = 0.001
    @Option(name: .long, help: "Balancing: aux (Switch loss), bias (DeepSeek-V3 loss-free), none. With bias, checkpoints carry each router's selection bias as DeepSeek-V3's e_score_correction_bias (GGUF: exp_probs_b.bias), which moe uses; transformers' Mixtral ignores it and llama.cpp's llama architecture rejects the extra tensor.") var balance = "aux"
    @Flag(name: .long, help: "Pool the aux loss over layers, as transformers does (default: per layer).") var pooledAuxLoss = false
    @Option(name: .long, parsing: .unconditional, help: "Expert capacity factor, > 0; tokens beyond capacity are dropped (default: dropless).", transform: OptionValue.float(atLeast: 0, exclusive: true)) var capacityFactor: Float?
    @Option(name: .long, parsing: .unconditional, help: "Shared experts N, 0...64: each MoE layer adds an always-on, sigmoid-gated SwiGLU expert N x --expert-hidden wide (a Qwen2-MoE checkpoint); 0: none (Mixtral).",
            transform: OptionValue.int(0...64))
    var sharedExperts = 0
    @Option(name: .long, parsing: .unconditional, help: "Steps between evaluations, log records and checkpoints, >= 1.", transform: OptionValue.int(1...Int.max)) var evalEvery = 100
    @Option(name: .long, parsing: .unconditional, help: "Validation batches per evaluation, 1...1048576.", transform: OptionValue.int(1...1 << 20)) var evalBatches = 8
    @Option(name: .long, parsing: .unconditional, help: "Seed of initialisation and batch order, 0 to 2^64-1.", transform: OptionValue.seed) var seed: UInt64 = 1
    @Option(name: .long, help: "Existing tokenizer.json (or folder); default: train one on the data.") var tokenizer: String?
    @Option(name: .long, parsing: .unconditional, help: "Vocabulary size of a trained tokenizer, \(vocabularyRange).", transform: OptionValue.int(vocabularyRange)) var vocabSize = 2048
    @Option(name: .long, help: "Also write the final model in bf16 to this folder.") var export: String?
    @Option(name: .long, parsing: .unconditional, help: "Worker threads, \(threadRange) (default: all cores).", transform: OptionValue.int(threadRange)) var threads: Int?
    @Flag(name: .long, help: "Continue the run in OUT/checkpoint bit-exactly, to its own --steps: the checkpoint's model shape, schedule, loss options and seed are used and the command line's training options ignored with a warning (only --data, --out, --threads, --eval-every, --eval-batches and --export apply).") var resume = false
    @Flag(name: .long, help: "Print a JSON summary as the last line of standard output.") var json = false

    func validate() throws {
        guard BalanceMode(rawValue: balance) != nil else { throw ValidationError("--balance must be aux, bias or none, found \(balance)") }
        guard hidden % heads == 0, (hidden / heads) % 2 == 0 else {
            throw ValidationError("--hidden (\(hidden)) must be a multiple of --heads (\(heads)) with an even head width")
        }
        if let kvHeads, heads % kvHeads != 0 {
            throw ValidationError("--kv-heads (\(kvHeads)) must divide --heads (\(heads))")
        }
        guard dense || topK <= experts else { throw ValidationError("--top-k (\(topK)) must be at most --experts (\(experts))") }
        guard !compare || !dense else { throw ValidationError("--compare already trains a dense model; drop --dense") }
        guard !compare || !resume else { throw ValidationError("--compare cannot --resume") }
    }

    /// The MoE, or the dense model with its active parameters per token: an FFN as wide as the
    /// top-k experts and the shared experts together.
    func shape(dense: Bool) -> ModelShape {
        ModelShape(vocabSize: vocabSize, hidden: hidden, layers: layers, heads: heads, kvHeads: kvHeads,
                   ffnHidden: dense ? (topK + sharedExperts) * expertHidden : expertHidden, experts: dense ? 0 : experts,
                   topK: topK, sharedExpertHidden: sharedExperts * expertHidden, context: context)
    }

    func config(dense: Bool) -> TrainingConfig {
        let loss = LossOptions(auxLossCoef: auxLossCoef, zLossCoef: zLossCoef, balance: BalanceMode(rawValue: balance) ?? .aux,
                               pooledAuxLoss: pooledAuxLoss, capacityFactor: capacityFactor)
        return TrainingConfig(shape: shape(dense: dense), loss: loss, steps: steps, batch: batch, seq: context,
                              gradAccum: gradAccum, lr: lr, warmup: warmup, weightDecay: weightDecay, gradClip: gradClip, seed: seed)
    }

    /// Options that still apply with `--resume`; the checkpoint fixes every other one.
    static let resumeOptions: Set<String> = ["--data", "--out", "--threads", "--eval-every", "--eval-batches", "--export",
                                             "--resume", "--json"]

    /// The options in `arguments` that `--resume` ignores, in order, each once.
    static func ignoredOnResume(_ arguments: [String]) -> [String] {
        var seen: Set<String> = []
        return arguments.compactMap { argument in
            guard argument.hasPrefix("--") else { return nil }
            let name = String(argument.prefix { $0 != "=" })
            guard !resumeOptions.contains(name), seen.insert(name).inserted else { return nil }
            return name
        }
    }

    func run() throws {
        if resume {
            let ignored = Self.ignoredOnResume(Array(CommandLine.arguments.dropFirst()))
            if !ignored.isEmpty {
                FileHandle.standardError.write(Data("warning: --resume continues with the checkpoint's settings; ignoring \(ignored.joined(separator: ", "))\n".utf8))
            }
        }
        let pool = ThreadPool(threadCount: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let options = RunOptions(data: data, out: out, tokenizer: tokenizer, vocabSize: vocabSize, evalEvery: evalEvery,
                                 evalBatches: evalBatches, resume: resume, export: export)
        let prepared = try PreparedData(options: options)
        FileHandle.standardError.write(Data("data: \(prepared.train.count) training / \(prepared.validation.count) validation tokens, vocabulary \(prepared.tokenizer.vocabSize)\n".utf8))
        if compare {
            var results: [(String, RunSummary)] = []
            for (name, isDense) in [("moe", false), ("dense", true)] {
                var o = options
                o.out = out + "/" + name
                o.export = export.map { $0 + "/" + name }
                let summary = try TrainingRun.run(config: config(dense: isDense), data: prepared, options: o, pool: pool,
                                                  progress: ProgressBar(label: name).update)
                results.append((name, summary))
            }
            if json {
                emit("{" + results.map { "\"\($0.0)\":\(summaryJSON($0.1))" }.joined(separator: ",") + "}\n")
            } else {
                for (name, s) in results {
                    emit("\(name): val loss \(format(s.valLoss)), \(Int(s.tokensPerSecond)) tokens/s, \(s.activeParameters) active / \(s.totalParameters) total parameters\n")
                }
            }
            return
        }
        let summary = try TrainingRun.run(config: config(dense: dense), data: prepared, options: options, pool: pool,
                                          progress: ProgressBar(label: dense ? "dense" : "moe").update)
        if json {
            emit(summaryJSON(summary) + "\n")
        } else {
            emit("train loss \(format(summary.trainLoss)), val loss \(format(summary.valLoss)), \(Int(summary.tokensPerSecond)) tokens/s; checkpoint in \(out)/checkpoint\n")
        }
    }

    private func format(_ x: Float) -> String { String(format: "%.4f", x) }

    private func summaryJSON(_ s: RunSummary) -> String {
        let experts = s.experts.map {
            "{\"entropy\":\(jsonNumber($0.normalizedEntropy)),\"cv\":\(jsonNumber($0.coefficientOfVariation)),\"max_violation\":\(jsonNumber($0.maxViolation)),\"dead\":\($0.deadExperts)}"
        }
        return "{\"train_loss\":\(jsonNumber(Double(s.trainLoss))),\"val_loss\":\(jsonNumber(Double(s.valLoss))),"
            + "\"tokens_per_s\":\(jsonNumber(s.tokensPerSecond)),\"steps\":\(s.steps),\"active_parameters\":\(s.activeParameters),"
            + "\"total_parameters\":\(s.totalParameters),\"experts\":[\(experts.joined(separator: ","))]}"
    }

    private func jsonNumber(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
}

/// A one-line progress bar on standard error, redrawn in place.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private var lastVal: Float?

    init(label: String) { self.label = label }

    func update(_ p: RunProgress) {
        if let v = p.valLoss { lastVal = v }
        let width = 30
        let filled = p.steps > 0 ? width * p.step / p.steps : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        var line = "\r\(label) [\(bar)] \(p.step)/\(p.steps) loss \(String(format: "%.3f", p.trainLoss))"
        if let v = lastVal { line += " val \(String(format: "%.3f", v))" }
        line += " \(Int(p.tokensPerSecond)) tok/s"
        if let e = p.experts.map(\.normalizedEntropy).min() { line += " min-entropy \(String(format: "%.3f", e))" }
        if p.step == p.steps && p.valLoss != nil { line += "\n" }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
