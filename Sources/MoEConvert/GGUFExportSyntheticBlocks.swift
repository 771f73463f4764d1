import Foundation
import MoEFormats
import MoEKernels

/// Random tensor contents: float types get small uniform values (norms get ones), block
/// types get valid blocks copied from a pool made by the reference quantiser.
enum SyntheticBlocks {
    /// A value uniform in [-1, 1) from `random`.
    static func unit(_ random: inout SplitMix64) -> Float { Float(random.next() >> 40) / Float(1 << 23) - 1 }

    /// Blocks per pool of ready-made quantised blocks.
    static let poolBlocks = 64

    /// The bytes of `layout`, filled on `threads` threads.
    static func fill(_ layout: GGUFTensorLayout, seed: UInt64, ones: Bool, threads: Int) throws -> [UInt8] {
        guard let total = layout.byteCount, let rowLength = layout.shape.last,
              let rowBytes = layout.type.byteCount(elements: rowLength) else {
            throw FormatError(file: "synthetic", tensor: layout.name, "row length is not a whole number of \(layout.type) blocks")
        }
        let rows = total / max(rowBytes, 1)
        let scale = 1 / Float(rowLength).squareRoot()
        let pool = try blockPool(layout.type, seed: seed, scale: scale)
        var bytes = [UInt8](repeating: 0, count: total)  // (rows, rowBytes)
        let workers = max(1, min(threads, rows))
        let perWorker = (rows + workers - 1) / workers
        bytes.withUnsafeMutableBytes { raw in
            let out = SharedBytes(raw)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var random = SplitMix64(seed: seed ^ UInt64(worker + 1) &* 0xD1B5_4A32_D192_ED03)
                let start = worker * perWorker, end = min(rows, start + perWorker)
                guard start < end else { return }
                let region = UnsafeMutableRawBufferPointer(rebasing: out.buffer[(start * rowBytes)..<(end * rowBytes)])
                fillRegion(region, type: layout.type, pool: pool, ones: ones, scale: scale, random: &random)
            }
        }
        return bytes
    }

    private static func fillRegion(_ region: UnsafeMutableRawBufferPointer, type: GGMLType, pool: [UInt8], ones: Bool,
                                   scale: Float, random: inout SplitMix64) {
        switch type {
        case .F32:
            for i in 0..<(region.count / 4) {
                let v: Float = ones ? 1 : unit(&random) * scale
                region.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        case .BF16:
            for i in 0..<(region.count / 2) {
                let v: Float = ones ? 1 : unit(&random) * scale
                region.storeBytes(of: UInt16(truncatingIfNeeded: v.bitPattern >> 16).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        case .F16:
            for i in 0..<(region.count / 2) {
                let v: Float = ones ? 1 : unit(&random) * scale
                region.storeBytes(of: half(v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        default:
            let size = type.typeSize
            let blocks = pool.count / size
            pool.withUnsafeBytes { source in
                for b in 0..<(region.count / size) {
                    let pick = Int(random.next() % UInt64(blocks))
                    UnsafeMutableRawBufferPointer(rebasing: region[(b * size)..<((b + 1) * size)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[(pick * size)..<((pick + 1) * size)]))
                }
            }
        }
    }

    /// `poolBlocks` blocks of `type` quantised from random values of magnitude `scale` (empty for float types).
    private static func blockPool(_ type: GGMLType, seed: UInt64, scale: Float) throws -> [UInt8] {
        guard type.blockSize > 1 else { return [] }
        var random = SplitMix64(seed: seed)
        let values = (0..<(poolBlocks * type.blockSize)).map { _ in unit(&random) * scale }
        return try GGMLQuants.quantize(values, to: type)
    }

    /// IEEE half bits of a value in the normal half range (or zero), rounding toward zero.
    static func half(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
        guard exponent > 0 else { return sign }
        guard exponent < 31 else { return sign | 0x7BFF }
        return sign | UInt16(exponent << 10) | UInt16(truncatingIfNeeded: (bits >> 13) & 0x3FF)
    }
}

/// Bytes that worker threads write in disjoint ranges.
private struct SharedBytes: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
    init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }
}
