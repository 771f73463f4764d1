#!/usr/bin/env python3
"""Reference renders for the MoEChatTemplates tests, made by transformers and jinja2.

Writes Tests/Fixtures/chat-templates/expected.json with two lists:

- "conversations": each real template in Tests/Fixtures/chat-templates/*.jinja rendered by
  transformers' own `render_jinja_template` for a set of conversations, with the expected text
  or the error the render raised.
- "units": small templates rendered with the same compiled environment transformers builds
  (`_compile_jinja_template`), one feature each, with their variables.

`strftime_now` is pinned to 2024-07-26 14:05:09 so the outputs are deterministic; the Swift
tests pass the same date. Run: python3 scripts/make_template_fixtures.py
"""

import datetime as _datetime
import json
import os
import random

import jinja2
import transformers
import transformers.utils.chat_template_utils as ctu

FIXED_NOW = _datetime.datetime(2024, 7, 26, 14, 5, 9)


class _FixedDatetime(_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


ctu.datetime = _FixedDatetime

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "chat-templates")

TOKENS = {
    "qwen3": {"eos_token": "<|im_end|>"},
    "mixtral-8x7b-instruct-v0.1": {"bos_token": "<s>", "eos_token": "</s>"},
    "deepseek-v3": {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"},
    "olmo2-instruct": {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"},
    "llama-3.1-instruct": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "granite-3.3-instruct": {"eos_token": "<|end_of_text|>"},
    "gpt-oss": {"bos_token": "<|startoftext|>", "eos_token": "<|return|>"},
}

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. \"Paris\""},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {"name": "get_time", "description": "Current time (UTC).", "parameters": {"type": "object", "properties": {}}},
}
WEIRD = "Quotes ' \" backslash \\ newline\nCRLF\r\ntab\t unicode é 中文 🚀 e\u0301 {{ not_a_var }} {% if x %} {# c #} trailing  "

