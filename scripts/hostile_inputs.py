#!/usr/bin/env python3
"""Hostile-input suite: runs classes of bad invocations against the `moe` binary and checks
that each ends in a clean error or a correct result.

Classes: extreme and malformed option values (negative, zero, huge, NaN, text), mutated
config.json / tokenizer.json / tokenizer_config.json / chat templates generated from the
committed fixtures under Tests/Fixtures (seeded, so every run tries the same files), hostile
regular expressions and templates, unreadable, special and linked files as inputs and outputs,
and SIGINT during a write.

A case is
  a clean error   non-zero status, no signal, and exactly one `error: ...` line on standard
                  error, which is its last line (warnings may come before it);
  a correct result status 0 and, where the case has a check, the check holds;
  a crash         the process died of a signal it was not sent;
  a hang          it ran past the timeout;
  unclear         it failed without one `error:` line (a trace, `Error:`, several lines);
  wrong           status 0 where an error was required, a failed check, or leftover files.

Usage: scripts/hostile_inputs.py [--binary .build/release/moe] [--quick] [--jobs N]
The last line is `N cases / N clean errors / N crashes / N hangs`; the exit status is 1 when
any case crashed, hung, was unclear or wrong. Build first: swift build -c release.
"""
import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"
MODEL = FIXTURES / "models" / "mixtral-gqa"
CHAT = FIXTURES / "chat-model"
TRAINING = FIXTURES / "training" / "tokenizer"
CONTEXT = 128  # max_position_embeddings of both fixture models
HUGE = str(2**63 - 1)


class Case:
    """One invocation and what it must end in: "error", "ok", or "either"."""

    def __init__(self, name, args, expect="either", check=None, stdin="", timeout=None, env=None, setup=None,
                 interrupt=None, leftovers=None):
        self.name, self.args, self.expect, self.check = name, args, expect, check
        self.stdin, self.timeout, self.env, self.setup = stdin, timeout, env, setup
        self.interrupt, self.leftovers = interrupt, leftovers


MEMORY_LIMIT = 8 << 30  # address space per case, so a runaway allocation fails instead of exhausting the machine


def child_setup():
    """Limits the case's memory and gives it default signal handling (a background shell ignores SIGINT)."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


def outcome(case, binary, default_timeout):
    """Runs `case`; returns (kind, detail)."""
    if case.setup:
        case.setup()
    env = dict(os.environ, **(case.env or {}))
    timeout = case.timeout or default_timeout
    started = time.monotonic()
    process = subprocess.Popen([binary] + case.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, cwd=ROOT, preexec_fn=child_setup)
    if case.interrupt:
        delay, sent = case.interrupt
        try:
            out, err = process.communicate(case.stdin.encode(), timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(sent)
            try:
                out, err = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                return "hang", f"still running {timeout}s after signal {sent}"
        left = case.leftovers() if case.leftovers else []
        if process.returncode < 0 and -process.returncode != sent:
            return "crash", f"signal {-process.returncode}"
        if left:
            return "wrong", f"left behind {left}"
        return "clean", f"status {process.returncode}, nothing left behind"
    try:
        out, err = process.communicate(case.stdin.encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return "hang", f"killed after {timeout}s"
    seconds = time.monotonic() - started
    out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if process.returncode < 0:
        return "crash", f"signal {-process.returncode}: {err.strip()[-300:]}"
    if process.returncode == 0:
        if case.expect == "error":
            return "wrong", f"exit 0 where an error was required ({seconds:.1f}s): {out.strip()[:200]}"
        problem = case.check(out, err) if case.check else None
        return ("wrong", problem) if problem else ("ok", f"{seconds:.1f}s")
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    if len(errors) != 1 or not lines[-1].startswith("error: ") or any(l.startswith("Error") for l in lines):
        return "unclear", f"status {process.returncode}: {err.strip()[-300:]}"
    if case.expect == "ok":
        return "wrong", f"expected success: {errors[0]}"
    return "clean", errors[0]


def json_check(predicate, what):
    """A check that standard output's last line is JSON satisfying `predicate`."""
    def check(out, err):
        try:
            value = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return f"not JSON: {out[:200]}"
        return None if predicate(value) else f"{what}: {out[:200]}"
    return check


