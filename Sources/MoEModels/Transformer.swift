import Foundation
import MoEFormats
import MoEKernels

/// A decoder-only transformer (dense or MoE) whose weights are read in place from a mapped
/// Hugging Face checkpoint.
///
/// Data flow per layer: rmsnorm -> attention -> residual -> rmsnorm -> dense FFN or sparse
/// MoE -> residual; then final norm and the output head.
public final class Transformer: @unchecked Sendable {
    /// The architecture.
    public let config: ModelConfig
    /// Threads every kernel of this model runs on.
    public let pool: ThreadPool
    /// The mapped weights (kept alive while the model is).
    public let weights: WeightSource
    /// `(vocab, hidden)`
    let embedding: WeightMatrix
    /// `(vocab, hidden)`: the embedding itself when tied.
    let outputHead: WeightMatrix
    /// `(hidden)`
    let finalNorm: [Float]
    /// Decoder layers, in order.
    let layers: [DecoderLayer]
    /// RoPE inverse frequencies, `(rotaryDim / 2)`.
    let inverseFrequencies: [Double]

    /// Loads a model: a Hugging Face folder (config.json + safetensors) or a `.gguf` file.
    public convenience init(path: String, pool: ThreadPool) throws {
        if path.hasSuffix(".gguf") {
            let weights = try GGUFWeights(path: path)
            try self.init(config: weights.config, weights: weights, pool: pool)
        } else {
            try self.init(config: try ModelConfig.load(folder: path), weights: try SafetensorsWeights(folder: path), pool: pool)
        }
    }

    /// Builds the model from an already-read config and weights.
    public init(config c: ModelConfig, weights: WeightSource, pool: ThreadPool) throws {
        let w = WeightLoader(source: weights)
        config = c
        self.pool = pool
        self.weights = weights
        embedding = try w.matrix("\(c.tensorPrefix)embed_tokens.weight", rows: c.vocabSize, cols: c.hiddenSize)
        if c.tieWordEmbeddings {
            outputHead = embedding
        } else {
            outputHead = try w.matrix("lm_head.weight", rows: c.vocabSize, cols: c.hiddenSize)
        }
        finalNorm = try w.normVector("\(c.tensorPrefix)norm.weight", count: c.hiddenSize, config: c)
        layers = try (0..<c.layerCount).map { try DecoderLayer(w, config: c, layer: $0) }
        inverseFrequencies = c.rope.inverseFrequencies(dimension: c.rotaryDim)
    }

    /// Which rows of logits a forward pass returns.
    public enum LogitRows: Sendable {
        /// One row per input token.
        case all
        /// Only the last input token's row (generation).
        case last
    }

    /// Tokens one pass runs at most: longer inputs run in consecutive pieces, which bounds the
    /// scratch memory of a long prompt (attention scores grow with pass length x context).
    public static let passTokens = 2048

    /// Runs `tokens` at positions `cache.length ..< cache.length + tokens.count`, appends
    /// them to `cache` and returns the logits, `(tokens or 1, vocab)`. Inputs longer than
    /// `passTokens` run in pieces of that many tokens.
    public func forward(_ tokens: [Int], cache: ModelCache, logits rows: LogitRows = .all,
                        trace: RoutingTrace? = nil) throws -> FloatBuffer {
        let n = tokens.count
        guard n > 0 else { throw ModelError.emptyInput }
        for id in tokens where !(0..<config.vocabSize).contains(id) {
            throw ModelError.tokenOutOfRange(id: id, vocabSize: config.vocabSize)
        }
        guard n <= cache.capacity - cache.length else {
            throw ModelError.contextFull(needed: cache.length + n, capacity: cache.capacity)
        }
        guard n > Self.passTokens else { return try finite(pass(tokens, cache: cache, logits: rows, trace: trace)) }
        let pieces = stride(from: 0, to: n, by: Self.passTokens).map { Array(tokens[$0..<min(n, $0 + Self.passTokens)]) }
        guard rows == .all else {
            var last = FloatBuffer(rows: 1, cols: config.vocabSize)
            for piece in pieces { last = pass(piece, cache: cache, logits: .last, trace: trace) }
            return try finite(last)
        }
        let logits = FloatBuffer(rows: n, cols: config.vocabSize)  // (n, vocab)
        var done = 0
        for piece in pieces {
            let part = pass(piece, cache: cache, logits: .all, trace: trace)
            logits.row(done).update(from: part.base, count: part.count)
            done += piece.count
        }
        return try finite(logits)
    }

