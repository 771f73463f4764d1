#!/usr/bin/env python3
"""Build Tests/Fixtures/chat-model: a model fixture with a tiny tokenizer and a chat template.

The weights and config are those of Tests/Fixtures/models/mixtral-gqa (vocabulary 128). The
tokenizer is a SentencePiece-style BPE (Metaspace) whose ids fit that vocabulary, built with HF
`tokenizers`; the chat template is Mixtral-8x7B-Instruct's (../shared/chat-templates). It records,
with transformers' own apply_chat_template and HF encoding, the rendered prompt and ids of a
two-turn conversation, so tests of `moe generate --prompt` and `moe chat` compare against them.

Install: pip install tokenizers transformers
Run:     python3 scripts/make_chat_fixture.py
"""
import json
import shutil
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "Tests/Fixtures/models/mixtral-gqa"
OUT = ROOT / "Tests/Fixtures/chat-model"
TEMPLATE = ROOT.parent / "shared/chat-templates/mixtral-8x7b-instruct-v0.1.jinja"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name in ["config.json", "model.safetensors"]:
        shutil.copy(SOURCE / name, OUT / name)
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "\u2581": 3}
    for c in "abcdefghijklmnopqrstuvwxyz[]/?.,!ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
        vocab[c] = len(vocab)
    vocab["\u2581t"] = len(vocab)
    vocab["\u2581th"] = len(vocab)
    model = models.BPE(vocab=vocab, merges=[("\u2581", "t"), ("\u2581t", "h")], unk_token="<unk>", fuse_unk=True)
    tok = Tokenizer(model)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    tok.add_special_tokens(["<unk>", "<s>", "</s>"])
    assert len(vocab) <= 128
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    fast.chat_template = TEMPLATE.read_text()
    fast.save_pretrained(OUT)

    reloaded = PreTrainedTokenizerFast.from_pretrained(OUT)
    conversation = [{"role": "user", "content": "hello there"}, {"role": "assistant", "content": "the answer"},
                    {"role": "user", "content": "and then?"}]
    cases = []
    for turns in (1, 3):
        text = reloaded.apply_chat_template(conversation[:turns], tokenize=False, add_generation_prompt=True)
        cases.append({"messages": conversation[:turns], "prompt": text,
                      "ids": reloaded(text, add_special_tokens=False)["input_ids"]})
    plain = "the cat sat"
    reference = {"chat": cases, "plain_text": plain,
                 "plain_ids_with_special_tokens": reloaded(plain, add_special_tokens=True)["input_ids"]}
    (OUT / "reference.json").write_text(json.dumps(reference, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
