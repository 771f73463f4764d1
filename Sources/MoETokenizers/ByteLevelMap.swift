/// GPT-2's reversible map between bytes and printable characters: printable Latin-1 bytes map to
/// themselves, the other 68 bytes to U+0100 and up, in byte order.
enum ByteLevelMap {
    /// The character (scalar value) standing for each byte.
    static let scalarOfByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// The byte a character stands for, keyed by scalar value (nil for other characters).
    static func byte(of scalar: UInt32) -> UInt8? {
        if scalar < 0x100 {
            let b = Int(scalar)
            return scalarOfByte[b] == scalar ? UInt8(b) : nil
        }
        return byteOfHighScalar[scalar]
    }

    private static let byteOfHighScalar: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for b in 0..<256 where scalarOfByte[b] >= 0x100 { map[scalarOfByte[b]] = UInt8(b) }
        return map
    }()

    /// The bytes a byte-level token stands for, or nil if it has a character outside the map.
    static func bytes(of token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            guard let b = byte(of: scalar.value) else { return nil }
            out.append(b)
        }
        return out
    }

    /// The byte-level form of `bytes`.
    static func string(of bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes {
            if let scalar = Unicode.Scalar(scalarOfByte[Int(b)]) { s.append(scalar) }
        }
        return String(s)
    }
}
