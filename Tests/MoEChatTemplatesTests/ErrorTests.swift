import XCTest
import MoEChatTemplates

/// Error reporting: positions of syntax errors, raise_exception, runtime errors and limits.
final class ErrorTests: XCTestCase {
    func syntaxError(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> (String, Int, Int)? {
        do {
            _ = try ChatTemplate(source: source)
            XCTFail("parsed: \(source.debugDescription)", file: file, line: line)
        } catch let ChatTemplateError.syntax(message, l, c) {
            return (message, l, c)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
        return nil
    }

    func testSyntaxErrorsNameLineAndColumn() {
        let cases: [(String, Int, Int, String)] = [
            ("line one\n{% frobnicate %}", 2, 4, "frobnicate"),
            ("{{ 1 + }}", 1, 8, "unexpected"),
            ("a\nb\n{% if true %}x", 3, 15, "endif"),
            ("x\n  {# never closed", 2, 3, "comment"),
            ("{{ 'abc }}", 1, 4, "string"),
            ("{% for x in y %}{% endif %}", 1, 20, "endif"),
            ("{% break %}", 1, 4, "outside loop"),
            ("{{ x | nosuch }}", 1, 8, "No filter named 'nosuch'"),
            ("{{ x is nosuch }}", 1, 9, "No test named 'nosuch'"),
            ("{% extends 'base' %}", 1, 4, "extends"),
            ("{{ a $ b }}", 1, 6, "unexpected char '$'"),
            ("{{ (1, 2 }}", 1, 10, "unexpected '}'"),
            ("{% set = 1 %}", 1, 8, "assignment target"),
            ("{% macro m(a=1, b) %}{% endmacro %}", 1, 18, "non-default argument"),
            ("{{ f(*args) }}", 1, 6, "not supported"),
        ]
        for (source, line, column, fragment) in cases {
            guard let (message, l, c) = syntaxError(source) else { continue }
            XCTAssertEqual(l, line, "\(source.debugDescription): \(message)")
            XCTAssertEqual(c, column, "\(source.debugDescription): \(message)")
            XCTAssertTrue(message.contains(fragment), "\(message) lacks \(fragment)")
            XCTAssertTrue(ChatTemplateError.syntax(message: message, line: l, column: c).description.contains("line \(l), column \(c)"))
        }
    }

    func testRaiseExceptionSurfacesTheMessage() throws {
        let template = try ChatTemplate(source: "{% if messages[0].role != 'user' %}{{ raise_exception('First message must be from the user, got ' + messages[0].role) }}{% endif %}ok")
        XCTAssertEqual(try template.render(messages: [["role": "user", "content": "x"]]), "ok")
        XCTAssertThrowsError(try template.render(messages: [["role": "system", "content": "x"]])) { error in
            XCTAssertEqual(error as? ChatTemplateError, .raised(message: "First message must be from the user, got system"))
            XCTAssertEqual("\(error)", "First message must be from the user, got system")
        }
    }

    func testRuntimeErrorsCarryPosition() {
        XCTAssertThrowsError(try ChatTemplate(source: "ok\n  {{ 'a' + 1 }}").render(context: [:])) { error in
            guard case ChatTemplateError.runtime(let message, let line, let column)? = error as? ChatTemplateError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(message, "can only concatenate str (not \"int\") to str")
            XCTAssertEqual(line, 2)
            XCTAssertEqual(column, 10)
        }
    }

    func limitError(_ source: String, _ limits: RenderLimits) -> String? {
        do {
            _ = try ChatTemplate(source: source).render(context: [:], options: RenderOptions(limits: limits))
        } catch ChatTemplateError.limitExceeded(let message) {
            return message
        } catch {
            XCTFail("unexpected \(error)")
        }
        return nil
    }

    func testRunawayTemplatesHitLimits() {
        let small = RenderLimits(maxOutputBytes: 10_000, maxLoopIterations: 1_000, maxCallDepth: 20)
        XCTAssertEqual(limitError("{% for i in range(100000) %}{% endfor %}", small), "more than 1000 loop iterations")
        XCTAssertEqual(
            limitError("{% for i in range(10) %}{% for j in range(10) %}{% for k in range(20) %}{% endfor %}{% endfor %}{% endfor %}", small),
            "more than 1000 loop iterations")
        XCTAssertEqual(limitError("{% for i in range(900) %}{{ 'xxxxxxxxxxxxxxxxxxxx' }}{% endfor %}", small), "output longer than 10000 bytes")
        XCTAssertEqual(limitError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", small), "macro calls nested deeper than 20")
        XCTAssertNotNil(limitError("{% macro f() %}{% set x %}{{ f() }}{% endset %}{% endmacro %}{{ f() }}", small))
        let deep = String(repeating: "(", count: 150) + "1" + String(repeating: ")", count: 150)
        XCTAssertThrowsError(try ChatTemplate(source: "{{ " + deep + " }}").render(context: [:]))
        XCTAssertThrowsError(try ChatTemplate(source: String(repeating: "{% if true %}", count: 300)))
    }

    func testGrowingValuesHitTheOutputLimit() {
        let doubling = "{% set s = namespace(v='ab') %}{% for i in range(64) %}{% set s.v = s.v ~ s.v %}{% endfor %}{{ s.v }}"
        XCTAssertEqual(limitError(doubling, RenderLimits(maxOutputBytes: 1 << 20)),
                       "string longer than the output limit of 1048576 bytes at line 1, column 73")
        let concatenating = "{% set s = namespace(v='ab') %}{% for i in range(64) %}{% set s.v = s.v + s.v %}{% endfor %}"
        XCTAssertNotNil(limitError(concatenating, RenderLimits(maxOutputBytes: 1 << 20)))
        let lists = "{% set s = namespace(v=[1]) %}{% for i in range(64) %}{% set s.v = s.v + s.v %}{% endfor %}"
        XCTAssertEqual(limitError(lists, RenderLimits())?.hasPrefix("list longer than 10000000 items"), true)
    }

    func testOneOperationCannotBuildAHugeValue() throws {
        let cases = ["{{ 'a'.ljust(10**15) }}", "{{ 'a' | center(10**15) }}", "{{ '%99999999999999999999999d' % 1 }}",
                     "{{ '%.99999999999999999999f' % 1.5 }}", "{{ ('a' * 1000000).replace('a', 'aaaaaaaaaaaaaaaa') }}",
                     "{{ (['a' * 1000000] * 100) | join }}", "{{ 'x' | indent(10**15) }}", "{{ [1, 2] | tojson(indent=10**15) }}",
                     "{{ 'a' * 10**18 }}", "{{ [1] * 10**18 }}"]
        for source in cases {
            XCTAssertThrowsError(try ChatTemplate(source: source).render(context: [:]), source) { error in
                XCTAssertTrue((error as? ChatTemplateError)?.message.contains("10000000") ?? false, "\(source): \(error)")
            }
        }
        XCTAssertThrowsError(try ChatTemplate(source: "{{ '{-1}'.format(1) }}").render(context: [:]))
    }

    func testUndefinedBehavesLikeJinja() throws {
        let t = try ChatTemplate(source: "[{{ missing }}][{{ missing is defined }}][{{ missing | default('d') }}][{{ missing | length }}][{% for x in missing %}x{% endfor %}][{{ 'yes' if missing else 'no' }}]")
        XCTAssertEqual(try t.render(context: [:]), "[][False][d][0][][no]")
        XCTAssertThrowsError(try ChatTemplate(source: "{{ missing.attribute }}").render(context: [:])) { error in
            XCTAssertEqual((error as? ChatTemplateError)?.message, "'missing' is undefined")
        }
        XCTAssertEqual(try ChatTemplate(source: "[{{ d.nope }}]").render(context: ["d": [:]]), "[]")
    }
}
