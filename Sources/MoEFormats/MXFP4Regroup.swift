/// MXFP4 weights as OpenAI's checkpoints store them, in two tensors per matrix: `blocks`
/// `(rows, blocksPerRow, 16)` bytes, byte `i` of a block holding value `2i` in its low nibble
/// and `2i + 1` in its high nibble, and `scales` `(rows, blocksPerRow)` E8M0 exponents
/// (`2^(s - 127)`). ggml's MXFP4 keeps each block's exponent and values together in 17
/// bytes, byte `j` of the values holding value `j` low and value `j + 16` high.
public enum MXFP4Regroup {
    /// Bytes of one ggml MXFP4 block (exponent, then 16 bytes of nibbles).
    public static let ggmlBlockBytes = 17

    /// Writes rows `rows` (in that order) of the split layout as ggml blocks, row after row:
    /// `(rows.count, blocksPerRow, 17)` bytes. The exponent byte is the same in both layouts.
    public static func ggmlRows(
        blocks: UnsafeRawBufferPointer, scales: UnsafeRawBufferPointer, blocksPerRow: Int, rows: [Int],
        into out: UnsafeMutableRawBufferPointer
    ) throws {
        let total = scales.count / max(blocksPerRow, 1)
        guard blocksPerRow > 0, scales.count == total * blocksPerRow, blocks.count == scales.count * 16 else {
            throw QuantizationError(type: .MXFP4, "MXFP4 blocks of \(blocks.count) bytes and scales of \(scales.count) bytes do not form rows of \(blocksPerRow) blocks")
        }
        guard out.count == rows.count * blocksPerRow * ggmlBlockBytes else {
            throw QuantizationError(type: .MXFP4, "MXFP4 output of \(out.count) bytes, expected \(rows.count * blocksPerRow * ggmlBlockBytes)")
        }
        if let bad = rows.first(where: { !(0..<total).contains($0) }) {
            throw QuantizationError(type: .MXFP4, "MXFP4 row \(bad) is outside 0..<\(total)")
        }
        var o = 0
        for r in rows {
            for b in 0..<blocksPerRow {
                let index = r * blocksPerRow + b, source = index * 16
                out[o] = scales[index]
                for j in 0..<16 {
                    // value j from byte j / 2 (low nibble when j is even), value j + 16 from byte 8 + j / 2
                    let low = blocks[source + j / 2] >> (4 * UInt8(j & 1)) & 0x0F
                    let high = blocks[source + 8 + j / 2] >> (4 * UInt8(j & 1)) & 0x0F
                    out[o + 1 + j] = low | high << 4
                }
                o += ggmlBlockBytes
            }
        }
    }
}
