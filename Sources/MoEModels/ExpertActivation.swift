/// Which feed-forward the routed experts compute.
public enum ExpertActivation: Sendable, Equatable {
    /// `down(silu(gate x) * up x)`, no biases.
    case swiGLU
    /// GPT-OSS: every projection has a bias; with `g = min(gate x, limit)` and
    /// `u = clamp(up x, -limit, limit)`, `down((u + 1) * g * sigmoid(alpha * g))`.
    case clampedSwiGLU(limit: Float, alpha: Float)
}
