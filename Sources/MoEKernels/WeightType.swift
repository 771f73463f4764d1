/// How the elements of a weight matrix are stored in memory.
public enum WeightType: String, Sendable, CaseIterable {
    /// IEEE 754 binary32.
    case f32
    /// IEEE 754 binary16.
    case f16
    /// bfloat16: the upper 16 bits of a binary32.
    case bf16

    /// Bytes one element occupies.
    public var bytesPerElement: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        }
    }
}
