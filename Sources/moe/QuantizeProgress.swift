import Foundation

/// A one-line progress bar on standard error: tensor i of n, bytes read, and time left.
final class ProgressLine {
    private let label: String
    private let start = Date()
    private var drawn = false
    private var lastDraw = Date.distantPast

    /// A bar prefixed by `label`.
    init(label: String) { self.label = label }

    /// Redraws the bar (at most five times a second, and for the last tensor).
    func update(done: Int, count: Int, bytesDone: Int, bytesTotal: Int) {
        guard done == count || Date().timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = Date()
        let fraction = bytesTotal > 0 ? Double(bytesDone) / Double(bytesTotal) : Double(done) / Double(max(count, 1))
        let width = 24
        let filled = Int(fraction * Double(width))
        let elapsed = Date().timeIntervalSince(start)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\r\(label) [\(bar)] tensor \(done)/\(count), \(Format.bytes(bytesDone))/\(Format.bytes(bytesTotal)), ETA \(String(format: "%.0f", eta)) s"
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    /// Ends the line.
    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
