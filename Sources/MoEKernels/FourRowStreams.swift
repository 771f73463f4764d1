/// How the decode matvecs walk a range of rows: as four sequential memory streams.
///
/// The range `first ..< first + count` is cut into four contiguous quarters, and step `s`
/// takes row `s` of every quarter. Each quarter is one sequential read stream, so the
/// hardware prefetchers stay locked on even for short rows (an expert's 1024-column bf16
/// row is 2 KB), and four concurrent streams keep enough misses in flight to saturate
/// memory from one core (measured here: 18-22 GB/s on one thread for such rows, where eight
/// interleaved rows reached 10).
struct FourRowStreams {
    /// First row of the range.
    let first: Int
    /// Rows per quarter; also the number of steps.
    let quarter: Int
    /// One past the last row of the range.
    let end: Int

    /// The streams over rows `first ..< first + count` (`count` > 0).
    @inline(__always)
    init(first: Int, count: Int) {
        self.first = first
        quarter = (count + 3) / 4
        end = first + count
    }

    /// Start of each stream's row at step `s`, rows `rowBytes` apart from `base`. Streams
    /// past the range repeat its last row; `store` discards their sums.
    @inline(__always)
    func rows(_ s: Int, base: UnsafeRawPointer, rowBytes: Int)
        -> (UnsafeRawPointer, UnsafeRawPointer, UnsafeRawPointer, UnsafeRawPointer)
    {
        let last = end - 1, i0 = first + s
        return (base + i0 * rowBytes, base + Swift.min(i0 + quarter, last) * rowBytes,
                base + Swift.min(i0 + 2 * quarter, last) * rowBytes, base + Swift.min(i0 + 3 * quarter, last) * rowBytes)
    }

    /// Writes the four sums of step `s` for the rows inside the range.
    ///
    /// - y: `(rows)`
    @inline(__always)
    func store(_ s: Int, _ s0: Float, _ s1: Float, _ s2: Float, _ s3: Float, into y: UnsafeMutablePointer<Float>) {
        let i0 = first + s
        y[i0] = s0
        if i0 + quarter < end { y[i0 + quarter] = s1 }
        if i0 + 2 * quarter < end { y[i0 + 2 * quarter] = s2 }
        if i0 + 3 * quarter < end { y[i0 + 3 * quarter] = s3 }
    }
}
