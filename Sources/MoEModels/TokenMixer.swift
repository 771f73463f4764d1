import MoEKernels

/// The half of a decoder layer that mixes information across positions: attention, or a
/// recurrent linear-attention block such as gated DeltaNet. Each kind keeps its own
/// per-sequence state (``LayerCache``) and is tested on its own.
protocol TokenMixer: Sendable {
    /// An empty per-sequence state for a cache of up to `capacity` positions.
    func makeCache(capacity: Int) -> LayerCache

    /// Mixes `tokens` new positions, starting at position `start`, into `output`, and
    /// records them in `state`.
    ///
    /// - input: `(tokens, hidden)`
    /// - output: `(tokens, hidden)`, overwritten
    func callAsFunction(
        _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens: Int, start: Int,
        state: LayerCache, context: MixerContext
    )

    /// Parameters in the mixer's weights.
    var parameterCount: Int { get }
}

/// What every token mixer of one forward pass shares.
struct MixerContext {
    /// cos and sin of every rotary angle of the new positions, each `(tokens, rotaryDim / 2)`.
    let rope: (cos: FloatBuffer, sin: FloatBuffer)
    /// Scratch buffers of the sequence's cache.
    let workspace: Workspace
    /// Threads to run on.
    let pool: ThreadPool
}