    /// `logits` if every value is finite; otherwise the error names the first weight that is
    /// not (found by reading every weight, which only this failure pays for).
    private func finite(_ logits: FloatBuffer) throws -> FloatBuffer {
        guard UnsafeBufferPointer(start: logits.base, count: logits.count).allSatisfy(\.isFinite) else {
            throw ModelError.nonFiniteLogits(tensor: WeightLoader(source: weights).firstNonFiniteTensor())
        }
        return logits
    }

    /// One pass over `tokens` (already checked against the vocabulary and the capacity).
    private func pass(_ tokens: [Int], cache: ModelCache, logits rows: LogitRows, trace: RoutingTrace?) -> FloatBuffer {
        let n = tokens.count
        cache.reserve(cache.length + n)
        let ws = cache.workspace
        let hidden = config.hiddenSize
        let x = ws.buffer("x", rows: n, cols: hidden)          // (n, hidden) residual stream
        let normed = ws.buffer("normed", rows: n, cols: hidden) // (n, hidden)
        let block = ws.buffer("block", rows: n, cols: hidden)   // (n, hidden) a block's output
        for (t, id) in tokens.enumerated() {
            Kernels.decodeRow(embedding, row: id, into: x.row(t))
        }
        if config.embeddingMultiplier != 1 {
            VectorOps.scale(x.base, by: config.embeddingMultiplier, count: n * hidden)
        }
        let context = MixerContext(rope: ropeTables(start: cache.length, count: n, workspace: ws), workspace: ws, pool: pool)
        for (i, layer) in layers.enumerated() {
            layer.forward(x: x, normed: normed, block: block, tokens: n, layer: i, start: cache.length,
                          state: cache.layers[i], context: context, config: config, trace: trace)
        }
        cache.length += n

        let first = rows == .all ? 0 : n - 1
        let count = n - first
        finalNorm.withUnsafeBufferPointer { w in
            guard let weight = w.baseAddress else { return }
            for t in first..<n {
                Kernels.rmsNorm(x.row(t), weight: weight, count: hidden, eps: config.rmsNormEps, output: normed.row(t - first))
            }
        }
        let logits = FloatBuffer(rows: count, cols: config.vocabSize)
        Kernels.matmul(outputHead, input: normed.base, output: logits.base, tokens: count, pool: pool)
        if config.logitsScaling != 1 {
            VectorOps.scale(logits.base, by: 1 / config.logitsScaling, count: logits.count)
        }
        return logits
    }

    /// cos/sin of every rotary angle for positions `start ..< start + count` (times the
    /// RoPE attention factor), each
    /// `(count, rotaryDim / 2)`.
    private func ropeTables(start: Int, count: Int, workspace ws: Workspace) -> (cos: FloatBuffer, sin: FloatBuffer) {
        let half = config.rotaryDim / 2
        let c = ws.buffer("rope.cos", rows: count, cols: half)
        let s = ws.buffer("rope.sin", rows: count, cols: half)
        let scale = config.rope.attentionFactor
        for t in 0..<count {
            let position = Double(start + t)
            for i in 0..<half {
                let angle = position * inverseFrequencies[i]
                c[t, i] = Float(Foundation.cos(angle) * scale)
                s[t, i] = Float(Foundation.sin(angle) * scale)
            }
        }
        return (c, s)
    }

    /// An empty cache for one sequence of up to `capacity` positions.
    public func makeCache(capacity: Int) -> ModelCache {
        ModelCache(capacity: capacity, layers: layers.map { $0.mixer.makeCache(capacity: capacity) })
    }
}

/// Errors from running a model on bad input.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// A forward pass with no tokens.
    case emptyInput
    /// A token id outside the vocabulary.
    case tokenOutOfRange(id: Int, vocabSize: Int)
    /// More positions than the cache holds.
    case contextFull(needed: Int, capacity: Int)
    /// The logits hold NaN or infinity; `tensor` is the first weight that does, if any.
    case nonFiniteLogits(tensor: String?)

    /// A one-line, human-readable description.
    public var description: String {
        switch self {
        case .emptyInput: return "no input tokens"
        case .tokenOutOfRange(let id, let v): return "token id \(id) is outside the vocabulary (0..<\(v))"
        case .contextFull(let needed, let capacity): return "context of \(needed) tokens exceeds the cache capacity of \(capacity)"
        case .nonFiniteLogits(let tensor?):
            return "the logits are NaN or infinite: tensor '\(tensor)' holds NaN or infinite values"
        case .nonFiniteLogits(nil):
            return "the logits are NaN or infinite, though every weight is finite (the activations overflowed)"
        }
    }
}