def option_cases(work):
    """Extreme and malformed values of every numeric option."""
    m = str(MODEL)
    gen = ["generate", "--model", m, "--ids", "1,2,3"]
    cases = []
    bad_numbers = ["-1", "0", "-0", HUGE, "99999999999999999999", "nan", "inf", "-inf", "1e309", "abc", "", "0x10", " 5"]
    for option in ["--temperature", "--top-p", "--top-k", "--min-p", "--repetition-penalty", "--seed", "--max-tokens",
                   "--threads"]:
        for value in bad_numbers:
            limit = [] if option == "--max-tokens" else ["--max-tokens", "2"]
            cases.append(Case(f"generate {option} {value!r}", gen + [option, value] + limit))
    within = lambda v: len(v.get("ids", [])) <= CONTEXT - 3 and v.get("finish_reason", "length") == "length"
    cases += [
        Case("generate --max-tokens Int.max stops at the context", gen + ["--max-tokens", HUGE, "--ignore-eos", "--json"],
             "ok", json_check(within, "ran past the 128-token context")),
        Case("generate --max-tokens 1e9 streams up to the context", gen + ["--max-tokens", "1000000000", "--ignore-eos"], "ok",
             lambda out, err: None if len(out.split()) <= CONTEXT - 3 else f"{len(out.split())} tokens past the context"),
        Case("generate --ids -1", ["generate", "--model", m, "--ids", "-1"], "error"),
        Case("generate --ids empty", ["generate", "--model", m, "--ids", ""], "error"),
        Case("generate --ids 1,,2", ["generate", "--model", m, "--ids", "1,,2"], "error"),
        Case("generate --ids huge id", ["generate", "--model", m, "--ids", "99999999999"], "error"),
        Case("generate prompt longer than the context", ["generate", "--model", m, "--ids", ",".join(["5"] * (CONTEXT + 1))], "error"),
        Case("forward 60000 ids", ["forward", "--model", m, "--ids", ",".join(["7"] * 60000)], "error"),
        Case("forward --ids Int.max", ["forward", "--model", m, "--ids", HUGE], "error"),
        Case("forward --threads -1", ["forward", "--model", m, "--ids", "1", "--threads", "-1"], "error"),
        Case("forward --threads huge", ["forward", "--model", m, "--ids", "1", "--threads", "100000"], "error"),
        Case("generate 20000-word prompt", ["generate", "--model", str(CHAT), "--prompt", "hello " * 20000], "error"),
        Case("generate --prompt -x is text", ["generate", "--model", str(CHAT), "--prompt", "-x", "--max-tokens", "1"], "ok"),
        Case("tokenize --text -5 is text", ["tokenize", "--model", str(CHAT), "--text", "-5"], "ok"),
        Case("detokenize --ids -1", ["detokenize", "--model", str(CHAT), "--ids", "-1"], "error"),
        Case("detokenize unknown ids", ["detokenize", "--model", str(CHAT), "--ids", "99999999,5"], "either"),
    ]
    for value in ["-5", "0", "2251799813685247", HUGE, "nan"]:
        cases.append(Case(f"inspect --context {value}", ["inspect", m, "--context", value]))
    for option in ["--context", "--max-tokens"]:
        for value in ["-5", "0", HUGE, "x"]:
            cases.append(Case(f"chat {option} {value}", ["chat", "--model", str(CHAT), option, value], stdin="hi\n"))
    cases.append(Case("chat --max-tokens Int.max stops at the context", ["chat", "--model", str(CHAT), "--max-tokens", HUGE],
                      "ok", stdin="hi\n"))
    for option in ["--prompt-tokens", "--gen-tokens", "--threads"]:
        for value in ["-1", "0", HUGE]:
            cases.append(Case(f"bench {option} {value}", ["bench", "--model", m, option, value], "error"))
    data = ["--data", str(TRAINING / "corpus.txt"), "--tokenizer", str(TRAINING / "tokenizer.json")]
    tiny = ["--steps", "1", "--layers", "1", "--hidden", "16", "--heads", "2", "--experts", "2", "--top-k", "1",
            "--expert-hidden", "8", "--context", "8", "--batch", "1", "--eval-every", "1", "--eval-batches", "1",
            "--warmup", "0", "--threads", "1"]
    train_bad = [("--lr", "nan"), ("--lr", "inf"), ("--lr", "-1"), ("--lr", "0"), ("--grad-clip", "-1"),
                 ("--grad-clip", "nan"), ("--capacity-factor", "0"), ("--capacity-factor", "-1"),
                 ("--capacity-factor", "nan"), ("--experts", "0"), ("--experts", "-1"), ("--top-k", "0"),
                 ("--top-k", "9"), ("--steps", "0"), ("--steps", "-1"), ("--hidden", "0"), ("--hidden", "15"),
                 ("--hidden", HUGE), ("--layers", HUGE), ("--batch", "0"), ("--batch", HUGE), ("--context", "1"),
                 ("--context", HUGE), ("--warmup", "-1"), ("--weight-decay", "-1"), ("--weight-decay", "nan"),
                 ("--aux-loss-coef", "nan"), ("--z-loss-coef", "-1"), ("--vocab-size", "0"), ("--vocab-size", HUGE),
                 ("--seed", "-1"), ("--shared-experts", "-1"), ("--kv-heads", "0"), ("--kv-heads", "3"),
                 ("--eval-every", "0"), ("--eval-batches", "-1"), ("--grad-accum", "0"), ("--threads", "0")]
    for option, value in train_bad:
        out = work / f"train{len(cases)}"
        cases.append(Case(f"train {option} {value}", ["train", "--out", str(out)] + data + tiny + [option, value], "error"))
    cases.append(Case("train huge model", ["train", "--out", str(work / "huge")] + data + tiny[:-2] +
                      ["--hidden", "65536", "--expert-hidden", "1048576", "--layers", "1024", "--threads", "1"], "error"))
    binary = work / "binary.txt"
    binary.write_bytes(bytes(random.Random(3).randrange(256) for _ in range(4000)))
    nul = work / "nul.txt"
    nul.write_bytes(b"hello\x00world " * 100)
    empty = work / "empty.txt"
    empty.write_bytes(b"")
    for path in [binary, nul, empty, Path("/dev/null"), Path("/nonexistent/corpus.txt")]:
        cases.append(Case(f"train --data {path.name}", ["train", "--out", str(work / f"t{len(cases)}"), "--data", str(path)] + tiny,
                          "error"))
    cases.append(Case("train --resume without a checkpoint", ["train", "--out", str(work / "fresh"), "--resume"] + data[:2],
                      "error"))
    for value in ["0", "-1", "256", HUGE]:
        cases.append(Case(f"train-tokenizer --vocab-size {value}",
                          ["train-tokenizer", "--data", str(TRAINING / "corpus.txt"), "--out", str(work / "tok"),
                           "--vocab-size", value], "error"))
    cases.append(Case("train-tokenizer --max-length -1", ["train-tokenizer", "--data", str(TRAINING / "corpus.txt"), "--out",
                                                           str(work / "tok"), "--max-length", "-1"], "error"))
    cases += [
        Case("unknown subcommand", ["frobnicate"], "error"),
        Case("unknown option", ["inspect", m, "--frobnicate"], "error"),
        Case("missing option value", ["forward", "--model", m, "--ids"], "error"),
        Case("missing model", ["inspect", "/nonexistent/model"], "error"),
    ]
    return cases


