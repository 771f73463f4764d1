/// A deterministic pseudo-random generator (SplitMix64): the same seed gives the same
/// stream on every platform, and its whole state is one integer (saved with checkpoints).
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    /// The generator's state.
    public var state: UInt64

    /// Starts the stream of `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in `[0, 1)`.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal sample (Box-Muller).
    public mutating func nextNormal() -> Double {
        let u1 = max(nextUnit(), 0x1p-60), u2 = nextUnit()
        return (-2 * Math.log(u1)).squareRoot() * Math.cos(2 * Double.pi * u2)
    }

    /// A uniform integer in `0 ..< bound` (`bound > 0`).
    public mutating func nextIndex(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
