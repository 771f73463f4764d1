/// Trains a byte-level BPE vocabulary: the 256 byte symbols, then the most frequent adjacent
/// pair merged repeatedly (ties to the pair whose merged string sorts first, then to the
/// lower pair of ids, so the result never depends on hash order), then
/// `<|endoftext|>`.
public enum BPETrainer {
    /// A tokenizer of `vocabSize` tokens (at least 257) learnt from `documents`.
    public static func train(documents: [String], vocabSize: Int) -> BPETokenizer {
        var wordCounts: [String: Int] = [:]
        for doc in documents {
            for piece in ByteLevel.split(doc) { wordCounts[String(piece), default: 0] += 1 }
        }
        var tokens = ByteLevel.byteToScalar.map { String($0) }
        var idOf: [String: Int] = [:]
        for (i, t) in tokens.enumerated() { idOf[t] = i }
        let sortedWords = wordCounts.keys.sorted()
        var words: [[Int]] = sortedWords.map { w in Array(w.utf8).map { Int($0) } }
        let counts = sortedWords.map { wordCounts[$0] ?? 0 }
        var pairCounts: [Pair: Int] = [:]
        var pairWords: [Pair: Set<Int>] = [:]
        for (w, symbols) in words.enumerated() where symbols.count > 1 {
            for i in 0..<(symbols.count - 1) {
                let p = Pair(a: symbols[i], b: symbols[i + 1])
                pairCounts[p, default: 0] += counts[w]
                pairWords[p, default: []].insert(w)
            }
        }
        var merges: [(String, String)] = []
        while tokens.count < vocabSize - 1 {
            var best: Pair?
            var bestCount = 0
            var bestText = ""
            for (p, c) in pairCounts where c > 0 {
                let text = c >= bestCount ? tokens[p.a] + tokens[p.b] : ""
                if c > bestCount || (c == bestCount && (text < bestText || (text == bestText && best.map { (p.a, p.b) < ($0.a, $0.b) } ?? true))) {
                    best = p
                    bestCount = c
                    bestText = text
                }
            }
            guard let pair = best else { break }
            let newID = tokens.count
            tokens.append(bestText)
            idOf[bestText] = newID
            merges.append((tokens[pair.a], tokens[pair.b]))
            for w in (pairWords[pair] ?? []).sorted() {
                let old = words[w]
                var merged: [Int] = []
                var i = 0
                while i < old.count {
                    if i + 1 < old.count && old[i] == pair.a && old[i + 1] == pair.b {
                        merged.append(newID)
                        i += 2
                    } else {
                        merged.append(old[i])
                        i += 1
                    }
                }
                for i in 0..<(old.count - 1) { pairCounts[Pair(a: old[i], b: old[i + 1]), default: 0] -= counts[w] }
                for i in 0..<max(0, merged.count - 1) {
                    let p = Pair(a: merged[i], b: merged[i + 1])
                    pairCounts[p, default: 0] += counts[w]
                    pairWords[p, default: []].insert(w)
                }
                words[w] = merged
            }
            pairCounts[pair] = nil
            pairWords[pair] = nil
        }
        tokens.append(BPETokenizer.endOfTextToken)
        return BPETokenizer(tokens: tokens, merges: merges, endOfText: tokens.count - 1)
    }

    private struct Pair: Hashable { let a: Int, b: Int }
}