def mutate_json_text(text, rng):
    """One random mutation of JSON text: structural, value or byte level."""
    kind = rng.randrange(8)
    if kind == 0:
        return text[: rng.randrange(len(text))]
    if kind == 1:
        data = bytearray(text.encode())
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return data.decode("latin-1")
    try:
        value = json.loads(text)
    except ValueError:
        return text + "}"
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, child in node.items():
                paths.append(path + [key])
                walk(child, path + [key])
        elif isinstance(node, list):
            for i, child in enumerate(node[:20]):
                paths.append(path + [i])
                walk(child, path + [i])
    walk(value, [])
    if not paths:
        return "[" * 100000
    path = rng.choice(paths)
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    replacements = [-1, 0, 2**62, 2**64, -2**63, 1e308, 1.5, "x", "", None, True, [], {}, [[[[]]]],
                    "(((((a*)*)*)*)*)b", "\u0000", "\uffff"]
    if kind == 2 and isinstance(parent, dict):
        del parent[path[-1]]
    elif kind == 3:
        return text.replace("{", "{" * rng.randrange(2, 2000), 1)
    elif kind == 4:
        return text[:1] + '"dup": 1, "dup": 2,' + text[1:] if text.startswith("{") else text
    else:
        parent[path[-1]] = rng.choice(replacements)
    return json.dumps(value)


def copy_model(source, work, name):
    folder = work / name
    if not folder.exists():
        shutil.copytree(source, folder)
    return folder


