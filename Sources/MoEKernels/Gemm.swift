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

/// The triangular structure of a causal-attention GEMM, which lets `Kernels.gemm` skip
/// products that are zero or not wanted (tile by tile, so some are still computed).
public enum GemmTriangle: Sendable {
    /// Every product.
    case full
    /// Only `c[i, j]` with `j <= i + offset` is wanted; other tiles of `c` are not written.
    case lowerOutputs(offset: Int)
    /// `a[i, p]` is zero for `p > i + offset`, so the sums stop there.
    case lowerLeft(offset: Int)
    /// `a[i, p]` is zero for `p < i`, so the sums start there.
    case upperLeft

    /// The terms `p` that can be nonzero for output rows `first ... last`.
    @inline(__always)
    func terms(rows first: Int, _ last: Int, k: Int) -> Range<Int> {
        switch self {
        case .full, .lowerOutputs: return 0..<k
        case .lowerLeft(let offset): return 0..<max(0, min(k, last + offset + 1))
        case .upperLeft: return min(first, k)..<k
        }
    }

    /// Whether any output of rows `... last` in columns from `j0` is wanted.
    @inline(__always)
    func wants(column j0: Int, lastRow last: Int) -> Bool {
        if case .lowerOutputs(let offset) = self { return j0 <= last + offset }
        return true
    }
}

