import XCTest
import MoEChatTemplates

/// Random mutations of the real templates must give a render or a thrown error, never a crash or hang.
final class FuzzTests: XCTestCase {
    /// SplitMix64: a small deterministic generator.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let fragments = [
        "{%", "%}", "{{", "}}", "{#", "#}", "{%-", "-%}", "(", ")", "[", "]", "{", "}", "'", "\"", "\\", "endif", "endfor",
        "{% for x in messages %}", "{% if %}", "{% endif %}", "{% set ns.x = 1 %}", "-", "|", "loop", ".", ",", ":",
        " is ", " not ", " in ", "**", "//", "%", "~", "{% macro m(a) %}{{ m(a) }}{% endmacro %}{{ m(1) }}",
        "range(99999999)", "'x' * 100000", "{% break %}", "{% raw %}", "|tojson(indent=2)", "|join", "[::-1]", "\n", " ",
    ]

    func mutate(_ source: String, _ rng: inout Generator) -> String {
        var s = Array(source.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let at = s.isEmpty ? 0 : Int.random(in: 0...s.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0:
                let end = min(s.count, at + Int.random(in: 1...40, using: &rng))
                if at < end { s.removeSubrange(at..<end) }
            case 1:
                let fragment = Self.fragments[Int.random(in: 0..<Self.fragments.count, using: &rng)]
                s.insert(contentsOf: fragment.unicodeScalars, at: at)
            case 2:
                s = Array(s.prefix(at))
            case 3:
                let end = min(s.count, at + Int.random(in: 1...80, using: &rng))
                if at < end { s.insert(contentsOf: s[at..<end], at: at) }
            default:
                if at < s.count { s[at] = Unicode.Scalar(UInt8.random(in: 32...126, using: &rng)) }
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: s)
        return String(view)
    }

    func testMutatedTemplatesNeverCrashOrHang() throws {
        try fuzz(try Fixtures.templateNames.map(Fixtures.template), iterations: 3000, seed: 20_240_726)
    }

    func testMutatedCorpusTemplatesNeverCrashOrHang() throws {
        let folder = Fixtures.directory.appendingPathComponent("llama.cpp")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jinja") }.sorted()
        let sources = try names.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
        XCTAssertGreaterThan(sources.count, 60)
        try fuzz(sources, iterations: 1500, seed: 11)
    }

    func fuzz(_ sources: [String], iterations: Int, seed: UInt64) throws {
        var rng = Generator(state: seed)
        let messages: [JSONValue] = [
            ["role": "system", "content": "sys"], ["role": "user", "content": "hi"],
            ["role": "assistant", "content": "yo", "tool_calls": [["function": ["name": "f", "arguments": ["a": 1]]]]],
            ["role": "tool", "content": "out"],
        ]
        let options = RenderOptions(
            now: Fixtures.now, limits: RenderLimits(maxOutputBytes: 1 << 20, maxLoopIterations: 20_000, maxCallDepth: 32))
        var parsed = 0, rendered = 0
        let start = Date()
        for iteration in 0..<iterations {
            let source = mutate(sources[iteration % sources.count], &rng)
            guard let template = try? ChatTemplate(source: source) else { continue }
            parsed += 1
            if (try? template.render(
                messages: messages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>",
                extra: ["tools": [["name": "t"]], "enable_thinking": false], options: options)) != nil
            {
                rendered += 1
            }
        }
        XCTAssertGreaterThan(parsed, iterations / 30)
        XCTAssertGreaterThan(rendered, iterations / 60)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }

    func testSyntaxErrorsOfMutatedTemplatesHavePositions() throws {
        let sources = try Fixtures.templateNames.map(Fixtures.template)
        var rng = Generator(state: 7)
        for iteration in 0..<500 {
            let source = mutate(sources[iteration % sources.count], &rng)
            do {
                _ = try ChatTemplate(source: source)
            } catch let ChatTemplateError.syntax(message, line, column) {
                let lines = source.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
                XCTAssertFalse(message.isEmpty)
                XCTAssertTrue((1...max(lines.count, 1)).contains(line), "line \(line) of \(lines.count): \(message)")
                XCTAssertGreaterThanOrEqual(column, 1)
            }
        }
    }
}