def file_cases(work, rng, count):
    """Mutated copies of the fixtures' config.json, tokenizer.json, tokenizer_config.json and templates."""
    cases = []
    config = (MODEL / "config.json").read_text()
    for i in range(count):
        folder = work / f"config{i}"
        text = mutate_json_text(config, rng)

        def setup(folder=folder, text=text):
            folder.mkdir(exist_ok=True)
            for name in ["model.safetensors"]:
                target = folder / name
                if not target.exists():
                    os.symlink(MODEL / name, target)
            (folder / "config.json").write_text(text, encoding="latin-1", errors="replace")
        cases.append(Case(f"config.json mutation {i} (inspect)", ["inspect", str(folder)], setup=setup))
        cases.append(Case(f"config.json mutation {i} (generate)", ["generate", "--model", str(folder), "--ids", "1,2",
                                                                    "--max-tokens", "4", "--ignore-eos"]))
    for name in ["tokenizer.json", "tokenizer_config.json"]:
        original = (CHAT / name).read_text()
        for i in range(count):
            folder = work / f"{name}{i}"
            text = mutate_json_text(original, rng)

            def setup(folder=folder, text=text, name=name):
                if not folder.exists():
                    shutil.copytree(CHAT, folder)
                (folder / name).write_text(text, encoding="latin-1", errors="replace")
            cases.append(Case(f"{name} mutation {i} (tokenize)", ["tokenize", "--model", str(folder), "--text",
                                                                   "Hello world, 123 aaab!"], setup=setup))
    tokenizer = json.loads((CHAT / "tokenizer.json").read_text())
    for pattern in ["(((((a*)*)*)*)*)b", "(a|a)*b", "(a+)+b", "((a|aa)+)+b", "(\\w+\\s?)*$", "(.*)*x", "(?<=a)b", "(a)\\1",
                    "[", "\\p{Han}+", "a{1000}{1000}"]:
        folder = work / f"regex{len(cases)}"
        spec = dict(tokenizer, pre_tokenizer={"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]})

        def setup(folder=folder, spec=spec):
            if not folder.exists():
                shutil.copytree(CHAT, folder)
            (folder / "tokenizer.json").write_text(json.dumps(spec))
        cases.append(Case(f"tokenizer regex {pattern}", ["tokenize", "--model", str(folder), "--text", "a" * 58 + "c"],
                          setup=setup, timeout=10))
    template = (CHAT / "chat_template.jinja").read_text()
    messages = work / "messages.json"
    messages.write_text(json.dumps([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]))
    hostile = [
        "{% set s = namespace(v='ab') %}{% for i in range(64) %}{% set s.v = s.v ~ s.v %}{% endfor %}{{ s.v }}",
        "{% set s = namespace(v=[1]) %}{% for i in range(64) %}{% set s.v = s.v + s.v %}{% endfor %}",
        "{% for i in range(1000000000) %}x{% endfor %}",
        "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}{% endfor %}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
        "{{ 'a' * 10**18 }}", "{{ 'a'.ljust(10**15) }}", "{{ '%99999999999999999999d' % 1 }}", "{{ '{-1}'.format(1) }}",
        "{{ (['a' * 1000000] * 1000) | join }}", "{{ ('a' * 1000000).replace('a', 'aaaaaaaaaaaaaaaa') }}",
        "{{ x | indent(10**15) }}", "{{ [1] | tojson(indent=10**15) }}", "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
        "{% if true %}" * 5000, "{{ 1 / 0 }}", "{{ 10 ** 10 ** 10 }}", "{{ range(10**12) | list | length }}",
    ]
    mutated = []
    for i in range(count):
        chars = list(template)
        for _ in range(rng.randrange(1, 6)):
            position = rng.randrange(len(chars))
            action = rng.randrange(3)
            if action == 0:
                del chars[position]
            elif action == 1:
                chars.insert(position, rng.choice("{}%#()[]'\"|~+-*/ \n\\x"))
            else:
                chars[position] = rng.choice("{}%#()[]'\"|")
        mutated.append("".join(chars))
    for i, source in enumerate(hostile + mutated):
        folder = work / f"template{i}"

        def setup(folder=folder, source=source):
            folder.mkdir(exist_ok=True)
            (folder / "chat_template.jinja").write_text(source)
            shutil.copy(CHAT / "tokenizer_config.json", folder / "tokenizer_config.json")
        cases.append(Case(f"template {'hostile' if i < len(hostile) else 'mutation'} {i}",
                          ["chat-template", "--model", str(folder), "--messages", str(messages)],
                          "error" if i < len(hostile) else "either", setup=setup))
    for name, content in [("not-json", b"[{\"role\": "), ("object", b"{}"), ("binary", bytes(range(256))),
                          ("deep", b"[" * 100000)]:
        path = work / f"messages-{name}.json"
        path.write_bytes(content)
        cases.append(Case(f"chat-template --messages {name}", ["chat-template", "--model", str(CHAT), "--messages", str(path)],
                          "error"))
    for path in ["/dev/zero", "/dev/null", "/nonexistent.json", str(work)]:
        cases.append(Case(f"chat-template --messages {path}", ["chat-template", "--model", str(CHAT), "--messages", path],
                          "error", timeout=10))
        cases.append(Case(f"tokenize --file {path}", ["tokenize", "--model", str(CHAT), "--file", path],
                          "error" if path != "/dev/null" else "either", timeout=10))
    return cases


def output_cases(work):
    """Special files as outputs and inputs; SIGINT while a temporary GGUF is written."""
    cases = []
    corpus = str(TRAINING / "corpus.txt")
    linked = work / "linked"
    real = work / "real-tokenizer.json"

    def link_setup():
        linked.mkdir(exist_ok=True)
        real.write_text("{}")
        if not (linked / "tokenizer.json").is_symlink():
            os.symlink(real, linked / "tokenizer.json")

    def link_kept(out, err):
        if not (linked / "tokenizer.json").is_symlink():
            return "the symbolic link was replaced by a file"
        return None if "merges" in real.read_text() else "the link's target was not written"
    cases.append(Case("train-tokenizer through a symlinked output", ["train-tokenizer", "--data", corpus, "--out", str(linked),
                                                                     "--vocab-size", "300"], "ok", link_kept, setup=link_setup))
    folder_target = work / "foldertarget"

    def folder_setup():
        (folder_target / "tokenizer.json").mkdir(parents=True, exist_ok=True)
    cases.append(Case("train-tokenizer onto a folder", ["train-tokenizer", "--data", corpus, "--out", str(folder_target),
                                                         "--vocab-size", "300"], "error", setup=folder_setup))
    devices = work / "devices"

    def device_setup():
        devices.mkdir(exist_ok=True)
        if not (devices / "loss.svg").exists():
            os.symlink("/dev/null", devices / "loss.svg")
    log = FIXTURES / "training"
    logs = sorted(str(p) for p in log.rglob("train_log.jsonl"))[:1]
    if logs:
        cases.append(Case("plot onto a link to /dev/null", ["plot"] + logs + ["--out", str(devices)], "error",
                          setup=device_setup))
    cases.append(Case("train-tokenizer --out /dev/null", ["train-tokenizer", "--data", corpus, "--out", "/dev/null",
                                                          "--vocab-size", "300"], "error"))
    shape = work / "signal-shape.json"
    shape.write_text(json.dumps({"model_type": "llama", "vocab_size": 32000, "hidden_size": 1024, "intermediate_size": 4096,
                                 "num_hidden_layers": 8, "num_attention_heads": 16, "num_key_value_heads": 16,
                                 "max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                                 "tie_word_embeddings": False}))
    for delay, sent in [(0.7, signal.SIGINT), (1.5, signal.SIGTERM), (4.0, signal.SIGINT)]:
        temp = work / f"signal-tmp-{int(sent)}-{delay}"
        temp.mkdir(exist_ok=True)
        cases.append(Case(f"bench --synthetic interrupted by signal {int(sent)} after {delay}s",
                          ["bench", "--synthetic", str(shape), "--threads", "2"], env={"TMPDIR": str(temp)},
                          interrupt=(delay, sent), leftovers=lambda temp=temp: sorted(os.listdir(temp)), timeout=30))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "moe"))
    parser.add_argument("--quick", action="store_true", help="a small subset (for the test suite)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--verbose", action="store_true", help="print every case")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"error: {args.binary}: not an executable; build with swift build -c release")
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="moe-hostile-"))
    try:
        cases = option_cases(work) + file_cases(work, rng, 6 if args.quick else 30) + output_cases(work)
        if args.quick:
            cases = cases[::5]
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(lambda c: (c, outcome(c, args.binary, args.timeout)), cases))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    counts = {}
    for case, (kind, detail) in results:
        counts[kind] = counts.get(kind, 0) + 1
        if args.verbose or kind in ("crash", "hang", "unclear", "wrong"):
            print(f"{kind:8} {case.name}: {detail}")
    failed = sum(counts.get(k, 0) for k in ("crash", "hang", "unclear", "wrong"))
    print(f"{counts.get('ok', 0)} correct results / {counts.get('unclear', 0)} unclear errors / {counts.get('wrong', 0)} wrong results")
    print(f"{len(results)} cases / {counts.get('clean', 0)} clean errors / {counts.get('crash', 0)} crashes / "
          f"{counts.get('hang', 0)} hangs")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
