/// The BPE model of tokenizer.json: vocabulary, ranked merges, unknown-token and byte-fallback
/// handling, as in Hugging Face `tokenizers`' `models::bpe`.
struct BPEModel: Sendable {
    /// Token string -> id.
    let vocab: [String: Int]
    /// Id -> token string ("" for ids the vocabulary skips).
    let tokens: [String]
    private let merges: PairTable
    /// Id of each single-scalar token, for words that are not byte-level.
    private let scalarIDs: [UInt32: Int32]
    /// Id of each byte's byte-level character (-1 if absent).
    private let byteLevelIDs: [Int32]
    /// Id of each `<0xXX>` token (-1 if absent).
    private let fallbackIDs: [Int32]
    /// Byte-level tokens keyed by the bytes they stand for (whole-word lookups under ignore_merges).
    private let byteLevelVocab: [[UInt8]: Int32]
    private let unknownID: Int32?
    private let fuseUnknown: Bool
    private let byteFallback: Bool
    private let ignoreMerges: Bool

    /// Reads the `model` object of tokenizer.json.
    init(_ node: JSONNode) throws {
        let type = try node["type"].optionalString() ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupported(component: "model", type: type) }
        for field in ["continuing_subword_prefix", "end_of_word_suffix"] where !node[field].isNull {
            if try !node[field].string().isEmpty {
                throw TokenizerError.unsupported(component: "BPE option", type: field)
            }
        }
        if let dropout = node["dropout"].numberValue, dropout > 0 {
            throw TokenizerError.unsupported(component: "BPE option", type: "dropout")
        }
        var vocab: [String: Int] = [:]
        var maxID = -1
        let vocabNode = node["vocab"]
        let members = try vocabNode.rawMembers()
        vocab.reserveCapacity(members.count)
        for (token, entry) in members {
            guard case .number(let d) = entry, d >= 0, d < Double(1 << 24), d.rounded() == d else {
                throw vocabNode.child(token, entry).fail("an id between 0 and 2^24")
            }
            let id = Int(d)
            vocab[token] = id
            maxID = max(maxID, id)
        }
        var tokens = [String](repeating: "", count: maxID + 1)
        for (token, id) in vocab { tokens[id] = token }

        let mergeNode = node["merges"]
        let rawMerges = mergeNode.isNull ? [] : try mergeNode.rawItems()
        var merges: [BPEMerge] = []
        merges.reserveCapacity(rawMerges.count)
        for (rank, entry) in rawMerges.enumerated() {
            var pair: (String, String)?
            switch entry {
            case .string(let line):
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                if parts.count == 2 { pair = (String(parts[0]), String(parts[1])) }
            case .array(let items):
                if items.count == 2, case .string(let a) = items[0], case .string(let b) = items[1] { pair = (a, b) }
            default:
                break
            }
            guard let pair else {
                throw mergeNode.child("\(rank)", entry).fail("a merge: \"left right\" or [\"left\", \"right\"]")
            }
            guard let merge = BPEMerge(pair.0, pair.1, vocab: vocab) else {
                throw mergeNode.child("\(rank)", entry).fail("a merge of tokens in the vocabulary whose concatenation is in the vocabulary")
            }
            merges.append(merge)
        }
        let unknownID = try node["unk_token"].optionalString().flatMap { vocab[$0] }
        self.init(vocab: vocab, tokens: tokens, merges: merges, unknownID: unknownID,
                  fuseUnknown: try node["fuse_unk"].bool(default: false),
                  byteFallback: try node["byte_fallback"].bool(default: false),
                  ignoreMerges: try node["ignore_merges"].bool(default: false))
    }

    /// A model from an already-validated vocabulary: `vocab` maps each token to its id,
    /// `tokens[id]` is the token of each id ("" for gaps), `merges` are ranked by position.
    init(vocab: [String: Int], tokens: [String], merges: [BPEMerge], unknownID: Int?,
         fuseUnknown: Bool, byteFallback: Bool, ignoreMerges: Bool) {
        self.vocab = vocab
        self.tokens = tokens
        var table = PairTable(capacity: merges.count)
        for (rank, merge) in merges.enumerated() {
            table.insert(left: merge.left, right: merge.right, rank: Int32(rank), merged: merge.merged)
        }
        self.merges = table

        var scalarIDs: [UInt32: Int32] = [:]
        for (token, id) in vocab {
            let scalars = token.unicodeScalars
            if scalars.count == 1, let s = scalars.first { scalarIDs[s.value] = Int32(id) }
        }
        self.scalarIDs = scalarIDs
        byteLevelIDs = (0..<256).map { b in
            scalarIDs[ByteLevelMap.scalarOfByte[b]] ?? -1
        }
        fallbackIDs = (0..<256).map { b in
            let hex = String(b, radix: 16, uppercase: true)
            return vocab["<0x" + (hex.count == 1 ? "0" : "") + hex + ">"].map(Int32.init) ?? -1
        }
        self.ignoreMerges = ignoreMerges
        var byteLevelVocab: [[UInt8]: Int32] = [:]
        if ignoreMerges {
            for (token, id) in vocab {
                if let bytes = ByteLevelMap.bytes(of: token) { byteLevelVocab[bytes] = Int32(id) }
            }
        }
        self.byteLevelVocab = byteLevelVocab
        self.unknownID = unknownID.map(Int32.init)
        self.fuseUnknown = fuseUnknown
        self.byteFallback = byteFallback
    }

    /// Appends the ids of one pre-tokenized word: `p[range]`, seen through the byte-level map
    /// when `byteLevel`.
    func encode(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, byteLevel: Bool,
                into ids: inout [Int], scratch: inout BPEScratch) {
        if ignoreMerges {
            if byteLevel {
                if let id = byteLevelVocab[Array(p[range])] {
                    ids.append(Int(id))
                    return
                }
            } else if let id = vocab[String(decoding: UnsafeBufferPointer(rebasing: p[range]), as: UTF8.self)] {
                ids.append(id)
                return
            }
        }
        scratch.reset()
        if byteLevel {
            for i in range {
                let id = byteLevelIDs[Int(p[i])]
                if id >= 0 { scratch.add(id) } else { addUnknown(&scratch) }
            }
        } else {
            var i = range.lowerBound
            while i < range.upperBound {
                let (scalar, n) = UTF8Scalars.decode(p, i)
                if let id = scalarIDs[scalar] {
                    scratch.add(id)
                } else if byteFallback, (i..<(i + n)).allSatisfy({ fallbackIDs[Int(p[$0])] >= 0 }) {
                    for j in i..<(i + n) { scratch.add(fallbackIDs[Int(p[j])]) }
                } else {
                    addUnknown(&scratch)
                }
                i += n
            }
        }
        mergeAll(&scratch)
        scratch.appendIDs(to: &ids)
    }

    private func addUnknown(_ scratch: inout BPEScratch) {
        guard let unknownID else { return }
        if fuseUnknown, scratch.lastID == unknownID { return }
        scratch.add(unknownID)
    }

    /// Applies merges lowest rank first (leftmost among equal ranks), as `Word::merge_all` does.
    private func mergeAll(_ s: inout BPEScratch) {
        let n = s.ids.count
        if n < 2 { return }
        for i in 0..<(n - 1) {
            if let m = merges.lookup(s.ids[i], s.ids[i + 1]) { s.heap.push(rank: m.rank, position: Int32(i), merged: m.merged) }
        }
        while let top = s.heap.pop() {
            let pos = Int(top.position)
            guard s.alive[pos], s.next[pos] >= 0 else { continue }
            let right = Int(s.next[pos])
            guard let m = merges.lookup(s.ids[pos], s.ids[right]), m.merged == top.merged else { continue }
            s.ids[pos] = top.merged
            s.alive[right] = false
            let after = s.next[right]
            s.next[pos] = after
            if after >= 0 { s.prev[Int(after)] = Int32(pos) }
            let before = s.prev[pos]
            if before >= 0, let m = merges.lookup(s.ids[Int(before)], s.ids[pos]) {
                s.heap.push(rank: m.rank, position: before, merged: m.merged)
            }
            if after >= 0, let m = merges.lookup(s.ids[pos], s.ids[Int(after)]) {
                s.heap.push(rank: m.rank, position: Int32(pos), merged: m.merged)
            }
        }
    }
}

