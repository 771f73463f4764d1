import MoEKernels

/// One named tensor inside a flat parameter (or gradient, or optimizer-moment) buffer.
public struct ParameterSlot: Sendable, Equatable {
    /// Hugging Face hub name, e.g. `model.layers.0.self_attn.q_proj.weight`.
    public let name: String
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// First element in the flat buffer.
    public let offset: Int
    /// Element count.
    public var count: Int { shape.reduce(1, *) }
    /// True for the tensors AdamW decays (matrices; not norms).
    public var decays: Bool { shape.count > 1 }
}

/// A tensor of the checkpoint layout that the trainer keeps at zero rather than training
/// (Qwen2-MoE's q/k/v biases): written as zeros, and required to be zero when loaded.
public struct ZeroTensor: Sendable, Equatable {
    /// Hugging Face hub name, e.g. `model.layers.0.self_attn.q_proj.bias`.
    public let name: String
    /// Dimensions, outermost first.
    public let shape: [Int]
}

/// Where every tensor of a model lives in one flat f32 buffer, in the Hugging Face naming of
/// the model's checkpoint layout (Llama, Mixtral or Qwen2-MoE).
public struct ParameterLayout: Sendable {
    /// Every tensor, in buffer order.
    public let slots: [ParameterSlot]
    /// Total elements.
    public let count: Int
    /// Tensors the checkpoint has besides `slots`, always zero.
    public let zeroTensors: [ZeroTensor]
    private let index: [String: Int]

    /// The layout of `shape`.
    public init(shape s: ModelShape) {
        var slots: [ParameterSlot] = []
        var zeroTensors: [ZeroTensor] = []
        var offset = 0
        func add(_ name: String, _ dims: [Int]) {
            slots.append(ParameterSlot(name: name, shape: dims, offset: offset))
            offset += dims.reduce(1, *)
        }
        func addMLP(_ names: SwiGLUNames, width: Int) {
            let up = (names.up, [width, s.hidden]), down = (names.down, [s.hidden, width])
            add(names.gate, [width, s.hidden])
            for (name, dims) in names.downBeforeUp ? [down, up] : [up, down] { add(name, dims) }
        }
        add("model.embed_tokens.weight", [s.vocabSize, s.hidden])
        for l in 0..<s.layers {
            let names = LayerTensorNames(layer: l, layout: s.layout)
            add(names.inputNorm, [s.hidden])
            add(names.query, [s.queryWidth, s.hidden])
            add(names.key, [s.kvWidth, s.hidden])
            add(names.value, [s.kvWidth, s.hidden])
            add(names.output, [s.hidden, s.queryWidth])
            add(names.postAttentionNorm, [s.hidden])
            zeroTensors += zip(names.attentionBiases, [s.queryWidth, s.kvWidth, s.kvWidth]).map { ZeroTensor(name: $0, shape: [$1]) }
            if s.isMoE {
                add(names.router, [s.experts, s.hidden])
                for e in 0..<s.experts { addMLP(names.expert(e), width: s.ffnHidden) }
                if s.hasSharedExpert {
                    addMLP(names.sharedExpert, width: s.sharedExpertHidden)
                    add(names.sharedExpertGate, [1, s.hidden])
                }
            } else {
                addMLP(names.denseMLP, width: s.ffnHidden)
            }
        }
        add("model.norm.weight", [s.hidden])
        add("lm_head.weight", [s.vocabSize, s.hidden])
        self.slots = slots
        self.count = offset
        self.zeroTensors = zeroTensors
        var index: [String: Int] = [:]
        for (i, slot) in slots.enumerated() { index[slot.name] = i }
        self.index = index
    }

    /// The slot called `name`, if any.
    public func slot(_ name: String) -> ParameterSlot? { index[name].map { slots[$0] } }

    /// Offset of `name`; the layout built every name the model asks for.
    func offset(_ name: String) -> Int { index[name].map { slots[$0].offset } ?? 0 }
}

/// An owned, zero-initialised, 64-byte-aligned flat f32 buffer laid out by a `ParameterLayout`.
public final class ParameterBuffer: @unchecked Sendable {
    /// The layout.
    public let layout: ParameterLayout
    /// First element. `(layout.count)`
    public let base: UnsafeMutablePointer<Float>

    /// Allocates zeros for `layout`.
    public init(layout: ParameterLayout) {
        self.layout = layout
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, layout.count) * 4, alignment: 64)
        base = raw.initializeMemory(as: Float.self, repeating: 0, count: max(1, layout.count))
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    /// Total elements.
    public var count: Int { layout.count }

    /// First element of tensor `name` (the first element of the buffer if unknown).
    public func pointer(_ name: String) -> UnsafeMutablePointer<Float> { base + layout.offset(name) }

    /// Sets every element to zero.
    public func zero() { base.update(repeating: 0, count: count) }

    /// Copies every element of `other` (same layout).
    public func copy(from other: ParameterBuffer) { base.update(from: other.base, count: min(count, other.count)) }

    /// Tensor `name` as an array (empty if unknown).
    public func array(_ name: String) -> [Float] {
        guard let slot = layout.slot(name) else { return [] }
        return Array(UnsafeBufferPointer(start: base + slot.offset, count: slot.count))
    }

    /// Initialises weights as a fresh model: norms to 1, matrices N(0, `std`), from `rng`.
    public func initialize(std: Float, rng: inout SplitMix64) {
        for slot in layout.slots {
            let p = base + slot.offset
            if slot.shape.count == 1 {
                p.update(repeating: 1, count: slot.count)
            } else {
                for i in 0..<slot.count { p[i] = Float(rng.nextNormal()) * std }
            }
        }
    }
}
