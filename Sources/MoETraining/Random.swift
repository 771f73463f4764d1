import MoEKernels

/// Samplers training draws from its seeded generator.
extension SplitMix64 {
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
