/// The BPE merges a SentencePiece BPE vocabulary implies, derived from the pieces and their
/// scores as transformers' `generate_merges(vocab, vocab_scores)` does for its SentencePiece
/// converters: every split of a piece into two pieces of the vocabulary is a merge, ranked by
/// the merged piece's score (highest first), then by the left and right lengths (longest
/// first), then by the merged piece's id and the left and right ids.
enum SentencePieceMerges {
    /// The ranked merges of `tokens` (with `vocab` mapping each distinct token to the id that
    /// owns it) and their `scores` (one per token, finite).
    static func derive(tokens: [String], vocab: [String: Int], scores: [Float]) -> [BPEMerge] {
        // Only cuts into lengths some token has can give two tokens (this also keeps one huge
        // token of a malformed file from costing the square of its length).
        let lengths = Set(vocab.keys.map { $0.unicodeScalars.count })
        var candidates: [Candidate] = []
        for (id, token) in tokens.enumerated() where vocab[token] == id {
            let scalars = Array(token.unicodeScalars)
            guard scalars.count > 1 else { continue }
            for cut in 1..<scalars.count where lengths.contains(cut) && lengths.contains(scalars.count - cut) {
                let left = String(String.UnicodeScalarView(scalars[..<cut]))
                let right = String(String.UnicodeScalarView(scalars[cut...]))
                guard let l = vocab[left], let r = vocab[right] else { continue }
                candidates.append(Candidate(score: scores[id], leftLength: cut, rightLength: scalars.count - cut,
                                            merge: BPEMerge(left: Int32(l), right: Int32(r), merged: Int32(id))))
            }
        }
        candidates.sort(by: Candidate.ranksBefore)
        return candidates.map(\.merge)
    }

    private struct Candidate {
        let score: Float
        let leftLength: Int
        let rightLength: Int
        let merge: BPEMerge

        static func ranksBefore(_ a: Candidate, _ b: Candidate) -> Bool {
            if a.score != b.score { return a.score > b.score }
            if a.leftLength != b.leftLength { return a.leftLength > b.leftLength }
            if a.rightLength != b.rightLength { return a.rightLength > b.rightLength }
            if a.merge.merged != b.merge.merged { return a.merge.merged < b.merge.merged }
            if a.merge.left != b.merge.left { return a.merge.left < b.merge.left }
            return a.merge.right < b.merge.right
        }
    }
}
