/// Reference (scalar, bit-exact) conversions between f32 and ggml block formats.
///
/// Dequantisation matches gguf-py's `gguf.quants.dequantize` bit for bit for every
/// ``GGMLType/isDequantizable`` type; quantisation to F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0 and
/// Q5_1 matches gguf-py's `gguf.quants.quantize` byte for byte (for finite input), and Q4_K,
/// Q5_K and Q6_K match ggml's C `quantize_row_q4_K_ref` / `quantize_row_q5_K_ref` /
/// `quantize_row_q6_K_ref` (tested on the fixtures; non-finite input is encoded without
/// trapping but to unspecified blocks). These are the references that fast kernels are tested
/// against, written for clarity, not speed.
public enum GGMLQuants {
    /// Decodes `count` values of `type` from `data` (exactly `count / blockSize` blocks).
    public static func dequantize(_ data: UnsafeRawBufferPointer, type: GGMLType, count: Int) throws(QuantizationError) -> [Float] {
        try checkSizes(type: type, count: count, byteCount: data.count)
        return [Float](unsafeUninitializedCapacity: count) { output, initialized in
            dequantizeUnchecked(data, type: type, into: output)
            initialized = count
        }
    }

    /// Decodes `data` into `output`, whose count gives the number of values.
    public static func dequantize(_ data: UnsafeRawBufferPointer, type: GGMLType,
                                  into output: UnsafeMutableBufferPointer<Float>) throws(QuantizationError) {
        try checkSizes(type: type, count: output.count, byteCount: data.count)
        dequantizeUnchecked(data, type: type, into: output)
    }

    /// Encodes `values` (a whole number of blocks) as `type`.
    public static func quantize(_ values: [Float], to type: GGMLType) throws(QuantizationError) -> [UInt8] {
        guard type.isQuantizable else {
            throw QuantizationError(type: type, "quantisation to \(type) is not supported")
        }
        guard let byteCount = type.byteCount(elements: values.count) else {
            throw QuantizationError(type: type, "\(values.count) values are not a whole number of \(type) blocks of \(type.blockSize)")
        }
        var output = [UInt8](repeating: 0, count: byteCount)
        values.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBytes { quantizeUnchecked(input, type: type, into: $0) }
        }
        return output
    }

    /// Bytes needed for `count` values of `type`, after checking `type` can be decoded.
    private static func checkSizes(type: GGMLType, count: Int, byteCount: Int) throws(QuantizationError) {
        guard type.isDequantizable else {
            throw QuantizationError(type: type, "dequantisation of \(type) is not supported")
        }
        guard let expected = type.byteCount(elements: count) else {
            throw QuantizationError(type: type, "\(count) values are not a whole number of \(type) blocks of \(type.blockSize)")
        }
        guard expected == byteCount else {
            throw QuantizationError(type: type, "\(count) \(type) values take \(expected) bytes, got \(byteCount)")
        }
    }

    private static func dequantizeUnchecked(_ data: UnsafeRawBufferPointer, type: GGMLType,
                                            into output: UnsafeMutableBufferPointer<Float>) {
        switch type {
        case .F32:
            for i in output.indices {
                output[i] = Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case .F16:
            for i in output.indices {
                output[i] = QuantHalf.float(fromHalf: UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .BF16:
            for i in output.indices {
                output[i] = QuantHalf.float(fromBFloat: UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .Q8_0: forEachBlock(data, BlockQ8_0.self, output, QuantLegacy.dequantize)
        case .Q4_0: forEachBlock(data, BlockQ4_0.self, output, QuantLegacy.dequantize)
        case .Q4_1: forEachBlock(data, BlockQ4_1.self, output, QuantLegacy.dequantize)
        case .Q5_0: forEachBlock(data, BlockQ5_0.self, output, QuantLegacy.dequantize)
        case .Q5_1: forEachBlock(data, BlockQ5_1.self, output, QuantLegacy.dequantize)
        case .MXFP4: forEachBlock(data, BlockMXFP4.self, output, QuantLegacy.dequantize)
        case .Q4_K: forEachBlock(data, BlockQ4_K.self, output, QuantK.dequantize)
        case .Q5_K: forEachBlock(data, BlockQ5_K.self, output, QuantK.dequantize)
        case .Q6_K: forEachBlock(data, BlockQ6_K.self, output, QuantK.dequantize)
        default: break
        }
    }

    private static func quantizeUnchecked(_ input: UnsafeBufferPointer<Float>, type: GGMLType,
                                          into output: UnsafeMutableRawBufferPointer) {
        switch type {
        case .F32:
            for (i, value) in input.enumerated() {
                output.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        case .F16:
            for (i, value) in input.enumerated() {
                output.storeBytes(of: QuantHalf.half(from: value).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        case .BF16:
            for (i, value) in input.enumerated() {
                output.storeBytes(of: QuantHalf.bfloat(from: value).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        case .Q8_0: forEachChunk(input, output, BlockQ8_0.self, QuantLegacy.quantizeQ8_0)
        case .Q4_0: forEachChunk(input, output, BlockQ4_0.self, QuantLegacy.quantizeQ4_0)
        case .Q4_1: forEachChunk(input, output, BlockQ4_1.self, QuantLegacy.quantizeQ4_1)
        case .Q5_0: forEachChunk(input, output, BlockQ5_0.self, QuantLegacy.quantizeQ5_0)
        case .Q5_1: forEachChunk(input, output, BlockQ5_1.self, QuantLegacy.quantizeQ5_1)
        case .Q4_K: forEachChunk(input, output, BlockQ4_K.self, QuantK.quantizeQ4_K)
        case .Q5_K: forEachChunk(input, output, BlockQ5_K.self, QuantK.quantizeQ5_K)
        case .Q6_K: forEachChunk(input, output, BlockQ6_K.self, QuantK.quantizeQ6_K)
        default: break
        }
    }

    /// Calls `decode` on each block of `data` with the slice of `output` it fills.
    private static func forEachBlock<Block>(_ data: UnsafeRawBufferPointer, _: Block.Type,
                                            _ output: UnsafeMutableBufferPointer<Float>,
                                            _ decode: (Block, UnsafeMutableBufferPointer<Float>) -> Void) {
        let size = MemoryLayout<Block>.size
        let perBlock = output.count / max(data.count / size, 1)
        for index in 0..<(data.count / size) {
            let block = data.loadUnaligned(fromByteOffset: index * size, as: Block.self)
            decode(block, UnsafeMutableBufferPointer(rebasing: output[(index * perBlock)..<((index + 1) * perBlock)]))
        }
    }

    /// Calls `encode` on each block-sized chunk of `input` and stores the block it returns.
    private static func forEachChunk<Block>(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableRawBufferPointer,
                                            _: Block.Type, _ encode: (UnsafeBufferPointer<Float>) -> Block) {
        let size = MemoryLayout<Block>.size
        let blocks = output.count / size
        let perBlock = input.count / max(blocks, 1)
        for index in 0..<blocks {
            let block = encode(UnsafeBufferPointer(rebasing: input[(index * perBlock)..<((index + 1) * perBlock)]))
            withUnsafeBytes(of: block) { bytes in
                UnsafeMutableRawBufferPointer(rebasing: output[(index * size)..<((index + 1) * size)]).copyMemory(from: bytes)
            }
        }
    }
}
