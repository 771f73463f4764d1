/// A regular expression run by a Pike virtual machine: every position of the text is visited
/// once with at most one thread per instruction, so a search takes time linear in the text
/// times the pattern size (look-ahead adds a scan from each position that reaches it), however
/// the pattern nests its quantifiers. Matches are those of a backtracking engine (Oniguruma in
/// Hugging Face `tokenizers`, ICU): leftmost, then the first alternative and the greedy or lazy
/// choice in pattern order. The syntax is documented on `RegexNode`.
struct LinearRegex: Sendable {
    private let program: RegexProgram

    /// Patterns may compile to at most this many instructions (`{n,m}` copies its operand).
    static let maxInstructions = 100_000

    /// Compiles `pattern`.
    init(_ pattern: String) throws(RegexSyntaxError) {
        program = try RegexProgram(RegexParser.parse(pattern))
    }

    /// Appends the non-overlapping, non-empty matches inside `range` (byte offsets into `p`,
    /// valid UTF-8); the range's ends are the text's ends for `^`, `$` and look-ahead.
    func matches(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [Range<Int>]) {
        var machine = RegexMachine(program: program, text: p, bounds: range)
        var i = range.lowerBound
        while i <= range.upperBound, let found = machine.search(from: i, anchored: false) {
            if found.isEmpty {
                guard found.lowerBound < range.upperBound else { break }
                i = found.lowerBound + UTF8Scalars.length(leadByte: p[found.lowerBound])
            } else {
                out.append(found)
                i = found.upperBound
            }
        }
    }
}

/// One instruction of a compiled pattern.
private enum Instruction {
    /// Consume one scalar of `sets[index]`.
    case scalar(Int)
    /// Continue at both targets, the first with priority.
    case split(Int, Int)
    /// Continue at the target.
    case jump(Int)
    /// Continue only where the assertion holds.
    case assert(RegexAssertion)
    /// Continue only where `lookaheads[index]` matches (does not match, when negated).
    case lookahead(Int, negated: Bool)
    /// Continue only where the next scalar is in `sets[index]` (is not, or the text ends, when
    /// negated): a look-ahead of one scalar.
    case nextScalar(Int, negated: Bool)
    /// A match ends here.
    case match
}

/// A pattern compiled to instructions, with its scalar sets and look-ahead sub-programs.
private final class RegexProgram: Sendable {
    let instructions: [Instruction]
    let sets: [ScalarSet]
    let lookaheads: [RegexProgram]

    init(_ node: RegexNode) throws(RegexSyntaxError) {
        var compiler = RegexCompiler()
        try compiler.emit(node)
        compiler.instructions.append(.match)
        instructions = compiler.instructions
        sets = compiler.sets
        lookaheads = compiler.lookaheads
    }
}

/// Builds a program from a syntax tree.
private struct RegexCompiler {
    var instructions: [Instruction] = []
    var sets: [ScalarSet] = []
    var lookaheads: [RegexProgram] = []

    private mutating func append(_ instruction: Instruction) throws(RegexSyntaxError) {
        guard instructions.count < LinearRegex.maxInstructions else {
            throw RegexSyntaxError(message: "the pattern expands to more than \(LinearRegex.maxInstructions) instructions")
        }
        instructions.append(instruction)
    }

    mutating func emit(_ node: RegexNode) throws(RegexSyntaxError) {
        switch node {
        case .empty:
            break
        case .scalar(let set):
            sets.append(set.finished())
            try append(.scalar(sets.count - 1))
        case .concat(let parts):
            for part in parts { try emit(part) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (index, branch) in branches.enumerated() {
                let split = instructions.count
                if index < branches.count - 1 { try append(.split(split + 1, 0)) }
                try emit(branch)
                if index < branches.count - 1 {
                    jumps.append(instructions.count)
                    try append(.jump(0))
                    instructions[split] = .split(split + 1, instructions.count)
                }
            }
            for jump in jumps { instructions[jump] = .jump(instructions.count) }
        case .repetition(let inner, let min, let max, let greedy):
            for _ in 0..<min { try emit(inner) }
            if let max {
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(instructions.count)
                    try append(.split(0, 0))
                    try emit(inner)
                }
                for split in splits { instructions[split] = choice(split + 1, instructions.count, greedy: greedy) }
            } else {
                let loop = instructions.count
                try append(.split(0, 0))
                try emit(inner)
                try append(.jump(loop))
                instructions[loop] = choice(loop + 1, instructions.count, greedy: greedy)
            }
        case .assertion(let assertion):
            try append(.assert(assertion))
        case .lookahead(.scalar(let set), let negated):
            sets.append(set.finished())
            try append(.nextScalar(sets.count - 1, negated: negated))
        case .lookahead(let inner, let negated):
            let program = try RegexProgram(inner)
            guard instructions.count + program.instructions.count < LinearRegex.maxInstructions else {
                throw RegexSyntaxError(message: "the pattern expands to more than \(LinearRegex.maxInstructions) instructions")
            }
            lookaheads.append(program)
            try append(.lookahead(lookaheads.count - 1, negated: negated))
        }
    }

