/// Where a GEMM reads its left operand: `a[i, p]` is at `base + i * rowStride + p * kStride`,
/// so one type covers a row-major matrix (`kStride` 1) and a transposed one (`rowStride` 1).
public struct StridedMatrix {
    /// Address of `a[0, 0]`.
    public let base: UnsafePointer<Float>
    /// Distance between rows `i` and `i + 1`.
    public let rowStride: Int
    /// Distance between columns `p` and `p + 1`.
    public let kStride: Int

    /// `a[i, p]` at `base + i * rowStride + p * kStride`.
    public init(_ base: UnsafePointer<Float>, rowStride: Int, kStride: Int) {
        self.base = base
        self.rowStride = rowStride
        self.kStride = kStride
    }
}

extension Kernels {
    /// `c[i, j] (+)= sum_p a[i, p] * b[p, j]` in f32 for `i < m`, `j < n`, `p < k`: the
    /// training GEMM. `b` and `c` are row-major with leading dimensions `ldb` and `ldc`; `a`
    /// is read through `StridedMatrix`, so `x W^T`-style products need no transposed copy of a
    /// strided operand. Runs of 6-row x 16-column tiles (the outer-product microkernel of the
    /// prefill) are spread over `pool`, the sum over `p` taken in pieces of `gemmDepth`; every
    /// output is summed by one thread in a fixed order, so the result does not depend on the
    /// thread count. With `accumulate` the sums are added to
    /// `c`, else they replace it. `c` must not overlap `a` or `b`.
    ///
    /// - a: `(m, k)` through its strides
    /// - b: `(k, ldb)`, first `n` columns used
    /// - c: `(m, ldc)`, first `n` columns written
    public static func gemm(
        m: Int, n: Int, k: Int, a: StridedMatrix, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, pool: ThreadPool
    ) {
        guard m > 0, n > 0 else { return }
        let rowTiles = (m + 5) / 6, colTiles = (n + 15) / 16
        let perChunk = max(1, min(gemmRowTiles, (rowTiles + 2 * pool.threadCount - 1) / (2 * pool.threadCount)))
        pool.parallelFor((rowTiles + perChunk - 1) / perChunk) { chunk in
            let first = chunk * perChunk, count = min(rowTiles, first + perChunk) - first
            let packed = UnsafeMutablePointer<Float>.allocate(capacity: count * gemmDepth * 6)  // (count, gemmDepth, 6)
            defer { packed.deallocate() }
            // k in pieces: the chunk's rows of `a` for the piece are copied k-major (rows past the
            // matrix repeat its last row); then each 16-column strip of `b` for the piece stays
            // in L1 while every row tile of the chunk runs over it.
            var p0 = 0
            repeat {
                let depth = min(gemmDepth, k - p0)
                for t in 0..<count {
                    let i0 = (first + t) * 6, rows = min(6, m - i0), tile = packed + t * gemmDepth * 6
                    for p in 0..<depth {
                        let column = a.base + (p0 + p) * a.kStride + i0 * a.rowStride
                        for r in 0..<6 { tile[p * 6 + r] = column[min(r, rows - 1) * a.rowStride] }
                    }
                }
                for colTile in 0..<colTiles {
                    let j0 = colTile * 16
                    for t in 0..<count {
                        let i0 = (first + t) * 6
                        GemmTile.run(i0: i0, j0: j0, rows: min(6, m - i0), cols: min(16, n - j0), k: depth,
                                     packedA: packed + t * gemmDepth * 6, b: b + p0 * ldb, ldb: ldb, c: c, ldc: ldc,
                                     accumulate: accumulate || p0 > 0)
                    }
                }
                p0 += depth
            } while p0 < k
        }
    }

    /// Most row tiles per pool task: their packed piece of `a` (6 KB each) stays in L2.
    static var gemmRowTiles: Int { 16 }

    /// Depth of the pieces of `gemm`'s sums: the packed piece of `a` (6 KB) stays in L1 and
    /// the pieces of `b` in L2 while they are reused.
    static var gemmDepth: Int { 256 }
}

/// One 6 x 16 (or smaller) output tile of `Kernels.gemm`.
enum GemmTile {
    /// Computes rows `i0 ..< i0 + rows` and columns `j0 ..< j0 + cols` of `c` over `k` terms.
    ///
    /// - packedA: `(k, 6)`, the tile's rows of `a` k-major
    /// - b: `(k, ldb)`
    /// - c: `(m, ldc)`
    @inline(__always)
    static func run(
        i0: Int, j0: Int, rows: Int, cols: Int, k: Int, packedA: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        var acc = PanelAccumulators()
        if cols == 16 {
            acc.rows6Vectors2(packedA, rowStride: 1, kStride: 6, b + j0, b + j0 + 8, bStride: ldb, count: k)
        } else if cols == 8 {
            acc.rows6Vectors1(packedA, rowStride: 1, kStride: 6, b + j0, bStride: ldb, count: k)
        } else {
            partial(packedA, cols: cols, k: k, b: b + j0, ldb: ldb, into: &acc)
        }
        for r in 0..<rows {
            let out = c + (i0 + r) * ldc + j0
            for v in 0..<(cols + 7) / 8 {
                let lanes = acc.lanes(row: r, vector: v), width = min(8, cols - 8 * v)
                let sum = accumulate
                    ? (width == 8 ? out.load8(8 * v) : out.loadPartial8(8 * v, count: width)) + lanes : lanes
                if width == 8 { out.store8(sum, at: 8 * v) } else { out.storePartial8(sum, at: 8 * v, count: width) }
            }
        }
    }

    /// The products of a tile narrower than 16 columns and not 8: `b` rows copied into a
    /// zero-padded 16-column buffer, 64 at a time in `k` order.
    ///
    /// - packedA: `(k, 6)`
    /// - b: `(k, ldb)`, first `cols` columns used
    static func partial(
        _ packedA: UnsafePointer<Float>, cols: Int, k: Int, b: UnsafePointer<Float>, ldb: Int,
        into acc: inout PanelAccumulators
    ) {
        let chunk = 64
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: chunk * 16)  // (chunk, 16)
        defer { padded.deallocate() }
        padded.initialize(repeating: 0, count: chunk * 16)
        var p0 = 0
        while p0 < k {
            let count = min(chunk, k - p0)
            for p in 0..<count {
                let row = b + (p0 + p) * ldb
                for j in 0..<cols { padded[p * 16 + j] = row[j] }
            }
            acc.rows6Vectors2(packedA + p0 * 6, rowStride: 1, kStride: 6, padded, padded + 8, bStride: 16, count: count)
            p0 += count
        }
    }
}