CONVERSATIONS = [
    ("basic", [SYSTEM, {"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "2+2 equals 4."}], {}),
    ("single-user", [{"role": "user", "content": "Hello!"}], {}),
    ("no-system-multi", [
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke."},
    ], {}),
    ("multi-turn", [
        SYSTEM, {"role": "user", "content": "One"}, {"role": "assistant", "content": "Two"},
        {"role": "user", "content": "Three"}, {"role": "assistant", "content": "Four"}, {"role": "user", "content": "Five"},
    ], {}),
    ("unusual-characters", [SYSTEM, {"role": "user", "content": WEIRD}, {"role": "assistant", "content": WEIRD}], {}),
    ("whitespace-content", [{"role": "user", "content": "  padded \n\n"}, {"role": "assistant", "content": "\n answer \t"}], {}),
    ("empty-content", [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}], {}),
    ("consecutive-users", [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], {}),
    ("unknown-role", [{"role": "user", "content": "a"}, {"role": "critic", "content": "b"}], {}),
    ("empty-conversation", [], {}),
    ("list-content", [{"role": "user", "content": [{"type": "text", "text": "Describe this."}]}], {}),
    ("tool-call", [
        SYSTEM, {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
        {"role": "tool", "content": "{\"temperature\": 22}"},
        {"role": "assistant", "content": "It is 22 °C in Paris."},
    ], {"tools": [WEATHER_TOOL, TIME_TOOL]}),
    ("tools-no-system", [{"role": "user", "content": "What time is it?"}], {"tools": [TIME_TOOL]}),
    ("deepseek-tool-call", [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
            {"type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
        {"role": "tool", "content": "22C"}, {"role": "tool", "content": "12:00"},
        {"role": "assistant", "content": "It is 22C at noon."},
    ], {}),
    ("no-thinking", [SYSTEM, {"role": "user", "content": "Quick answer please."}], {"enable_thinking": False}),
    ("thinking-true", [{"role": "user", "content": "Think."}], {"enable_thinking": True, "thinking": True}),
    ("reasoning-content", [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4", "reasoning_content": "Adding two and two."},
        {"role": "user", "content": "3+3?"},
        {"role": "assistant", "content": "<think>\nSix, clearly.\n</think>\n\n6"},
    ], {}),
    ("date-string", [{"role": "user", "content": "Date?"}], {"date_string": "01 Jan 2025"}),
    ("builtin-tools", [
        SYSTEM, {"role": "user", "content": "Search the web."},
        {"role": "assistant", "tool_calls": [
            {"type": "function", "function": {"name": "brave_search", "arguments": {"query": "swift"}}}]},
        {"role": "ipython", "content": {"results": ["a", "b"]}},
    ], {"builtin_tools": ["brave_search", "code_interpreter", "wolfram_alpha"]}),
    ("tools-in-system", [SYSTEM, {"role": "user", "content": "Weather?"}], {"tools": [WEATHER_TOOL], "tools_in_user_message": False}),
    ("documents", [{"role": "user", "content": "Summarise."}], {
        "documents": [{"doc_id": 1, "text": "Swift is a language."}, {"doc_id": "b", "text": "MoE routes tokens."}],
        "controls": {"citations": True, "hallucinations": True}}),
]

# The harmony format's own inputs (gpt-oss.jinja only): analysis in "thinking", a developer message,
# reasoning effort, model identity, builtin tools, a tool call carrying its analysis, and the final
# answer after it.
HARMONY = [
    ("harmony-thinking", [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "thinking": "Two plus two is four.", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
    ], {"reasoning_effort": "high"}),
    ("harmony-developer", [
        {"role": "developer", "content": "Answer in French."}, {"role": "user", "content": "Hello"},
    ], {"model_identity": "You are a terse assistant.", "reasoning_effort": "low"}),
    ("harmony-tool-call", [
        SYSTEM, {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "thinking": "I should call get_weather.", "tool_calls": [
            {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "{\"temperature\": 22}"},
        {"role": "assistant", "thinking": "It is warm.", "content": "It is 22 °C in Paris."},
    ], {"tools": [WEATHER_TOOL, TIME_TOOL]}),
    ("harmony-builtin-tools", [{"role": "user", "content": "Compute 2**10."}], {"builtin_tools": ["python", "browser"]}),
]

UNIT_CASES = [
    # whitespace control, trim_blocks and lstrip_blocks
    ("ws-trim-blocks", "{% if true %}\nyes\n{% endif %}\nafter", {}),
    ("ws-lstrip", "  {% if true %}\n  x\n  {% endif %}\n", {}),
    ("ws-lstrip-not-variable", "  {{ 'v' }}\n  {% if true %}a{% endif %}", {}),
    ("ws-minus-both", "a   \n  {%- if true -%}  \n  b  \n  {%- endif -%}\n  c", {}),
    ("ws-minus-variable", "x  {{- 'y' -}}  z", {}),
    ("ws-plus-disables-lstrip", "  {%+ if true %}x{% endif %}", {}),
    ("ws-plus-disables-trim", "{% if true +%}\nx{% endif %}", {}),
    ("ws-text-before-tag", "text {% if true %}\nx{% endif %}", {}),
    ("ws-comment", "a\n  {# comment #}\nb {#- c -#} c", {}),
    ("ws-comment-multiline", "{# line1\nline2 #}\nz", {}),
    ("ws-trailing-newline-dropped", "hello\n", {}),
    ("ws-two-trailing-newlines", "hello\n\n", {}),
    ("ws-crlf", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc", {}),
    ("ws-variable-no-trim", "{{ 'a' }}\nb", {}),
    ("ws-tabs-lstrip", "\t \t{% if true %}x{% endif %}", {}),
    ("ws-raw", "{% raw %}{{ not evaluated }} {% if %}{% endraw %}!", {}),
    ("ws-raw-minus", "a  {%- raw -%}  x  {%- endraw -%}  b", {}),
    ("ws-nested-loops", "{% for i in [1,2] %}\n  {% for j in 'ab' %}\n    {{ i }}{{ j }}\n  {% endfor %}\n{% endfor %}\n", {}),
    ("ws-unicode-space-strip", "a\u00a0\u3000{%- if true %}b{% endif %}", {}),
    # literals and printing
    ("lit-strings", "{{ 'single' }} {{ \"double\" }} {{ 'a' 'b' }} {{ 'esc\\n\\t\\\\\\'\\x41\\u00e9\\U0001F600\\101' }}", {}),
    ("lit-unknown-escape", "{{ 'a\\qb' }}|{{ 'c\\\nd' }}", {}),
    ("lit-numbers", "{{ 1 }} {{ 1.5 }} {{ 1e3 }} {{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 2.5e-7 }} {{ 1e16 }} {{ 123456789.125 }}", {}),
    ("lit-bools-none", "{{ true }} {{ True }} {{ false }} {{ none }} {{ None }}", {}),
    ("lit-list-repr", "{{ [1, 'a', \"b'c\", none, true, 1.0, [2], (3,), {'k': 'v'}] }}", {}),
    ("lit-tuple-repr", "{{ (1, 2) }} {{ () }} {{ (1,) }} {{ 1, 2 }}", {}),
    ("lit-dict-repr", "{{ {'a': 1, 2: 'b', 'c': {'d': [none]}} }}", {}),
    ("lit-string-repr-escapes", "{{ ['a\\nb', 'tab\\t', 'bs\\\\', 'q\\'', 'both\\'\"', '\\x00\\x7f\\u200b', 'é中🚀'] }}", {}),
    ("lit-float-repr", "{{ [0.1 + 0.2, 1/3, 10/2, 1e-5, 0.0001, 1e22, -0.0, 2**0.5, 100.0] }}", {}),
    ("print-context-values", "{{ s }}|{{ i }}|{{ f }}|{{ b }}|{{ n }}|{{ l }}|{{ d }}", {"s": "str", "i": 3, "f": 2.5, "b": False, "n": None, "l": [1, "x"], "d": {"k": [True]}}),
    # arithmetic and operators
    ("op-arith", "{{ 7 + 3 }} {{ 7 - 10 }} {{ 7 * 3 }} {{ 7 / 2 }} {{ 8 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }}", {}),
    ("op-float-arith", "{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1.5 * 2 }} {{ 1 + 1.0 }} {{ true + 1 }}", {}),
    ("op-precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ 10 - 2 - 3 }} {{ 2 * 3 ~ 4 }}", {}),
    ("op-string", "{{ 'ab' + 'cd' }} {{ 'ab' * 3 }} {{ 3 * 'x' }} {{ 'a' ~ 1 ~ none ~ true }} {{ [1] + [2, 3] }} {{ [0] * 3 }}", {}),
    ("op-string-mod", "{{ 'Hi %s, you are %d' % ('Bob', 42) }} {{ '%05.2f|%-4s|%x' % (3.14159, 'a', 255) }} {{ '%s' % 'one' }}", {}),
    ("op-compare", "{{ 1 < 2 }} {{ 2 <= 1 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ 1 != 2 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ none == none }} {{ 'a' == 'a' }} {{ [1] == [1] }} {{ {'a': 1} == {'a': 1} }}", {}),
    ("op-logic", "{{ true and 'x' }} {{ false and 'x' }} {{ 0 or 'y' }} {{ 'z' or 'w' }} {{ not 0 }} {{ not 'a' }} {{ not none and 1 }}", {}),
    ("op-in", "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'abc' }} {{ 3 not in [3] }} {{ 'x' in missing }}", {}),
    ("op-ternary", "{{ 'yes' if 1 else 'no' }} {{ 'yes' if 0 else 'no' }} [{{ 'only' if false }}] {{ 'a' if false else 'b' if true else 'c' }}", {}),
    ("op-concat-undefined", "[{{ missing ~ 'x' }}]", {}),
    ("op-unary", "{{ -3 }} {{ +3 }} {{ -(-2.5) }} {{ - 4 | abs }}", {}),
    # attribute, item, slicing
    ("access-attr-item", "{{ m.role }} {{ m['content'] }} {{ m.missing }}|{{ l[0] }} {{ l[-1] }} {{ l.1 }} {{ s[1] }} {{ s[-1] }}", {"m": {"role": "user", "content": "hi"}, "l": [10, 20, 30], "s": "abc"}),
    ("access-missing-index", "[{{ l[5] }}][{{ d['nope'] }}][{{ (none).x }}]", {"l": [1], "d": {}}),
    ("access-method-shadow", "{{ d.items is defined }} {{ d['items'] }} {{ d.keys() | list }}", {"d": {"items": "shadowed"}}),
    ("access-slices", "{{ l[1:] }} {{ l[:2] }} {{ l[::-1] }} {{ l[-2:] }} {{ l[::2] }} {{ l[5:] }} {{ s[1:3] }} {{ s[::-1] }} {{ l[-10:1] }}", {"l": [1, 2, 3, 4], "s": "hello"}),
    ("access-nested", "{{ m.tool_calls[0].function.name }} {{ m['tool_calls'][0]['function']['arguments']['x'] }}", {"m": {"tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]}}),
    # if / for / loop
    ("if-elif-else", "{% for x in [1, 2, 3] %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}other{% endif %} {% endfor %}", {}),
    ("for-loop-vars", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }};{% endfor %}", {}),
    ("for-prev-next", "{% for x in [1, 2, 3] %}({{ loop.previtem }},{{ loop.nextitem }}){% endfor %}", {}),
    ("for-else", "{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1] %}{{ x }}{% else %}no{% endfor %}", {}),
    ("for-unpack-items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d | items %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("for-unpack-tuples", "{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }} {% endfor %}{% for (a, b) in [('x', 'y')] %}{{ a }}{{ b }}{% endfor %}", {}),
    ("for-filter-if", "{% for x in range(10) if x is odd %}{{ x }}{{ loop.length }},{% endfor %}", {}),
    ("for-dict-keys", "{% for k in d %}{{ k }}{% endfor %}", {"d": {"z": 1, "y": 2}}),
    ("for-break-continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("for-scope", "{% set x = 'outer' %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}{{ x }}", {}),
    ("for-nested-loop-var", "{% for a in [1, 2] %}{% set outer = loop %}{% for b in 'xy' %}{{ outer.index }}{{ loop.index }} {% endfor %}{% endfor %}", {}),
    ("for-loop-cycle", "{% for x in range(4) %}{{ loop.cycle('odd', 'even') }} {% endfor %}", {}),
    ("for-undefined", "[{% for x in missing %}{{ x }}{% endfor %}]", {}),
    ("for-reverse-messages", "{% for m in msgs[::-1] %}{{ m.role }}{{ (msgs | length - 1) - loop.index0 }} {% endfor %}", {"msgs": [{"role": "a"}, {"role": "b"}]}),
    # set, namespace, macro, call, filter, with
    ("set-basic", "{% set x = 1 %}{% set y, z = 2, 3 %}{{ x + y + z }}", {}),
    ("set-block", "{% set x %}Hello {{ name }}{% endset %}[{{ x }}]{% set y | upper %}shout{% endset %}{{ y }}", {"name": "Ann"}),
    ("set-in-if-leaks", "{% if true %}{% set x = 5 %}{% endif %}{{ x }}", {}),
    ("namespace", "{% set ns = namespace(count=0, found=false) %}{% for i in range(3) %}{% set ns.count = ns.count + i %}{% endfor %}{{ ns.count }} {{ ns.found }}", {}),
    ("namespace-from-dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}", {}),
    ("macro-basic", "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', greeting='Hi') }} {{ greet('Cy', 'Yo') }}", {}),
    ("macro-scope", "{% macro m() %}{{ x }}{% endmacro %}{% set x = 1 %}{{ m() }}{% set x = 2 %}{{ m() }}", {}),
    ("macro-missing-arg", "{% macro m(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}", {}),
    ("macro-recursive", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}", {}),
    ("macro-varargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}", {}),
    ("call-block", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ 1 + 1 }}{% endcall %}", {}),
    ("filter-block", "{% filter upper %}hello {{ 'world' }}{% endfilter %}", {}),
    ("with-block", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", {}),
    # filters
    ("f-trim", "[{{ '  x  ' | trim }}][{{ 'xxaxx' | trim('x') }}][{{ '\\n\\t y \\u3000' | trim }}]", {}),
    ("f-tojson", "{{ d | tojson }}", {"d": {"b": [1, 2.5, None, True], "a": "é\"\\\n<tag>", "c": {}, "e": []}}),
    ("f-tojson-indent", "{{ d | tojson(indent=2) }}|{{ [] | tojson(indent=4) }}|{{ d | tojson(indent=0) }}", {"d": {"x": [1, {"y": None}], "z": "s"}}),
    ("f-tojson-options", "{{ d | tojson(sort_keys=true) }}|{{ d | tojson(separators=(',', ':')) }}|{{ d | tojson(ensure_ascii=true) }}|{{ 'é🚀' | tojson(true) }}", {"d": {"b": 1, "a": "é"}}),
    ("f-tojson-scalars", "{{ 'x' | tojson }} {{ 1.0 | tojson }} {{ 1e20 | tojson }} {{ none | tojson }} {{ (1, 2) | tojson }} {{ {1: 2, true: 3} | tojson }} {{ '\\x01\\x7f\\u2028' | tojson }}", {}),
    ("f-length", "{{ 'héllo' | length }} {{ [1, 2] | length }} {{ {'a': 1} | count }} {{ missing | length }} {{ '🚀e\u0301' | length }}", {}),
    ("f-default", "{{ missing | default('dflt') }} {{ '' | default('empty') }} {{ '' | default('empty', true) }} {{ none | d('n') }} {{ none | d('n', boolean=true) }} {{ 0 | default(5, true) }}", {}),
    ("f-join", "{{ [1, 'a', none] | join }} {{ ['x', 'y'] | join(', ') }} {{ users | join('/', attribute='name') }}", {"users": [{"name": "a"}, {"name": "b"}]}),
    ("f-case", "{{ 'hELLo wORLD' | upper }} {{ 'HeLLo' | lower }} {{ 'hello WORLD-foo (bar' | title }} {{ 'hELLO world' | capitalize }}", {}),
    ("f-replace", "{{ 'aaa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'abc' | replace('', '-') }}", {}),
    ("f-first-last", "{{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }} {{ 'abc' | first }} {{ 'abc' | last }} [{{ [] | first }}]", {}),
    ("f-list-string", "{{ 'abc' | list }} {{ {'a': 1} | list }} {{ 12 | string }} {{ [1] | string }} {{ none | string }}", {}),
    ("f-int-float", "{{ '42' | int }} {{ '3.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '0x1A' | int(0, 16) }} {{ '2.5' | float }} {{ 'bad' | float }} {{ 3 | float }} {{ true | int }}", {}),
    ("f-abs-round", "{{ -3 | abs }} {{ -2.5 | abs }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.567 | round(2) }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(method='floor') }} {{ 5 | round }}", {}),
    ("f-items-dictsort", "{{ d | items | list }} {{ d | dictsort }} {{ d | dictsort(reverse=true) }} {{ d | dictsort(by='value') }}", {"d": {"b": 2, "A": 3, "c": 1}}),
    ("f-select-reject", "{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3, 4] | reject('even') | list }} {{ [0, 1, '', 'a'] | select | list }} {{ [1, 5, 9] | select('gt', 4) | list }} {{ ['a', 'b'] | reject('equalto', 'a') | list }}", {}),
    ("f-selectattr", "{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }} {{ ms | rejectattr('tool') | list | length }} {{ ms | selectattr('tool') | map(attribute='role') | join }}", {"ms": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "tool": True}, {"role": "user", "content": "c"}]}),
    ("f-map", "{{ ['a', 'b'] | map('upper') | list }} {{ [1.5, 2.5] | map('round') | list }} {{ ds | map(attribute='x', default='?') | list }} {{ ds | map(attribute='y.z') | list }}", {"ds": [{"x": 1, "y": {"z": 2}}, {"y": {"z": 3}}]}),
    ("f-sort-unique-reverse", "{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }} {{ [3, 1, 2] | sort(reverse=true) }} {{ ds | sort(attribute='n') | map(attribute='n') | list }} {{ [1, 2, 1, 'a', 'A'] | unique | list }} {{ [1, 2, 3] | reverse | list }} {{ 'abc' | reverse }}", {"ds": [{"n": 2}, {"n": 1}]}),
    ("f-indent", "[{{ 'a\\nb\\n\\nc' | indent }}][{{ 'a\\nb' | indent(2, true) }}][{{ 'a\\n\\nb' | indent(width='> ', blank=true) }}][{{ '' | indent(first=true) }}]", {}),
    ("f-escape-safe", "{{ '<a href=\"x\">&\\'</a>' | e }} {{ '<b>' | escape }} {{ '<i>' | safe }}", {}),
    ("f-wordcount-minmax-sum", "{{ 'Hello, world! foo_bar 42' | wordcount }} {{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ [1, 2, 3] | sum }} {{ ds | sum(attribute='n') }} {{ ['b', 'A'] | max }}", {"ds": [{"n": 2}, {"n": 5}]}),
    ("f-chain", "{{ '  Hello World  ' | trim | lower | replace('world', 'there') | capitalize }}", {}),
    ("f-format-center-truncate", "{{ '%s-%s' | format('a', 'b') }} [{{ 'ab' | center(6) }}] {{ 'hello world this is long text' | truncate(15) }} {{ 'hello world this is long' | truncate(10, true) }}", {}),
    # tests
    ("t-defined", "{{ x is defined }} {{ missing is defined }} {{ missing is undefined }} {{ none is defined }} {{ m.nope is defined }}", {"x": 1, "m": {}}),
    ("t-types", "{{ 'a' is string }} {{ 1 is number }} {{ 1.5 is number }} {{ true is number }} {{ 1 is integer }} {{ 1.0 is integer }} {{ 1.0 is float }} {{ true is boolean }} {{ 1 is boolean }} {{ none is none }} {{ {} is mapping }} {{ [] is mapping }}", {}),
    ("t-iterable-sequence", "{{ 'a' is iterable }} {{ [] is iterable }} {{ {} is iterable }} {{ 1 is iterable }} {{ missing is iterable }} {{ [] is sequence }} {{ 'a' is sequence }} {{ 1 is sequence }} {{ none is iterable }}", {}),
    ("t-bool-tests", "{{ true is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }} {{ none is false }}", {}),
    ("t-numbers", "{{ 3 is odd }} {{ 3 is even }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ -3 is odd }}", {}),
    ("t-compare", "{{ 1 is eq 1 }} {{ 'a' is equalto 'a' }} {{ 2 is ne 3 }} {{ 3 is gt 2 }} {{ 3 is ge 3 }} {{ 2 is lt 3 }} {{ 2 is le 1 }} {{ 3 is greaterthan 2 }} {{ 1 is lessthan 0 }}", {}),
    ("t-in-sameas-case", "{{ 2 is in [1, 2] }} {{ 'x' is in 'abc' }} {{ none is sameas none }} {{ false is sameas false }} {{ 1 is sameas true }} {{ 'abc' is lower }} {{ 'aBc' is lower }} {{ 'ABC' is upper }} {{ '1' is upper }}", {}),
    ("t-negated", "{{ 1 is not none }} {{ none is not none }} {{ x is not defined }} {{ not x is defined }}", {"x": 1}),
    ("t-callable-filter-test", "{{ range is callable }} {{ 1 is callable }} {{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }}", {}),
    # methods
    ("m-startswith", "{{ s.startswith('<tool') }} {{ s.endswith('>') }} {{ s.startswith(('x', '<')) }} {{ s.startswith('tool', 1) }} {{ s.endswith('') }}", {"s": "<tool_response>"}),
    ("m-split", "{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ ''.split(',') }} {{ '  '.split() }}", {}),
    ("m-strip", "[{{ '\\n\\nx\\n'.strip('\\n') }}][{{ '  x  '.lstrip() }}][{{ '  x  '.rstrip() }}][{{ 'xyxhixy'.strip('xy') }}][{{ '\\nab'.lstrip('\\n') }}]", {}),
    ("m-case", "{{ 'aB'.upper() }} {{ 'aB'.lower() }} {{ \"they're bill's\".title() }} {{ 'hELLO'.capitalize() }} {{ 'aB'.swapcase() }}", {}),
    ("m-find-count-replace", "{{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} {{ 'hello'.count('l') }} {{ 'aaaa'.count('aa') }} {{ 'hello'.replace('l', 'L') }} {{ 'hello'.replace('l', 'L', 1) }} {{ 'hello'.index('e') }}", {}),
    ("m-format-join", "{{ '{} + {} = {}'.format(1, 2, 3) }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{name}!'.format(name='hi') }} {{ '{{}}{}'.format(1) }} {{ ', '.join(['a', 'b']) }} {{ '-'.join('xyz') }}", {}),
    ("m-predicates", "{{ '123'.isdigit() }} {{ 'abc'.isalpha() }} {{ 'a1'.isalnum() }} {{ ' \\t'.isspace() }} {{ 'abc'.islower() }} {{ 'ABC'.isupper() }} {{ ''.isdigit() }}", {}),
    ("m-misc-str", "{{ '5'.zfill(3) }} {{ 'ab'.ljust(4, '.') }} {{ 'ab'.rjust(4) }} {{ 'a=b=c'.partition('=') }} {{ 'prefix-x'.removeprefix('prefix-') }} {{ 'x.py'.removesuffix('.py') }}", {}),
    ("m-dict", "{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 'dflt') }} {{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }}", {"d": {"a": 1, "b": [2]}}),
    ("m-list", "{{ l.index(2) }} {{ l.count(1) }} {{ (1, 2).index(2) }}", {"l": [1, 2, 1]}),
    ("g-range-dict-joiner", "{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ range(5, 0, -2) | list }} {{ dict(a=1, b='x') }} {% set j = joiner('|') %}{% for x in 'abc' %}{{ j() }}{{ x }}{% endfor %}", {}),
    ("g-strftime", "{{ strftime_now('%Y-%m-%d %H:%M:%S') }} {{ strftime_now('%B %d, %Y') }} {{ strftime_now('%d %b %Y %A %a %j %I%p %y %%') }}", {}),
    # more edge cases
    ("edge-lstrip-after-text-line", "a\n  b {% if true %}x{% endif %}\n  {% if true %}y{% endif %}", {}),
    ("edge-lstrip-comment-start", "  {# c #}\nx", {}),
    ("edge-trim-after-comment", "{# c #}\n\nx", {}),
    ("edge-trim-only-one-newline", "{% if true %}\n\nx{% endif %}", {}),
    ("edge-minus-variable-start", "a \n {{- 'b' }} \n c", {}),
    ("edge-endraw-lstrip", "{% raw %}\n  x\n  {% endraw %}\ny", {}),
    ("edge-block-end-newline-crlf", "{% if true %}\r\nx{% endif %}", {}),
    ("edge-string-with-tag-chars", "{{ '%}' }}{{ '}}' }}{{ \"{{\" }}", {}),
    ("edge-dict-braces-in-variable", "{{ {'a': {'b': 1}} }}", {}),
    ("edge-set-tuple-parens", "{% set (a, b) = [1, 2] %}{{ a }}{{ b }}", {}),
    ("edge-loop-changed", "{% for x in [1, 1, 2, 2, 3] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", {}),
    ("edge-loop-in-macro", "{% macro row(items) %}{% for i in items %}{{ loop.index }}{% endfor %}{% endmacro %}{% for x in [1] %}{{ row('ab') }}{{ loop.index }}{% endfor %}", {}),
    ("edge-dict-order-and-dupes", "{{ {'b': 1, 'a': 2, 'b': 3} }}", {}),
    ("edge-dict-equality-unordered", "{{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1} }} {{ [1, 2] == (1, 2) }} {{ 1 == true }} {{ 0.5 == 1/2 }}", {}),
    ("edge-in-dict-values", "{{ 1 in {'a': 1} }} {{ 'a' in {'a': 1} }} {{ 1 in {1.0: 'x'} }}", {}),
    ("edge-unicode-ops", "{{ 'é中🚀'[1] }} {{ 'é中🚀'[-1] }} {{ 'é中🚀' | length }} {{ 'é中🚀'[::-1] }} {{ 'ÉCOLE' | lower }} {{ 'straße' | upper }}", {}),
    ("edge-combining-chars", "{{ s | length }} {{ s == 'e\u0301' }} {{ s.startswith('e') }} {{ s[0] }}", {"s": "e\u0301"}),
    ("edge-int-float-print", "{{ 3 / 1 }} {{ 2 ** 62 }} {{ 10 // 3 * 3 + 10 % 3 }} {{ 1.0 * 3 }} {{ 7.0 // 2 }} {{ 1e300 * 10 }} {{ -1e300 * 10 }}", {}),
    ("edge-float-formatting", "{{ [1e16, 1.5e16, 123456789012345678.0, 0.00001234, 5e-324, 1.7976931348623157e308, 2.5, 1e15] }}", {}),
    ("edge-none-attribute", "[{{ none.x }}][{{ (none)['x'] }}][{{ 1.x }}]", {}),
    ("edge-items-undefined", "[{% for k, v in missing | items %}{% endfor %}]", {}),
    ("edge-selectattr-defined", "{{ ms | selectattr('name', 'defined') | map(attribute='name') | list }} {{ ms | rejectattr('name', 'undefined') | list | length }}", {"ms": [{"name": "a"}, {}, {"name": "c"}]}),
    ("edge-map-filter-args", "{{ ['a-b', 'c-d'] | map('replace', '-', '+') | list }} {{ [' x ', ' y'] | map('trim') | join(',') }}", {}),
    ("edge-dictsort-case", "{{ {'b': 1, 'A': 2, 'a': 3} | dictsort(true) }}", {}),
    ("edge-first-dict", "{{ {'k': 1, 'j': 2} | first }} {{ {'k': 1, 'j': 2} | last }}", {}),
    ("edge-tojson-nested-indent", "{{ {'a': [], 'b': {}, 'c': [{'d': (1, 'e')}]} | tojson(indent=3) }}", {}),
    ("edge-tojson-indent-string", "{{ [1, [2]] | tojson(indent='\\t') }}", {}),
    ("edge-tojson-float-keys", "{{ {1.5: 'a', none: 'b', false: 'c'} | tojson }}", {}),
    ("edge-string-concat-adjacent-escape", "{{ 'a' \"b\" 'c\\'' }}", {}),
    ("edge-filter-on-literal-list", "{{ [3, 2, 1] | sort | first }} {{ ('b', 'a') | sort | join }}", {}),
    ("edge-test-in-ternary", "{{ 'y' if x is string else 'n' }} {{ 'y' if x is not string else 'n' }}", {"x": "s"}),
    ("edge-not-precedence", "{{ not 1 == 2 }} {{ not true and false }} {{ not (true and false) }} {{ - 2 ** 2 }}", {}),
    ("edge-filter-precedence", "{{ -3 | abs }} {{ 1 + -3 | abs }} {{ 'a' ~ 'b' | upper }} {{ 2 * 3 | string }}", {}),
    ("edge-call-on-filter-result", "{{ ('a,b' | string).split(',') }} {{ 'x y'.split() | length }}", {}),
    ("edge-nested-namespace", "{% set ns = namespace(items=[]) %}{% for x in 'ab' %}{% set ns.items = ns.items + [x] %}{% endfor %}{{ ns.items }}", {}),
    ("edge-set-shadows-global", "{% set range = 5 %}{{ range }}", {}),
    ("edge-messages-slice", "{% for m in messages[1:] %}{{ m.role }};{% endfor %}{{ messages | length }}", {"messages": [{"role": "system"}, {"role": "user"}, {"role": "assistant"}]}),
    ("edge-for-else-filtered", "{% for x in [1, 2] if x > 5 %}{{ x }}{% else %}none{% endfor %}", {}),
    ("edge-break-in-nested", "{% for a in [1, 2] %}{% for b in [1, 2, 3] %}{% if b == 2 %}{% break %}{% endif %}{{ a }}{{ b }} {% endfor %}{% endfor %}", {}),
    ("edge-macro-default-references-arg", "{% macro m(a, b=a * 2) %}{{ a }},{{ b }}{% endmacro %}{{ m(3) }} {{ m(1, 5) }}", {}),
    ("edge-macro-kwarg-missing-positional", "{% macro m(a, b) %}{{ a }}|{{ b }}{% endmacro %}{{ m(b=2) }}", {}),
    ("edge-caller-args", "{% macro list(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) list([1, 2]) %}<{{ x }}>{% endcall %}", {}),
    ("edge-attr-filter", "{{ d | attr('x') }}|{{ d | attr('items') is defined }}", {"d": {"x": 1}}),
    ("edge-string-multiply-zero", "[{{ 'ab' * 0 }}][{{ 'ab' * -1 }}][{{ [1] * 0 }}]", {}),
    ("edge-bool-arith", "{{ true + true }} {{ true * 3 }} {{ false - 1 }} {{ true / 2 }}", {}),
    ("edge-compare-chain-types", "{{ 1 < 2.5 <= 2.5 }} {{ 'a' != 1 }} {{ none != false }}", {}),
    ("edge-int-filter-base", "{{ '101' | int(base=2) }} {{ 'ff' | int(0, 16) }} {{ '  12  ' | int }} {{ '1_000' | int }} {{ '-7' | int }}", {}),
    ("edge-round-negative", "{{ -2.5 | round }} {{ 1234.5 | round(-2) }} {{ 0.125 | round(2) }}", {}),
    ("edge-wordcount-unicode", "{{ 'héllo wörld, 中文 x_y 3.14' | wordcount }}", {}),
    ("edge-title-filter-vs-method", "{{ \"o'neil mc-donald\" | title }} {{ \"o'neil mc-donald\".title() }}", {}),
    ("edge-repr-nested-quotes", "{{ [\"it's\", 'say \"hi\"', 'both \\' \"', '\\\\'] }}", {}),
    ("edge-string-escapes-octal-hex", "{{ '\\0\\7\\12\\101x\\x7e\\u263a' | tojson }}", {}),
    ("edge-strip-chars-unicode", "{{ '««x»»'.strip('«»') }} {{ '\\u00a0x\\u00a0'.strip() | length }}", {}),
    ("edge-split-maxsplit-whitespace", "{{ '  a b  c  '.split(none, 1) }} {{ 'a  b  c'.rsplit(none, 1) }} {{ 'a,b,c'.split(',', 0) }}", {}),
    ("edge-format-percent-dict", "{{ '%(a)s-%(b)d' % {'a': 'x', 'b': 2} }} {{ '%5.1f|%-5d|%+d' % (3.14159, 42, 5) }} {{ '%r' % 'q' }}", {}),
    ("edge-filter-block-chain", "{% filter trim | upper %}  spaced  {% endfilter %}", {}),
    ("edge-set-block-in-loop", "{% for x in 'ab' %}{% set y %}<{{ x }}>{% endset %}{{ y }}{% endfor %}[{{ y }}]", {}),
    ("edge-loop-length-filtered-last", "{% for x in range(5) if x != 2 %}{{ x }}{% if loop.last %}!{% endif %}{% endfor %}", {}),
    ("edge-tojson-strings-special", "{{ '</script>&\\'' | tojson }} {{ 'tab\\there' | tojson }}", {}),
    ("edge-whitespace-only-template", "   \n\t\n", {}),
    ("edge-empty-template", "", {}),
    ("edge-lone-braces", "{ } {x} }} %} #} {", {}),
    ("edge-multiline-tag", "{{\n  'a'\n  ~\n  'b'\n}}{%\n if\n true\n%}c{% endif %}", {}),
    ("edge-is-test-then-and", "{{ x is defined and x is string }} {{ x is divisibleby 2 or true }}", {"x": "s"}),
    ("edge-generation-block", "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{% set x = 1 %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}\n{% endfor %}[{{ x }}]", {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}),
    ("gen-truthy", "{% if ms | selectattr('role', 'equalto', 'system') %}always{% endif %}|{% if [] | map('upper') %}also{% endif %}|{% if {} | items %}items{% endif %}|{% if [] | reverse %}rev{% endif %}", {"ms": [{"role": "user"}]}),
    ("gen-consumed-once", "{% set g = [1, 2, 3] | select('odd') %}{% for x in g %}{{ x }}{% endfor %}|{% for x in g %}{{ x }}{% endfor %}|{{ g | list }}", {}),
    ("gen-first-advances", "{% set g = [1, 2, 3] | map('string') %}{{ g | first }}{{ g | first }}{{ g | list }}", {}),
    ("gen-in-consumes", "{% set g = [1, 2, 3, 4] | reject('none') %}{{ 2 in g }}{{ 1 in g }}{{ g | list }}", {}),
    ("gen-joins-and-sorts", "{{ [3, 1, 2] | map('string') | join('-') }} {{ [3, 1, 2] | select | sort }} {{ [1, 2] | reverse | join }} {{ [3, 1] | reverse | first }}", {}),
    ("gen-tests", "{{ [1] | map('string') is iterable }} {{ [1] | map('string') is sequence }} {{ ([1] | reverse) is mapping }}", {}),
    ("err-gen-length", "{{ [1, 2] | select('odd') | length }}", {}),
    ("err-gen-tojson", "{{ [1] | map('string') | tojson }}", {}),
    ("err-gen-last", "{{ [1] | map('string') | last }}", {}),
    # realistic templates
    ("tpl-mixtral-original", "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}", {"bos_token": "<s>", "eos_token": "</s>", "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]}),
    ("tpl-mixtral-original-raises", "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{{ message['content'] }}{% endfor %}", {"bos_token": "<s>", "messages": [{"role": "assistant", "content": "b"}]}),
    ("tpl-chatml", "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}", {"add_generation_prompt": True, "messages": [{"role": "user", "content": "hi"}]}),
    ("tpl-gemma", "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}", {"bos_token": "<bos>", "add_generation_prompt": True, "messages": [{"role": "user", "content": " hi "}, {"role": "assistant", "content": "yo"}]}),
    ("tpl-content-list", "{% for message in messages %}{% if message.content is string %}{{ message.content }}{% else %}{% for part in message.content %}{% if part.type == 'text' %}{{ part.text }}{% elif part.type == 'image' %}<image>{% endif %}{% endfor %}{% endif %}\n{% endfor %}", {"messages": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"}]}, {"role": "assistant", "content": "A cat."}]}),
    ("tpl-tools-json", "{%- if tools %}{%- for tool in tools %}{{- tool | tojson(indent=2) + '\\n' }}{%- endfor %}{%- endif %}{%- for m in messages %}{%- if m.tool_calls is defined %}{%- for tc in m.tool_calls %}{{ tc.function.name }}({{ tc.function.arguments | tojson }}){% endfor %}{%- endif %}{%- endfor %}", {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}}], "messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1, "y": [True, None]}}}]}]}),
    ("err-string-times-string", "{{ 'a' * 'b' }}", {}),
    ("err-float-times-list", "{{ 1.5 * [1] }}", {}),
    ("err-minus-strings", "{{ 'a' - 'b' }}", {}),
    ("err-int-in-string", "{{ 1 in 'abc' }}", {}),
    ("err-none-in", "{{ 'a' in none }}", {}),
    ("err-slice-step-zero", "{{ [1, 2][::0] }}", {}),
    ("err-len-int", "{{ 5 | length }}", {}),
    ("err-items-non-mapping", "{{ [1] | items | list }}", {}),
    ("err-floor-div-zero", "{{ 1 // 0 }} ", {}),
    ("err-neg-string", "{{ -'a' }}", {}),
    ("err-unhashable-key", "{{ {[1]: 2} }}", {}),
    ("err-namespace-underscore", "{% set ns = namespace(_x=1) %}", {}),
    ("err-join-mixed", "{{ ', '.join(['a', 1]) }}", {}),
    # errors
    ("err-raise", "{{ raise_exception('Custom failure: ' ~ 42) }}", {}),
    ("err-raise-in-loop", "{% for m in ms %}{% if m.role == 'bad' %}{{ raise_exception('Role ' + m.role + ' is not allowed') }}{% endif %}{{ m.role }}{% endfor %}", {"ms": [{"role": "ok"}, {"role": "bad"}]}),
    ("err-undefined-attr", "{{ missing.attr }}", {}),
    ("err-undefined-add", "{{ missing + 1 }}", {}),
    ("err-type-add", "{{ 'a' + 1 }}", {}),
    ("err-list-plus-str", "{{ [1] + 'a' }}", {}),
    ("err-div-zero", "{{ 1 / 0 }}", {}),
    ("err-unsafe-append", "{% set l = [] %}{{ l.append(1) }}", {}),
    ("err-call-undefined", "{{ missing() }}", {}),
    ("err-none-iter", "{% for x in none %}{% endfor %}", {}),
    ("err-compare-types", "{{ 1 < 'a' }}", {}),
    ("err-unknown-filter", "{{ 1 | nosuchfilter }}", {}),
    ("err-unknown-filter-in-if", "{% if true %}{{ 1 | nosuchfilter }}{% endif %}", {}),
    ("unknown-filter-in-untaken-if", "{% if false %}{{ 1 | nosuchfilter }}{% elif x is nosuchtest %}{% else %}ok{% endif %}{{ 2 if true else 3 | nosuch }}", {}),
    ("err-unknown-filter-in-for-in-if", "{% if false %}{% for x in [] %}{{ x | nosuch }}{% endfor %}{% endif %}", {}),
    ("err-unknown-filter-in-macro-in-if", "{% if false %}{% macro m() %}{{ 1 | nosuch }}{% endmacro %}{% endif %}", {}),
    ("unknown-filter-in-conditional-then", "{{ 1 | nosuch if false else 2 }}|{{ 3 if true else 4 | nosuch }}", {}),
    ("err-unknown-filter-beside-conditional", "{{ (1 | nosuch) ~ (2 if true else 3) }}", {}),
    ("markup-add-escapes", "{{ 'a<' | safe + '<b>' }}|{{ '<i>' + 'x&' | safe }}|{{ ('q' | e) + '\"' }}|{{ '<' | e | e }}|{{ '<' | forceescape | forceescape }}", {}),
    ("markup-concat-and-filters", "{{ '<' | safe ~ '<' }}|{{ ('<a>' | safe) | upper + '<' }}|{{ (' <x> ' | safe) | trim + '>' }}|{{ ('<' | safe) | string + '<' }}|{{ ['<' | safe, '>'] | join }}|{{ ('a' | safe) * 2 + '&' }}", {}),
    ("markup-tests-and-repr", "{{ 'x' | safe is string }} {{ 'x' | safe is escaped }} {{ 'x' is escaped }} {{ ['<' | safe] }} {{ ('a' | safe) == 'a' }} {{ 'a' in ('cat' | safe) }} {{ ('<>' | safe) | length }}", {}),
    ("markup-methods", "{{ ('a,b' | safe).split(',')[0] + '<' }}|{{ ('abc' | safe).upper() + '&' }}|{{ ('abc' | safe)[0] + '<' }}|{{ ('abc' | safe)[1:] + '<' }}|{{ ('%s!' | safe) % '<' }}|{{ ('abc' | safe).startswith('a') }}", {}),
    ("markup-tojson", "{{ '<\"' | safe | tojson }} {{ {'k': '<' | safe} | tojson }}", {}),
    ("views-print", "{{ d.items() }} {{ d.keys() }} {{ d.values() }} {{ range(3) }} {{ range(1, 9, 2) }} {{ {}.items() }}", {"d": {"a": 1, "b": [2]}}),
    ("views-behave", "{{ d.items() | length }} {{ 'a' in d.keys() }} {{ 1 in d.values() }} {{ d.keys() | list }} {% if {}.keys() %}x{% else %}empty{% endif %} {{ range(5)[2] }} {{ range(5) | length }} {{ d.keys() is sequence }} {{ range(2) is sequence }} {{ d.items() | first }} {{ d.keys() | last }}", {"d": {"a": 1, "b": 2}}),
    ("err-view-tojson", "{{ d.keys() | tojson }}", {"d": {"a": 1}}),
    ("select-on-none", "{{ none | selectattr('x') | list }} {{ none | map('upper') | list }} {{ 0 | reject | list }} {{ '' | select | list }}", {}),
    ("err-unknown-test", "{{ 1 is nosuchtest }}", {}),
    ("err-unpack", "{% for a, b in [(1, 2, 3)] %}{% endfor %}", {}),
    ("err-non-namespace-set", "{% set d = {} %}{% set d.x = 1 %}", {}),
    ("err-tojson-undefined", "{{ missing | tojson }}", {}),
    ("err-string-index-method", "{{ 'abc'.nosuchmethod() }}", {}),
    ("err-syntax-unclosed-if", "{% if true %}x", {}),
    ("err-syntax-unknown-tag", "line one\n{% frobnicate %}", {}),
    ("err-syntax-bad-expression", "{{ 1 + }}", {}),
    ("err-syntax-unclosed-variable", "{{ 'a' ", {}),
    ("err-syntax-unclosed-comment", "{# never closed", {}),
    ("err-syntax-unterminated-string", "{{ 'abc }}", {}),
    ("err-syntax-stray-endfor", "{% endfor %}", {}),
    ("err-syntax-break-outside-loop", "{% break %}", {}),
]


def random_conversations(count, seed):
    """Seeded random conversations: role orders that templates accept and ones they reject."""
    rng = random.Random(seed)
    contents = ["Hi", "", " spaced ", "multi\nline\n", WEIRD, "<think>\nhmm\n</think>\n\nanswer", "ends with newline\n",
                "tab\tand \\ backslash", "日本語のテキスト", "{{ 1 + 1 }}", "<tool_response>x</tool_response>"]
    conversations = []
    for n in range(count):
        messages = []
        if rng.random() < 0.5:
            messages.append({"role": "system", "content": rng.choice(contents)})
        for k in range(rng.randint(1, 6)):
            alternate = "user" if k % 2 == 0 else "assistant"
            role = alternate if rng.random() < 0.85 else rng.choice(["user", "assistant", "tool", "system"])
            messages.append({"role": role, "content": rng.choice(contents)})
        extra = {}
        if rng.random() < 0.3:
            extra["enable_thinking"] = rng.random() < 0.5
        conversations.append((f"random-{n}", messages, extra))
    return conversations


def render_conversation(template, tokens, messages, add_generation_prompt, extra):
    try:
        rendered, _ = ctu.render_jinja_template(
            conversations=[messages], chat_template=template, add_generation_prompt=add_generation_prompt,
            **tokens, **extra,
        )
        return {"expected": rendered[0]}
    except jinja2.exceptions.TemplateSyntaxError as e:
        return {"error": str(e.message), "error_type": "TemplateSyntaxError"}
    except jinja2.exceptions.TemplateError as e:
        return {"error": str(e.message) if e.message else str(e), "error_type": type(e).__name__}
    except Exception as e:  # TypeError, ZeroDivisionError, ... raised by the template's Python operations
        return {"error": str(e), "error_type": type(e).__name__}


def render_unit(template, context):
    try:
        compiled = ctu._compile_jinja_template(template)
        return {"expected": compiled.render(**context)}
    except jinja2.exceptions.TemplateSyntaxError as e:
        return {"error": str(e.message), "error_type": "TemplateSyntaxError", "line": e.lineno}
    except jinja2.exceptions.TemplateError as e:
        return {"error": str(e.message) if e.message else str(e), "error_type": type(e).__name__}
    except Exception as e:
        return {"error": str(e), "error_type": type(e).__name__}


CORPUS_CASES = ["basic", "multi-turn", "unusual-characters", "tool-call", "no-thinking", "reasoning-content"]


def render_folder(folder, cases, tokens_for):
    names = sorted(f[:-6] for f in os.listdir(folder) if f.endswith(".jinja"))
    entries = []
    for name in names:
        with open(os.path.join(folder, name + ".jinja"), encoding="utf-8") as f:
            template = f.read()
        tokens = tokens_for(name)
        for case, messages, extra, agp_values in cases(name):
            for agp in agp_values:
                entry = {"template": name, "case": case, "add_generation_prompt": agp, **tokens,
                         "extra": extra, "messages": messages}
                entry.update(render_conversation(template, tokens, messages, agp, extra))
                entries.append(entry)
    return entries


def write(path, conversations, units):
    out = {
        "generator": "scripts/make_template_fixtures.py",
        "versions": {"transformers": transformers.__version__, "jinja2": jinja2.__version__},
        "now": FIXED_NOW.isoformat(),
        "conversations": conversations,
        "units": units,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum("error" in c for c in conversations)
    print(f"{path}: {len(conversations)} conversation renders ({errors} raise), {len(units)} unit cases "
          f"({sum('error' in u for u in units)} raise)")


def main():
    conversations = render_folder(
        ROOT,
        lambda name: [(c, m, e, (True, False)) for c, m, e in CONVERSATIONS + (HARMONY if name == "gpt-oss" else [])
                      + random_conversations(12, seed=len(name))],
        lambda name: TOKENS.get(name, {}))
    units = []
    for name, template, context in UNIT_CASES:
        entry = {"name": name, "template": template, "context": context}
        entry.update(render_unit(template, context))
        units.append(entry)
    write(os.path.join(ROOT, "expected.json"), conversations, units)

    # The llama.cpp corpus: fewer conversations per template, one random each.
    chosen = [c for c in CONVERSATIONS if c[0] in CORPUS_CASES]
    corpus = render_folder(
        os.path.join(ROOT, "llama.cpp"),
        lambda name: [(c, m, e, (True,) if c != "basic" else (True, False)) for c, m, e in chosen]
        + [(c, m, e, (True,)) for c, m, e in random_conversations(1, seed=name)],
        lambda name: {"bos_token": "<s>", "eos_token": "</s>"})
    write(os.path.join(ROOT, "llama.cpp", "expected.json"), corpus, [])


if __name__ == "__main__":
    main()
