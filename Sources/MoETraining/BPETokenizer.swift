import Foundation
import MoEFormats

/// A GPT-2 style byte-level BPE tokenizer: the model the trainer writes as tokenizer.json,
/// and the encoder the trainer uses on its corpus (rank-ordered merges, as Hugging Face
/// `tokenizers`' BPE model applies them).
public struct BPETokenizer: Sendable {
    /// Token strings by id (byte-level alphabet). `(vocabSize)`
    public let tokens: [String]
    /// Merges in rank order (highest priority first).
    public let merges: [(String, String)]
    /// The end-of-text token's id (separates documents).
    public let endOfText: Int
    /// The end-of-text token's text.
    public static let endOfTextToken = "<|endoftext|>"

    private let ids: [String: Int]
    private let ranks: [PairKey: Int]

    private struct PairKey: Hashable { let a: Int, b: Int }

    /// A tokenizer from its vocabulary and merges; `endOfText` must be in `tokens`.
    public init(tokens: [String], merges: [(String, String)], endOfText: Int) {
        self.tokens = tokens
        self.merges = merges
        self.endOfText = endOfText
        var ids: [String: Int] = [:]
        for (i, t) in tokens.enumerated() { ids[t] = i }
        self.ids = ids
        var ranks: [PairKey: Int] = [:]
        for (r, m) in merges.enumerated() {
            if let a = ids[m.0], let b = ids[m.1] { ranks[PairKey(a: a, b: b)] = r }
        }
        self.ranks = ranks
    }

    /// Vocabulary size.
    public var vocabSize: Int { tokens.count }

    /// Token ids of `text` (no special tokens added).
    public func encode(_ text: String) -> [Int] {
        var out: [Int] = []
        var cache: [Substring: [Int]] = [:]
        for piece in ByteLevel.split(text) {
            if let hit = cache[piece] {
                out += hit
                continue
            }
            let ids = encodeWord(Array(piece.utf8))
            cache[piece] = ids
            out += ids
        }
        return out
    }

    /// Decodes ids back to text (special tokens spelled out).
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where (0..<tokens.count).contains(id) {
            if id == endOfText {
                bytes += Array(Self.endOfTextToken.utf8)
                continue
            }
            for scalar in tokens[id].unicodeScalars {
                if let b = BPETokenizer.scalarToByte[scalar] { bytes.append(b) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The byte each alphabet character stands for.
    static let scalarToByte: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (b, s) in ByteLevel.byteToScalar.enumerated() { map[s] = UInt8(b) }
        return map
    }()

    /// BPE of one pre-token's bytes: repeatedly merge the adjacent pair of lowest rank
    /// (leftmost on ties).
    private func encodeWord(_ bytes: [UInt8]) -> [Int] {
        var symbols = bytes.map { ids[String(ByteLevel.byteToScalar[Int($0)])] ?? 0 }
        while symbols.count > 1 {
            var best = Int.max, at = -1
            for i in 0..<(symbols.count - 1) {
                if let r = ranks[PairKey(a: symbols[i], b: symbols[i + 1])], r < best {
                    best = r
                    at = i
                }
            }
            guard at >= 0, let merged = ids[merges[best].0 + merges[best].1] else { break }
            symbols[at] = merged
            symbols.remove(at: at + 1)
        }
        return symbols
    }
}
