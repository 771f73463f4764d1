/// Hugging Face tokenizers: tokenizer.json loading, BPE encoding and decoding.
public enum MoETokenizers {}
