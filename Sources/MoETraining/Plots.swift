import Foundation

/// Hand-written SVG charts of a `train_log.jsonl`: loss curves and an expert-load heatmap.
public enum Plots {
    /// One parsed log line.
    public struct Point: Sendable {
        /// Step.
        public var step: Int
        /// Training loss.
        public var train: Double
        /// Validation loss.
        public var val: Double
        /// Per MoE layer, per expert: load share. `(layers, experts)`
        public var loads: [[Double]]
    }

    /// Parses the lines of a log (lines that are not records are skipped).
    public static func parse(_ text: String) -> [Point] {
        text.split(separator: "\n").compactMap { line in
            guard let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let step = json["step"] as? Int else { return nil }
            let layers = (json["experts"] as? [[String: Any]] ?? []).map { layer -> [Double] in
                let load = (layer["load"] as? [Int] ?? []).map(Double.init)
                let total = max(1, load.reduce(0, +))
                return load.map { $0 / total }
            }
            return Point(step: step, train: json["train_loss"] as? Double ?? .nan, val: json["val_loss"] as? Double ?? .nan,
                         loads: layers)
        }
    }

    /// Train and validation loss over steps; each series is `(label, color, points)`.
    public static func lossCurves(_ series: [(String, String, [Point])]) -> String {
        let w = 640.0, h = 400.0, left = 60.0, right = 20.0, top = 30.0, bottom = 50.0
        let all = series.flatMap { $0.2 }
        let values = all.flatMap { [$0.train, $0.val] }.filter(\.isFinite)
        let maxStep = Double(all.map(\.step).max() ?? 1)
        let lo = (values.min() ?? 0), hi = (values.max() ?? 1)
        let span = max(hi - lo, 1e-6)
        func x(_ s: Int) -> Double { left + (w - left - right) * Double(s) / max(maxStep, 1) }
        func y(_ v: Double) -> Double { top + (h - top - bottom) * (1 - (v - lo) / span) }
        var svg = header(w, h) + axes(left: left, top: top, width: w - left - right, height: h - top - bottom)
        for i in 0...4 {
            let v = lo + span * Double(i) / 4
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\" font-size=\"11\">\(String(format: "%.2f", v))</text>\n"
        }
        svg += "<text x=\"\(f(w / 2))\" y=\"\(f(h - 10))\" text-anchor=\"middle\" font-size=\"12\">step (max \(Int(maxStep)))</text>\n"
        svg += "<text x=\"\(f(w / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">loss (nats/token)</text>\n"
        var legend = 0
        for (label, color, points) in series {
            for (kind, dash, value) in [("train", "", \Point.train), ("val", " stroke-dasharray=\"6 4\"", \Point.val)] {
                let path = points.filter { $0[keyPath: value].isFinite }
                    .map { "\(f(x($0.step))),\(f(y($0[keyPath: value])))" }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(path)\"/>\n"
                let ly = top + 16 * Double(legend) + 10
                svg += "<line x1=\"\(f(w - 190))\" y1=\"\(f(ly))\" x2=\"\(f(w - 160))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
                svg += "<text x=\"\(f(w - 154))\" y=\"\(f(ly + 4))\" font-size=\"11\">\(escape(label)) \(kind)</text>\n"
                legend += 1
            }
        }
        return svg + "</svg>\n"
    }

    /// Rows: (layer, expert); columns: log records; color: load share relative to even (white
    /// = even, red = overloaded, blue = starved).
    public static func loadHeatmap(_ points: [Point]) -> String {
        let rows = points.last?.loads.reduce(0) { $0 + $1.count } ?? 0
        let cols = points.count
        let cell = 12.0, left = 70.0, top = 40.0
        let w = left + Double(max(cols, 1)) * cell + 20, h = top + Double(max(rows, 1)) * cell + 40
        var svg = header(w, h)
        svg += "<text x=\"\(f(w / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">expert load share (layer x expert) over time</text>\n"
        for (c, p) in points.enumerated() {
            var r = 0
            for (layer, loads) in p.loads.enumerated() {
                let even = 1 / Double(max(loads.count, 1))
                for (e, share) in loads.enumerated() {
                    let ratio = share / even
                    svg += "<rect x=\"\(f(left + Double(c) * cell))\" y=\"\(f(top + Double(r) * cell))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(color(ratio))\"><title>step \(p.step) layer \(layer) expert \(e): \(String(format: "%.3f", share))</title></rect>\n"
                    r += 1
                }
            }
        }
        if let first = points.last {
            var r = 0
            for (layer, loads) in first.loads.enumerated() {
                svg += "<text x=\"\(f(left - 6))\" y=\"\(f(top + Double(r) * cell + 10))\" text-anchor=\"end\" font-size=\"10\">L\(layer)</text>\n"
                r += loads.count
            }
        }
        svg += "<text x=\"\(f(left))\" y=\"\(f(h - 14))\" font-size=\"11\">steps \(points.first?.step ?? 0) ... \(points.last?.step ?? 0); white = even load, red = 2x or more, blue = 0</text>\n"
        return svg + "</svg>\n"
    }

    private static func color(_ ratio: Double) -> String {
        if ratio >= 1 {
            let t = min(1, ratio - 1)
            let g = Int(255 * (1 - t))
            return "rgb(255,\(g),\(g))"
        }
        let t = max(0, 1 - ratio)
        let g = Int(255 * (1 - t))
        return "rgb(\(g),\(g),255)"
    }

    private static func header(_ w: Double, _ h: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(w))\" height=\"\(f(h))\" viewBox=\"0 0 \(f(w)) \(f(h))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    }

    private static func axes(left: Double, top: Double, width: Double, height: Double) -> String {
        "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"none\" stroke=\"#888\"/>\n"
    }

    private static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
