import ArgumentParser
import Foundation
import MoEFormats
import MoETraining

/// `moe plot`: SVG charts of training logs.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw loss curves and an expert-load heatmap (SVG) from train_log.jsonl files.",
        discussion: "Writes OUT/loss.svg (all logs) and OUT/expert_load[-N].svg per MoE log."
    )

    @Argument(help: "train_log.jsonl files (or run folders holding one).")
    var logs: [String]

    @Option(name: .long, help: "Output folder.")
    var out: String

    func run() throws {
        let colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"]
        var series: [(String, String, [Plots.Point])] = []
        for (i, path) in logs.enumerated() {
            var isFolder: ObjCBool = false
            let file = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
                ? path + "/train_log.jsonl" : path
            let data = try MappedFile.read(file)
            let label = URL(fileURLWithPath: file).deletingLastPathComponent().lastPathComponent
            series.append((label, colors[i % colors.count], Plots.parse(String(decoding: data, as: UTF8.self))))
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try AtomicFileWriter.write(Array(Plots.lossCurves(series).utf8), to: out + "/loss.svg")
        var written = ["loss.svg"]
        for (i, s) in series.enumerated() where s.2.contains(where: { !$0.loads.isEmpty }) {
            let name = series.count == 1 ? "expert_load.svg" : "expert_load-\(s.0.isEmpty ? String(i) : s.0).svg"
            try AtomicFileWriter.write(Array(Plots.loadHeatmap(s.2).utf8), to: out + "/" + name)
            written.append(name)
        }
        emit("wrote \(written.map { out + "/" + $0 }.joined(separator: ", "))\n")
    }
}
