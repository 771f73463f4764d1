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
    /// strided operand. Tiles of 6 rows x 16 columns (the outer-product microkernel of the
    /// prefill) are spread over `pool`; every output is summed by one thread in `p` order, so
    /// the result does not depend on the thread count. With `accumulate` the sums are added to
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
        let tiles = rowTiles * colTiles
        let perChunk = max(1, tiles / (pool.threadCount * 8))
        pool.parallelFor((tiles + perChunk - 1) / perChunk) { chunk in
            for tile in chunk * perChunk..<min(tiles, (chunk + 1) * perChunk) {
                let i0 = (tile / colTiles) * 6, j0 = (tile % colTiles) * 16
                GemmTile.run(i0: i0, j0: j0, rows: min(6, m - i0), cols: min(16, n - j0), k: k, a: a, b: b, ldb: ldb,
                             c: c, ldc: ldc, accumulate: accumulate)
            }
        }
    }
}

/// One 6 x 16 (or smaller) output tile of `Kernels.gemm`.
enum GemmTile {
    /// Computes rows `i0 ..< i0 + rows` and columns `j0 ..< j0 + cols` of `c`.
    ///
    /// - b: `(k, ldb)`
    /// - c: `(m, ldc)`
    @inline(__always)
    static func run(
        i0: Int, j0: Int, rows: Int, cols: Int, k: Int, a: StridedMatrix, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        var acc = PanelAccumulators()
        let aTile = a.base + i0 * a.rowStride
        if cols == 16 {
            acc.rows6Vectors2(aTile, rowStride: a.rowStride, kStride: a.kStride, lastRow: rows - 1, b + j0, b + j0 + 8,
                              bStride: ldb, count: k)
        } else if cols == 8 {
            acc.rows6Vectors1(aTile, rowStride: a.rowStride, kStride: a.kStride, lastRow: rows - 1, b + j0,
                              bStride: ldb, count: k)
        } else {
            partial(aTile, a: a, rows: rows, cols: cols, k: k, b: b + j0, ldb: ldb, into: &acc)
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

    /// The products of a tile narrower than 16 columns and not 8: `b` rows read as partial
    /// vectors into a zero-padded copy, 16 columns at a time in `k` order.
    ///
    /// - aTile: row 0 of the tile
    /// - b: `(k, ldb)`, first `cols` columns used
    static func partial(
        _ aTile: UnsafePointer<Float>, a: StridedMatrix, rows: Int, cols: Int, k: Int, b: UnsafePointer<Float>, ldb: Int,
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
            acc.rows6Vectors2(aTile + p0 * a.kStride, rowStride: a.rowStride, kStride: a.kStride, lastRow: rows - 1,
                              padded, padded + 8, bStride: 16, count: count)
            p0 += count
        }
    }
}