    /// A split that prefers `body` when greedy and `exit` otherwise.
    private func choice(_ body: Int, _ exit: Int, greedy: Bool) -> Instruction {
        greedy ? .split(body, exit) : .split(exit, body)
    }
}

/// The running state of a program over one text: thread lists reused between searches.
private struct RegexMachine {
    private typealias Thread = (pc: Int, start: Int)
    private let program: RegexProgram
    private let text: UnsafeBufferPointer<UInt8>
    private let start: Int
    private let end: Int
    /// The generation at which each instruction was last added to a list.
    private var added: [Int]
    private var generation = 0
    private var spare: ([Thread], [Thread]) = ([], [])
    private var stack: [Int] = []
    private var lookaheadMachines: [RegexMachine]

    /// A machine for `program` over the bytes `bounds` of `text`.
    init(program: RegexProgram, text: UnsafeBufferPointer<UInt8>, bounds: Range<Int>) {
        self.program = program
        self.text = text
        start = bounds.lowerBound
        end = bounds.upperBound
        added = Array(repeating: -1, count: program.instructions.count)
        lookaheadMachines = program.lookaheads.map { RegexMachine(program: $0, text: text, bounds: bounds) }
    }

    /// The leftmost-first match starting at or after `from` (exactly at `from` when anchored).
    mutating func search(from: Int, anchored: Bool) -> Range<Int>? {
        var (current, next) = spare
        defer { spare = (current, next) }
        var found: Range<Int>?
        var position = from
        current.removeAll(keepingCapacity: true)
        generation += 1
        while true {
            if found == nil && (!anchored || position == from) {
                addThread(to: &current, pc: 0, start: position, at: position)
            }
            if current.isEmpty && (found != nil || anchored) { break }
            let (scalar, length) = position < end ? UTF8Scalars.decode(text, position) : (0, 0)
            generation += 1
            next.removeAll(keepingCapacity: true)
            threads: for thread in current {
                switch program.instructions[thread.pc] {
                case .match:
                    if anchored { return thread.start..<position }
                    found = thread.start..<position
                    break threads
                case .scalar(let index):
                    if length > 0, program.sets[index].contains(scalar) {
                        addThread(to: &next, pc: thread.pc + 1, start: thread.start, at: position + length)
                    }
                default:
                    continue
                }
            }
            swap(&current, &next)
            if length == 0 { break }
            position += length
        }
        return found
    }

    /// Adds the threads reachable from `pc` without consuming a scalar, in priority order.
    private mutating func addThread(to list: inout [Thread], pc: Int, start: Int, at position: Int) {
        stack.append(pc)
        while let pc = stack.popLast() {
            guard added[pc] != generation else { continue }
            added[pc] = generation
            switch program.instructions[pc] {
            case .jump(let target):
                stack.append(target)
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .assert(let assertion):
                if holds(assertion, at: position) { stack.append(pc + 1) }
            case .lookahead(let index, let negated):
                if (lookaheadMachines[index].search(from: position, anchored: true) != nil) != negated { stack.append(pc + 1) }
            case .nextScalar(let index, let negated):
                let inSet = position < end && program.sets[index].contains(UTF8Scalars.decode(text, position).scalar)
                if inSet != negated { stack.append(pc + 1) }
            case .scalar, .match:
                list.append((pc, start))
            }
        }
    }

    private func holds(_ assertion: RegexAssertion, at position: Int) -> Bool {
        switch assertion {
        case .start:
            return position == start
        case .end:
            return position == end
        case .endOrFinalLineTerminator:
            if position == end { return true }
            let (scalar, length) = UTF8Scalars.decode(text, position)
            if scalar == 0x0D, position + 1 < end, text[position + 1] == 0x0A { return position + 2 == end }
            return position + length == end && ScalarClass.verticalSpace.contains(scalar)
        case .wordBoundary, .notWordBoundary:
            let before = position > start && ScalarClass.word.contains(previousScalar(position))
            let after = position < end && ScalarClass.word.contains(UTF8Scalars.decode(text, position).scalar)
            return (before != after) == (assertion == .wordBoundary)
        }
    }

    private func previousScalar(_ position: Int) -> UInt32 {
        var i = position - 1
        while i > start, text[i] & 0xC0 == 0x80 { i -= 1 }
        return UTF8Scalars.decode(text, i).scalar
    }
}
