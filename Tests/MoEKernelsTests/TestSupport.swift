import XCTest
@testable import MoEKernels

/// Random test data from the seeded generator.
extension SplitMix64 {
    /// `count` floats uniform in `range`.
    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}

/// Relative L2 error `|actual - expected| / |expected|` (absolute when `expected` is zero).
func relativeError(_ actual: [Float], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count)
    var diff = 0.0, norm = 0.0
    for i in actual.indices {
        let d = Double(actual[i]) - expected[i]
        diff += d * d
        norm += expected[i] * expected[i]
    }
    return norm == 0 ? diff.squareRoot() : (diff / norm).squareRoot()
}

/// `sum_c w[r, c] * x[t, c]` in Double over the stored values, `(tokens, rows)`.
///
/// - x: `(tokens, w.matrix.cols)`
func referenceMatmul(_ w: TestMatrix, _ x: [Float], tokens: Int) -> [Double] {
    let rows = w.matrix.rows, cols = w.matrix.cols
    var out = [Double](repeating: 0, count: tokens * rows)
    for t in 0..<tokens {
        for r in 0..<rows {
            var s = 0.0
            for c in 0..<cols { s += Double(w.values[r * cols + c]) * Double(x[t * cols + c]) }
            out[t * rows + r] = s
        }
    }
    return out
}

/// `Kernels.matmul` of `w` on `tokens` rows of `x`, into a NaN-filled buffer (so an output
/// the kernel skips shows). `(tokens, w.rows)`
func kernelMatmul(_ w: TestMatrix, _ x: [Float], tokens: Int, pool: ThreadPool) -> [Float] {
    var out = [Float](repeating: .nan, count: tokens * w.matrix.rows)
    x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
            Kernels.matmul(w.matrix, input: xp.baseAddress!, output: op.baseAddress!, tokens: tokens, pool: pool)
        }
    }
    return out
}

/// Element types stored one per block (any column count works).
let plainWeightTypes = WeightType.allCases.filter { !$0.isBlockQuantized }

/// ggml block types (column counts are multiples of `blockSize`).
let blockWeightTypes = WeightType.allCases.filter { $0.isBlockQuantized }

/// A weight matrix with random contents stored in its own buffer, plus the exact f32
/// values of the stored elements for references (for block types, from MoEFormats'
/// reference dequantiser).
final class TestMatrix {
    let matrix: WeightMatrix
    /// Decoded stored values, `(rows, cols)`.
    let values: [Float]
    private let storage: UnsafeMutableRawPointer

    init(type: WeightType, rows: Int, cols: Int, rng: inout SplitMix64, offsetBytes: Int = 0) {
        let count = rows * cols
        storage = .allocate(byteCount: rows * type.rowBytes(cols: cols) + offsetBytes + 64, alignment: 64)
        let base = storage + offsetBytes
        if type.isBlockQuantized {
            self.values = QuantTestBlocks.fill(type, base: base, blocks: count / type.blockSize, rng: &rng)
            matrix = WeightMatrix(base: UnsafeRawPointer(base), type: type, rows: rows, cols: cols)
            return
        }
        var values: [Float] = []
        values.reserveCapacity(count)
        for i in 0..<count {
            // Mostly uniform values, with occasional tiny (subnormal in f16) and large ones.
            var x = Float.random(in: -1...1, using: &rng)
            switch rng.next() % 16 {
            case 0: x *= 1e-6
            case 1: x *= 300
            default: break
            }
            switch type {
            case .f32:
                base.storeBytes(of: x, toByteOffset: i * 4, as: Float.self)
                values.append(x)
            case .f16:
                let h = Float16(x)
                base.storeBytes(of: h.bitPattern, toByteOffset: i * 2, as: UInt16.self)
                values.append(Float(h))
            default:
                let bits = UInt16(truncatingIfNeeded: x.bitPattern >> 16)
                base.storeBytes(of: bits, toByteOffset: i * 2, as: UInt16.self)
                values.append(Float(bitPattern: UInt32(bits) << 16))
            }
        }
        self.values = values
        matrix = WeightMatrix(base: UnsafeRawPointer(base), type: type, rows: rows, cols: cols)
    }

    deinit { storage.deallocate() }
}

/// Pools shared by the tests of this target (creating threads per test case is wasteful).
enum TestPools {
    static let byThreads: [Int: ThreadPool] = [
        1: ThreadPool(threadCount: 1), 2: ThreadPool(threadCount: 2), 3: ThreadPool(threadCount: 3),
    ]

    static let all: [ThreadPool] = [1, 2, 3].map { byThreads[$0]! }
}
