import MoEKernels

/// One stored tensor as the model code sees it, whatever the file format.
public struct StoredTensor: @unchecked Sendable {
    /// The tensor's name in its file (for error messages).
    public let name: String
    /// The stored element type's name as the format spells it (`BF16`, `Q8_0`, ...).
    public let typeName: String
    /// The kernel type to compute with, or nil if the engine cannot compute on this type.
    public let weightType: WeightType?
    /// Dimensions, outermost first (PyTorch order).
    public let shape: [Int]
    /// The stored bytes, inside a mapped file.
    public let data: UnsafeRawBufferPointer

    /// Elements in the tensor.
    public var elementCount: Int { shape.reduce(1, *) }

    /// Model parameters the tensor holds: its elements, except in OpenAI's split MXFP4
    /// storage, where a `U8` `<name>_blocks` byte packs two 4-bit weights and the `_scales`
    /// exponents are not parameters of their own.
    public var parameterCount: Int {
        guard typeName == "U8" else { return elementCount }
        if name.hasSuffix("_blocks") { return 2 * elementCount }
        return name.hasSuffix("_scales") ? 0 : elementCount
    }
}

/// Where a model's weights come from: a safetensors folder or a GGUF file. Tensors are
/// asked for by their Hugging Face names (`model.layers.0.self_attn.q_proj.weight`); each
/// source translates to its own naming.
public protocol WeightSource: AnyObject, Sendable {
    /// The folder or file, for error messages.
    var location: String { get }
    /// The tensor with this Hugging Face name, or nil if there is none.
    func tensor(_ name: String) -> StoredTensor?
    /// Every stored tensor (for parameter and byte counts).
    var allTensors: [StoredTensor] { get }
    /// Reads one byte of every page of the mapped files, so timing excludes disk reads.
    func touchAllPages()
}
