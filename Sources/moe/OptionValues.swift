import ArgumentParser

/// Parsers of numeric option values. Each accepts a number in its range and otherwise fails
/// with the range in the message; options using them read the next argument unconditionally,
/// so `--temperature -1` is the value -1 (rejected with the range), not an unknown option.
enum OptionValue {
    /// An integer in `range`.
    static func int(_ range: ClosedRange<Int>) -> @Sendable (String) throws -> Int {
        { text in
            guard let value = Int(text), range.contains(value) else {
                throw ValidationError("expected an integer \(describe(range))")
            }
            return value
        }
    }

    /// Any 64-bit unsigned integer (a seed).
    static func seed(_ text: String) throws -> UInt64 {
        guard let value = UInt64(text) else { throw ValidationError("expected an integer in 0...\(UInt64.max)") }
        return value
    }

    /// A finite number at least `minimum` (above it when `exclusive`) and at most `maximum`.
    static func float(atLeast minimum: Float, exclusive: Bool = false, atMost maximum: Float = .greatestFiniteMagnitude)
        -> @Sendable (String) throws -> Float {
        { text in
            let low = exclusive ? "> \(minimum)" : ">= \(minimum)"
            let bounds = maximum == .greatestFiniteMagnitude ? low : "\(low) and <= \(maximum)"
            guard let value = Float(text), value.isFinite, exclusive ? value > minimum : value >= minimum, value <= maximum else {
                throw ValidationError("expected a finite number \(bounds)")
            }
            return value
        }
    }

    /// "in L...U", or ">= L" for an unbounded range, for messages and help.
    static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? ">= \(range.lowerBound)" : "in \(range.lowerBound)...\(range.upperBound)"
    }
}
