import Foundation
import MoEFormats

/// Encodes a tensor's rows with the reference quantisers, several rows at a time in parallel.
enum GGUFRowQuantizer {
    /// `values` `(rows, rowLength)` encoded as `type`, rows split across `threads` workers.
    static func quantize(_ values: [Float], rowLength: Int, type: GGMLType, threads: Int,
                         tensor: String, file: String) throws -> [UInt8] {
        guard let rowBytes = type.byteCount(elements: rowLength), rowLength > 0 else {
            throw FormatError(file: file, tensor: tensor, "row length \(rowLength) is not a whole number of \(type) blocks")
        }
        let rows = values.count / rowLength
        let workers = max(1, min(threads, rows))
        let perWorker = (rows + workers - 1) / workers
        var output = [UInt8](repeating: 0, count: rows * rowBytes)  // (rows, rowBytes)
        let failure = FailureBox()
        output.withUnsafeMutableBytes { out in
            let base = UncheckedPointer(out)
            values.withUnsafeBufferPointer { input in
                let source = UncheckedBuffer(input)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let start = worker * perWorker, end = min(rows, start + perWorker)
                    guard start < end else { return }
                    do {
                        let chunk = Array(source.buffer[(start * rowLength)..<(end * rowLength)])
                        let bytes = try GGMLQuants.quantize(chunk, to: type)
                        bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: base.buffer[(start * rowBytes)..<(end * rowBytes)]).copyMemory(from: $0) }
                    } catch {
                        failure.set("\(error)")
                    }
                }
            }
        }
        if let message = failure.message { throw FormatError(file: file, tensor: tensor, message) }
        return output
    }
}

/// A buffer handed to worker threads that write disjoint ranges.
private struct UncheckedPointer: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
    init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }
}

/// A read-only buffer shared with worker threads.
private struct UncheckedBuffer: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<Float>
    init(_ buffer: UnsafeBufferPointer<Float>) { self.buffer = buffer }
}

/// The first error message a worker reports.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var first: String?
    /// The recorded message, if any.
    var message: String? { lock.lock(); defer { lock.unlock() }; return first }
    /// Records `message` unless one is already recorded.
    func set(_ message: String) { lock.lock(); if first == nil { first = message }; lock.unlock() }
}
