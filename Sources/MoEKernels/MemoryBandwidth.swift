/// Measures how fast this machine streams memory into the cores.
public enum MemoryBandwidth {
    /// Read bandwidth in GB/s (10^9 bytes per second): the best of 5 multi-threaded
    /// streaming sums over a freshly written buffer of about `bytes` bytes (rounded down to
    /// a multiple of 256 KiB, at least 256 KiB; keep it much larger than the last-level
    /// cache). Takes about a second for the default 512 MiB.
    public static func measureRead(pool: ThreadPool, bytes: Int = 1 << 29) -> Double {
        let floats = max(1 << 16, bytes / 4) & ~((1 << 16) - 1)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: floats)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: floats)
        let chunkFloats = 1 << 16
        let chunks = floats / chunkFloats
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: chunks)  // (chunks)
        defer { sums.deallocate() }
        var best = Duration.seconds(1_000_000)
        let clock = ContinuousClock()
        for _ in 0..<5 {
            let elapsed = clock.measure {
                pool.parallelFor(chunks) { chunk in
                    sums[chunk] = sum(UnsafePointer(buffer + chunk * chunkFloats), count: chunkFloats)
                }
            }
            best = min(best, elapsed)
        }
        var total: Float = 0
        for i in 0..<chunks { total += sums[i] }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
        guard total > 0, seconds > 0 else { return 0 }
        return Double(floats * 4) / seconds / 1e9
    }

    /// Sum of a buffer whose length is a multiple of 32, read as 4 concurrent streams (one
    /// per quarter) so the hardware prefetchers keep enough misses in flight.
    ///
    /// - values: `(count)`
    @inline(__always)
    private static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        let quarter = count / 4
        let p0 = values, p1 = values + quarter, p2 = values + 2 * quarter, p3 = values + 3 * quarter
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        while i < quarter {
            a0 += p0.load8(i)
            a1 += p1.load8(i)
            a2 += p2.load8(i)
            a3 += p3.load8(i)
            i += 8
        }
        return SIMDReduce.sum(a0 + a1 + a2 + a3)
    }
}
