import Foundation
import MoEFormats

/// One tensor to write: its llama.cpp name and shape, and a function giving its values as
/// f32 in row-major order of `shape` (outermost first), read only when the tensor is written.
struct GGUFExportTensor {
    /// llama.cpp tensor name.
    let name: String
    /// Dimensions outermost first.
    let shape: [Int]
    /// Bytes the source stores (for progress).
    let sourceBytes: Int
    /// The values, `(shape.product)`.
    let values: () throws -> [Float]
    /// Bytes already encoded in a ggml type, written as they are whatever the output type
    /// (MXFP4 experts of a released GPT-OSS checkpoint); `values` is then not read.
    var encoded: (type: GGMLType, bytes: () throws -> [UInt8])? = nil

    /// Elements in the tensor.
    var elementCount: Int { shape.reduce(1, *) }
}

/// Conversions of source tensors to f32 and the row reorderings llama.cpp's converter applies.
enum GGUFExportValues {
    /// The ggml type with the same encoding as a safetensors dtype, for the float dtypes.
    static func ggmlType(_ dtype: TensorDType) -> GGMLType? {
        switch dtype {
        case .F32: return .F32
        case .F16: return .F16
        case .BF16: return .BF16
        default: return nil
        }
    }

    /// Decodes a safetensors tensor to f32; only F32, F16 and BF16 are accepted.
    static func decode(_ view: TensorView, file: String) throws -> [Float] {
        guard let type = ggmlType(view.dtype) else {
            throw FormatError(file: file, tensor: view.name, "dtype \(view.dtype.rawValue) cannot be converted (supported: F32, F16, BF16)")
        }
        return try GGMLQuants.dequantize(view.data, type: type, count: view.elementCount)
    }

    /// llama.cpp's `LlamaModel.permute`: rows of each of `heads` heads reordered from the
    /// rotate-half pairing `(i, i + d/2)` to adjacent pairs `(2i, 2i + 1)`.
    /// `values` is `(rows, columns)` with `rows` a multiple of `2 * heads`.
    static func permuteRows(_ values: [Float], rows: Int, columns: Int, heads: Int) -> [Float] {
        let headRows = rows / heads
        let half = headRows / 2
        var out = [Float](repeating: 0, count: values.count)  // (rows, columns)
        for h in 0..<heads {
            for j in 0..<half {
                for t in 0..<2 {
                    let source = (h * headRows + t * half + j) * columns
                    let target = (h * headRows + 2 * j + t) * columns
                    for c in 0..<columns { out[target + c] = values[source + c] }
                }
            }
        }
        return out
    }

    /// Llama 3 RoPE scaling as llama.cpp's converter stores it: one divisor per frequency,
    /// computed in float32 as its torch code does. `(dimension / 2)`
    static func llama3RopeFactors(theta: Double, dimension: Int, factor: Double, low: Double, high: Double,
                                  original: Double) -> [Float] {
        let lowWavelength = original / low
        let highWavelength = original / high
        return (0..<(dimension / 2)).map { i in
            let frequency = 1 / powf(Float(theta), Float(2 * i) / Float(dimension))
            let wavelength = Float(2 * Double.pi) / frequency
            if Double(wavelength) < highWavelength { return 1 }
            if Double(wavelength) > lowWavelength { return Float(factor) }
            let smooth = (Float(original) / wavelength - Float(low)) / Float(high - low)
            return 1 / ((1 - smooth) / Float(factor) + smooth)
        }
    }
}
