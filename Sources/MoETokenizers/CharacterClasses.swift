/// Unicode classes the pre-tokenizer patterns test, as bits: letters, numbers, marks,
/// punctuation, symbols and white space (`\p{L}`, `\p{N}`, `\p{M}`, `\p{P}`, `\p{S}`, `\s`).
enum CharacterClasses {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let mark: UInt8 = 4
    static let punctuation: UInt8 = 8
    static let symbol: UInt8 = 16
    static let space: UInt8 = 32

    /// Classes of the Basic Multilingual Plane, computed once from the standard library's tables.
    private static let bmp: [UInt8] = (0..<0x10000).map { compute(UInt32($0)) }

    /// The class bits of `scalar`.
    @inline(__always)
    static func of(_ scalar: UInt32) -> UInt8 {
        scalar < 0x10000 ? bmp[Int(scalar)] : compute(scalar)
    }

    private static func compute(_ value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        var bits: UInt8 = scalar.properties.isWhitespace ? space : 0
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            bits |= letter
        case .decimalNumber, .letterNumber, .otherNumber:
            bits |= number
        case .nonspacingMark, .spacingMark, .enclosingMark:
            bits |= mark
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            bits |= punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            bits |= symbol
        default:
            break
        }
        return bits
    }
}