extension Kernels {
    /// `c[i, j] (+)= sum_p a[i, p] * b[p, j]` in f32 for `i < m`, `j < n`, `p < k`: the
    /// training GEMM. `b` and `c` are row-major with leading dimensions `ldb` and `ldc`; `a`
    /// is read through `StridedMatrix`, so `x W^T`-style products need no transposed copy of a
    /// strided operand. Runs of 6-row x 16-column tiles (the outer-product microkernel of the
    /// prefill) are spread over `pool`, the sum over `p` taken in pieces of `gemmDepth`; every
    /// output is summed by one thread in a fixed order, so the result does not depend on the
    /// thread count. With `accumulate` the sums are added to `c`, else they replace it.
    /// `triangle` skips the tiles causal attention does not need. `c` must not overlap `a` or
    /// `b`.
    ///
    /// - a: `(m, k)` through its strides
    /// - b: `(k, ldb)`, first `n` columns used; with `transposedB`, `(n, ldb)` holding `b`
    ///   transposed (first `k` columns used), as `x W^T` needs
    /// - c: `(m, ldc)`, first `n` columns written
    public static func gemm(
        m: Int, n: Int, k: Int, a: StridedMatrix, b: UnsafePointer<Float>, ldb: Int, transposedB: Bool = false,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, triangle: GemmTriangle = .full, pool: ThreadPool
    ) {
        guard m > 0, n > 0 else { return }
        let rowTiles = (m + 5) / 6, colTiles = (n + 15) / 16
        // A transposed `b` is copied into strips once, in a dispatch of its own, so that every
        // task reads the same contiguous strips.
        let strips: UnsafeMutablePointer<Float>? = transposedB
            ? .allocate(capacity: colTiles * k * 16) : nil  // (colTiles, k, 16)
        defer { strips?.deallocate() }
        if let strips {
            pool.parallelFor(colTiles) { colTile in
                let j0 = colTile * 16
                GemmTile.packTransposedStrip(b + j0 * ldb, ldb: ldb, cols: min(16, n - j0), depth: k,
                                             into: strips + colTile * k * 16)
            }
        }
        // One task per thread where that stays under `gemmRowTiles`: every task copies all of
        // `b`'s strips, so fewer tasks copy less (measured faster than two per thread).
        let perChunk = max(1, min(gemmRowTiles, (rowTiles + pool.threadCount - 1) / pool.threadCount))
        pool.parallelFor((rowTiles + perChunk - 1) / perChunk) { chunk in
            let first = chunk * perChunk, count = min(rowTiles, first + perChunk) - first
            let lastRow = min(m, (first + count) * 6) - 1
            let packed = UnsafeMutablePointer<Float>.allocate(capacity: count * gemmDepth * 6)  // (count, gemmDepth, 6)
            let strip: UnsafeMutablePointer<Float>? = strips == nil
                ? .allocate(capacity: gemmDepth * 16) : nil  // (gemmDepth, 16)
            defer {
                packed.deallocate()
                strip?.deallocate()
            }
            // k in pieces: the chunk's rows of `a` for the piece are copied k-major (rows past the
            // matrix repeat its last row); then each 16-column strip of `b` for the piece is
            // copied into a contiguous buffer (zero past the matrix's last column), which stays
            // in L1 while every row tile of the chunk runs over it. A strided strip of `b` would
            // not: with a power-of-two `ldb` its rows fall into a few cache sets. A tile whose
            // terms miss the piece still runs, over none of them, so `c` is written.
            var p0 = 0
            repeat {
                let depth = min(gemmDepth, k - p0)
                for t in 0..<count {
                    let i0 = (first + t) * 6
                    GemmTile.packRows(a, i0: i0, rows: min(6, m - i0), p0: p0, depth: depth,
                                      into: packed + t * gemmDepth * 6)
                }
                for colTile in 0..<colTiles where triangle.wants(column: colTile * 16, lastRow: lastRow) {
                    let j0 = colTile * 16, cols = min(16, n - j0)
                    let piece: UnsafePointer<Float>
                    if let strips {
                        piece = UnsafePointer(strips + colTile * k * 16 + p0 * 16)
                    } else {
                        GemmTile.packStrip(b + p0 * ldb + j0, ldb: ldb, cols: cols, depth: depth, into: strip!)
                        piece = UnsafePointer(strip!)
                    }
                    for t in 0..<count {
                        let i0 = (first + t) * 6, rows = min(6, m - i0)
                        guard triangle.wants(column: j0, lastRow: i0 + rows - 1) else { continue }
                        let terms = triangle.terms(rows: i0, i0 + rows - 1, k: k)
                        let from = min(max(terms.lowerBound - p0, 0), depth)
                        let to = max(min(terms.upperBound - p0, depth), from)
                        GemmTile.run(i0: i0, j0: j0, rows: rows, cols: cols, k: to - from,
                                     packedA: packed + t * gemmDepth * 6 + from * 6, strip: piece + from * 16,
                                     c: c, ldc: ldc, accumulate: accumulate || p0 > 0)
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
    /// - strip: `(k, 16)`, the tile's columns of `b`
    /// - c: `(m, ldc)`
    @inline(__always)
    static func run(
        i0: Int, j0: Int, rows: Int, cols: Int, k: Int, packedA: UnsafePointer<Float>, strip: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        var acc = PanelAccumulators()
        if cols > 8 {
            acc.rows6Vectors2(packedA, rowStride: 1, kStride: 6, strip, strip + 8, bStride: 16, count: k)
        } else {
            acc.rows6Vectors1(packedA, rowStride: 1, kStride: 6, strip, bStride: 16, count: k)
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

    /// Copies rows `i0 ..< i0 + rows` (at most 6) of `a`, columns `p0 ..< p0 + depth`, into
    /// `tile` k-major; rows past `rows` repeat the last one.
    ///
    /// - tile: `(depth, 6)`
    @inline(__always)
    static func packRows(
        _ a: StridedMatrix, i0: Int, rows: Int, p0: Int, depth: Int, into tile: UnsafeMutablePointer<Float>
    ) {
        let origin = a.base + p0 * a.kStride + i0 * a.rowStride
        if rows == 6, a.rowStride == 1 {
            for p in 0..<depth {
                let column = origin + p * a.kStride, out = tile + p * 6
                UnsafeMutableRawPointer(out).storeBytes(
                    of: UnsafeRawPointer(column).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                UnsafeMutableRawPointer(out + 4).storeBytes(
                    of: UnsafeRawPointer(column + 4).loadUnaligned(as: SIMD2<Float>.self), as: SIMD2<Float>.self)
            }
        } else if rows == 6, a.kStride == 1 {
            let r0 = origin, r1 = origin + a.rowStride, r2 = origin + 2 * a.rowStride
            let r3 = origin + 3 * a.rowStride, r4 = origin + 4 * a.rowStride, r5 = origin + 5 * a.rowStride
            var p = 0
            while p + 8 <= depth {
                let v0 = r0.load8(p), v1 = r1.load8(p), v2 = r2.load8(p), v3 = r3.load8(p), v4 = r4.load8(p), v5 = r5.load8(p)
                let out = tile + p * 6
                for j in 0..<8 {
                    out[j * 6] = v0[j]
                    out[j * 6 + 1] = v1[j]
                    out[j * 6 + 2] = v2[j]
                    out[j * 6 + 3] = v3[j]
                    out[j * 6 + 4] = v4[j]
                    out[j * 6 + 5] = v5[j]
                }
                p += 8
            }
            while p < depth {
                let out = tile + p * 6
                out[0] = r0[p]; out[1] = r1[p]; out[2] = r2[p]; out[3] = r3[p]; out[4] = r4[p]; out[5] = r5[p]
                p += 1
            }
        } else {
            for p in 0..<depth {
                let column = origin + p * a.kStride
                for r in 0..<6 { tile[p * 6 + r] = column[min(r, rows - 1) * a.rowStride] }
            }
        }
    }

    /// Copies `cols` (at most 16) rows of `bT` (`b` transposed), `depth` columns each, into
    /// `strip` as columns, zero-padded to 16.
    ///
    /// - bT: `(cols, ldb)`, first `depth` columns used
    /// - strip: `(depth, 16)`
    static func packTransposedStrip(
        _ bT: UnsafePointer<Float>, ldb: Int, cols: Int, depth: Int, into strip: UnsafeMutablePointer<Float>
    ) {
        for j in 0..<16 {
            if j < cols {
                let row = bT + j * ldb
                for p in 0..<depth { strip[p * 16 + j] = row[p] }
            } else {
                for p in 0..<depth { strip[p * 16 + j] = 0 }
            }
        }
    }

    /// Copies `depth` rows of `cols` (at most 16) columns of `b` into `strip`, zero-padded to 16.
    ///
    /// - b: `(depth, ldb)`, first `cols` columns used
    /// - strip: `(depth, 16)`
    @inline(__always)
    static func packStrip(
        _ b: UnsafePointer<Float>, ldb: Int, cols: Int, depth: Int, into strip: UnsafeMutablePointer<Float>
    ) {
        if cols == 16 {
            for p in 0..<depth {
                let row = b + p * ldb, out = strip + p * 16
                out.store8(row.load8(0), at: 0)
                out.store8(row.load8(8), at: 8)
            }
        } else {
            for p in 0..<depth {
                let row = b + p * ldb, out = strip + p * 16
                for j in 0..<16 { out[j] = j < cols ? row[j] : 0 }
            }
        }
    }
}