/// One BPE merge as token ids: `left` followed by `right` becomes `merged`.
struct BPEMerge: Sendable, Equatable {
    let left: Int32
    let right: Int32
    let merged: Int32

    /// The merge of two tokens, if both and their concatenation are in `vocab`.
    init?(_ left: String, _ right: String, vocab: [String: Int]) {
        guard let a = vocab[left], let b = vocab[right], let m = vocab[left + right] else { return nil }
        self.left = Int32(a)
        self.right = Int32(b)
        merged = Int32(m)
    }

    /// A merge of ids already known to be in the vocabulary.
    init(left: Int32, right: Int32, merged: Int32) {
        self.left = left
        self.right = right
        self.merged = merged
    }
}

/// Reusable buffers for encoding one word (a doubly linked list of symbols and a merge queue).
struct BPEScratch {
    var ids: [Int32] = []
    var prev: [Int32] = []
    var next: [Int32] = []
    var alive: [Bool] = []
    var heap = MergeHeap()

    mutating func reset() {
        ids.removeAll(keepingCapacity: true)
        prev.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        alive.removeAll(keepingCapacity: true)
        heap.removeAll()
    }

    var lastID: Int32? { ids.last }

    mutating func add(_ id: Int32) {
        let i = Int32(ids.count)
        if i > 0 { next[Int(i) - 1] = i }
        ids.append(id)
        prev.append(i - 1)
        next.append(-1)
        alive.append(true)
    }

    func appendIDs(to out: inout [Int]) {
        var i = 0
        if ids.isEmpty { return }
        while i >= 0 {
            out.append(Int(ids[i]))
            i = Int(next[i])
        }
    }
}

/// A binary min-heap of pending merges ordered by (rank, position).
struct MergeHeap {
    private var keys: [UInt64] = []
    private var merged: [Int32] = []

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        merged.removeAll(keepingCapacity: true)
    }

    mutating func push(rank: Int32, position: Int32, merged id: Int32) {
        var i = keys.count
        keys.append(UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: position)))
        merged.append(id)
        while i > 0 {
            let parent = (i - 1) / 2
            if keys[parent] <= keys[i] { break }
            keys.swapAt(parent, i)
            merged.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> (position: Int32, merged: Int32)? {
        guard let first = keys.first else { return nil }
        let result = (Int32(truncatingIfNeeded: first), merged[0])
        let last = keys.count - 1
        keys.swapAt(0, last)
        merged.swapAt(0, last)
        keys.removeLast()
        merged.removeLast()
        var i = 0
        let n = keys.count
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            if l + 1 < n && keys[l + 1] < keys[l] { c = l + 1 }
            if keys[i] <= keys[c] { break }
            keys.swapAt(i, c)
            merged.swapAt(i, c)
            i = c
        }
        return result
    }
}
