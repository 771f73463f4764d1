import MoEKernels

/// Everything one sequence has left behind in the model: per layer, the state its token
/// mixer keeps (keys and values for attention, compressed latents for latent attention, a
/// conv window and a recurrent matrix for gated DeltaNet), plus the scratch a forward pass needs. One cache is one conversation:
/// a model may serve several caches, but one cache is used by one forward pass at a time.
public final class ModelCache: @unchecked Sendable {
    /// Positions the cache can hold.
    public let capacity: Int
    /// Positions stored so far (the next token's position).
    public internal(set) var length = 0
    /// Per layer, the token mixer's state. `(layers)`
    let layers: [LayerCache]
    /// Scratch buffers reused between forward passes.
    let workspace = Workspace()
    /// Recurrent layers' states saved at earlier positions, oldest first, so a shorter
    /// prefix can be resumed without recomputing it (attention layers just truncate).
    private var checkpoints: [(length: Int, states: [RecurrentState?])] = []
    /// Checkpoints kept at most (each holds every recurrent layer's state).
    static let checkpointLimit = 2

    /// An empty cache holding up to `capacity` positions, one state per layer.
    init(capacity: Int, layers: [LayerCache]) {
        self.capacity = capacity
        self.layers = layers
    }

    /// Whether any layer keeps recurrent state, which cannot be cut back to an earlier
    /// position without a checkpoint.
    public var isRecurrent: Bool {
        layers.contains { if case .recurrent = $0 { return true } else { return false } }
    }

    /// Forgets every position (the buffers are kept).
    public func reset() {
        length = 0
        checkpoints.removeAll()
        for case .recurrent(let state) in layers { state.clear() }
        for case .attention(let kv) in layers { kv.clear() }
    }

    /// Saves the recurrent layers' states at the current position, so that `rewind` can
    /// come back to it. Does nothing for attention-only models, which rewind for free.
    public func checkpoint() {
        guard isRecurrent, !checkpoints.contains(where: { $0.length == length }) else { return }
        let states = layers.map { layer -> RecurrentState? in
            if case .recurrent(let s) = layer { return s.copy() }
            return nil
        }
        checkpoints.append((length, states))
        if checkpoints.count > Self.checkpointLimit { checkpoints.removeFirst() }
    }

    /// Goes back to the longest reusable prefix of at most `maxLength` positions and
    /// returns its length: `maxLength` itself for attention-only models, otherwise the
    /// latest checkpoint (or the current position) not past it, or 0. A sliding-window layer
    /// that has dropped the rows the target's next query would see makes it 0 (a fresh start).
    public func rewind(toAtMost maxLength: Int) -> Int {
        let target = max(0, min(length, maxLength))
        for case .attention(let kv) in layers where !kv.canResume(at: target) {
            reset()
            return 0
        }
        guard isRecurrent, target < length else {
            length = target
            return target
        }
        checkpoints.removeAll { $0.length > target }
        guard let saved = checkpoints.last else {
            reset()
            return 0
        }
        for (layer, state) in zip(layers, saved.states) {
            if case .recurrent(let live) = layer, let state { live.restore(from: state) }
        }
        length = saved.length
        return saved.length
    }

    /// Makes room for positions up to `needed` (exclusive).
    func reserve(_ needed: Int) {
        for layer in layers {
            switch layer {
            case .attention(let kv): kv.reserve(needed, keeping: length)
            case .latent(let latent): latent.reserve(needed, keeping: length)
            case .recurrent: break
            }
        }
    }
}

/// Named scratch buffers, each grown to the largest size asked for and then reused.
final class Workspace: @unchecked Sendable {
    private var buffers: [String: FloatBuffer] = [:]

    /// A buffer with at least `rows` rows of `cols` floats; contents unspecified.
    func buffer(_ name: String, rows: Int, cols: Int) -> FloatBuffer {
        if let b = buffers[name], b.cols == cols, b.rows >= rows { return b }
        let b = FloatBuffer(rows: rows, cols: cols)
        buffers[name] = b
        return b
    }
}
