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
    @Option(name: .long, help: "Optimizer steps.") var steps = 1000
    @Option(name: .long, help: "Decoder layers.") var layers = 4
    @Option(name: .long, help: "Residual width.") var hidden = 128
    @Option(name: .long, help: "Attention heads.") var heads = 4
    @Option(name: .long, help: "Key/value heads (default: --heads).") var kvHeads: Int?
    @Option(name: .long, help: "Routed experts per layer.") var experts = 8
    @Option(name: .long, help: "Experts per token.") var topK = 2
    @Option(name: .long, help: "Hidden width of each expert (and of the dense FFN: (top-k + shared experts) x this).") var expertHidden = 128
    @Option(name: .long, help: "Tokens per sequence.") var context = 128
    @Option(name: .long, help: "Sequences per micro-batch.") var batch = 16
    @Option(name: .long, help: "Micro-batches per optimizer step.") var gradAccum = 1
    @Option(name: .long, help: "Peak learning rate.") var lr: Float = 3e-3
    @Option(name: .long, help: "Warmup steps.") var warmup = 50
    @Option(name: .long, help: "AdamW weight decay (matrices only).") var weightDecay: Float = 0.1
    @Option(name: .long, help: "Global gradient-norm clip (0: off).") var gradClip: Float = 1
    @Option(name: .long, help: "Load-balancing loss coefficient.") var auxLossCoef: Float = 0.01
    @Option(name: .long, help: "Router z-loss coefficient.") var zLossCoef: Float = 0.001
    @Option(name: .long, help: "Balancing: aux (Switch loss), bias (DeepSeek-V3 loss-free), none. With bias, checkpoints carry each router's selection bias as DeepSeek-V3's e_score_correction_bias (GGUF: exp_probs_b.bias), which moe uses; transformers' Mixtral ignores it and llama.cpp's llama architecture rejects the extra tensor.") var balance = "aux"
    @Flag(name: .long, help: "Pool the aux loss over layers, as transformers does (default: per layer).") var pooledAuxLoss = false
    @Option(name: .long, help: "Expert capacity factor; tokens beyond capacity are dropped (default: dropless).") var capacityFactor: Float?
    @Option(name: .long, help: "Shared experts N: each MoE layer adds an always-on, sigmoid-gated SwiGLU expert N x --expert-hidden wide (a Qwen2-MoE checkpoint); 0: none (Mixtral).")
    var sharedExperts = 0
    @Option(name: .long, help: "Steps between evaluations, log records and checkpoints.") var evalEvery = 100
    @Option(name: .long, help: "Validation batches per evaluation.") var evalBatches = 8
    @Option(name: .long, help: "Seed of initialisation and batch order.") var seed: UInt64 = 1
    @Option(name: .long, help: "Existing tokenizer.json (or folder); default: train one on the data.") var tokenizer: String?
    @Option(name: .long, help: "Vocabulary size of a trained tokenizer.") var vocabSize = 2048
    @Option(name: .long, help: "Also write the final model in bf16 to this folder.") var export: String?
    @Option(name: .long, help: "Worker threads (default: all cores).") var threads: Int?
    @Flag(name: .long, help: "Continue the run in OUT/checkpoint bit-exactly, to its own --steps: the checkpoint's model shape, schedule, loss options and seed are used and the command line's training options ignored with a warning (only --data, --out, --threads, --eval-every, --eval-batches and --export apply).") var resume = false
    @Flag(name: .long, help: "Print a JSON summary as the last line of standard output.") var json = false

    func validate() throws {
        guard BalanceMode(rawValue: balance) != nil else { throw ValidationError("--balance must be aux, bias or none, found \(balance)") }
        guard sharedExperts >= 0 else { throw ValidationError("--shared-experts must be 0 or more") }
        guard steps > 0, layers > 0, hidden > 0, heads > 0, context > 1, batch > 0, gradAccum > 0, evalEvery > 0 else {
            throw ValidationError("--steps, --layers, --hidden, --heads, --batch, --grad-accum, --eval-every must be positive and --context > 1")
        }
        guard hidden % heads == 0, (hidden / heads) % 2 == 0 else {
            throw ValidationError("--hidden (\(hidden)) must be a multiple of --heads (\(heads)) with an even head width")
        }
        guard vocabSize >= 257 else { throw ValidationError("--vocab-size must be at least 257") }
        guard !compare || !dense else { throw ValidationError("--compare already trains a dense model; drop --dense") }
        guard !compare || !resume else { throw ValidationError("--compare cannot --resume") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be between 1 and 1024") }
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
