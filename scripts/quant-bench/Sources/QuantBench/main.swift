import Foundation
@_spi(Benchmarks) import MoEKernels
import MoEFormats

// Decode matvec GB/s (weights streamed from memory: many copies, each used once per pass)
// and prefill GFLOP/s, per weight type, against bf16 in the same run.

/// Random weights with finite, normal scales: `copies` matrices of `(rows, cols)` in one buffer.
final class Weights {
    let base: UnsafeMutableRawPointer
    let matrices: [WeightMatrix]

    init(type: WeightType, rows: Int, cols: Int, copies: Int) {
        let bytes = rows * type.rowBytes(cols: cols)
        let base = UnsafeMutableRawPointer.allocate(byteCount: bytes * copies, alignment: 64)
        self.base = base
        var state: UInt64 = 0x1234_5678
        for i in stride(from: 0, to: bytes * copies, by: 8) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            base.storeBytes(of: state, toByteOffset: i, as: UInt64.self)
        }
        // Scales at every block's f16 fields: 0x2000 is about 0.0078 (bf16: values near 1).
        let blocks = bytes * copies / type.blockBytes
        for b in 0..<blocks {
            let p = base + b * type.blockBytes
            switch type {
            case .bf16: p.storeBytes(of: 0x3F80 | (p.load(as: UInt16.self) & 0x807F), as: UInt16.self)
            case .f16: p.storeBytes(of: 0x2000 | (p.load(as: UInt16.self) & 0x83FF), as: UInt16.self)
            case .f32: p.storeBytes(of: Float(1), as: Float.self)
            case .q8_0, .q4_0, .q5_0: p.storeBytes(of: UInt16(0x2000), as: UInt16.self)
            case .q4_1, .q5_1, .q4_K, .q5_K:
                p.storeBytes(of: UInt16(0x2000), as: UInt16.self)
                p.storeBytes(of: UInt16(0x2000), toByteOffset: 2, as: UInt16.self)
            case .q6_K: p.storeBytes(of: UInt16(0x2000), toByteOffset: 208, as: UInt16.self)
            case .mxfp4: p.storeBytes(of: UInt8(120), as: UInt8.self)
            }
        }
        matrices = (0..<copies).map { WeightMatrix(base: UnsafeRawPointer(base + $0 * bytes), type: type, rows: rows, cols: cols) }
    }

    deinit { base.deallocate() }
}

let clock = ContinuousClock()

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Best-of-`runs` seconds of `body`.
func best(runs: Int, _ body: () -> Void) -> Double {
    var t = Double.infinity
    for _ in 0..<runs { t = min(t, seconds(clock.measure(body))) }
    return t
}

/// Decode GB/s: one matvec per copy, copies totalling about 512 MiB.
func matvecGBs(_ type: WeightType, rows: Int, cols: Int, pool: ThreadPool) -> Double {
    let bytes = rows * type.rowBytes(cols: cols)
    let copies = max(2, (Int(ProcessInfo.processInfo.environment["QB_BYTES"] ?? "") ?? (512 << 20)) / bytes)
    let w = Weights(type: type, rows: rows, cols: cols, copies: copies)
    let x = UnsafeMutablePointer<Float>.allocate(capacity: cols)  // (cols)
    let y = UnsafeMutablePointer<Float>.allocate(capacity: rows)  // (rows)
    defer { x.deallocate(); y.deallocate() }
    for c in 0..<cols { x[c] = Float(c % 7) * 0.1 - 0.3 }
    let t = best(runs: 5) {
        for m in w.matrices { Kernels.matmul(m, input: x, output: y, tokens: 1, pool: pool) }
    }
    return Double(bytes * copies) / t / 1e9
}

/// Decode GB/s of a MoE layer's experts through `Kernels.matvecGroup`: 4 experts' gate and
/// up (512x1024, one shared input) in one group, then their down projections (1024x512) in
/// another, over many layers' worth of distinct weights.
func expertGroupGBs(_ type: WeightType, pool: ThreadPool) -> Double {
    let layerBytes = 8 * 512 * type.rowBytes(cols: 1024) + 4 * 1024 * type.rowBytes(cols: 512)
    let layers = max(2, (512 << 20) / layerBytes)
    let upGate = Weights(type: type, rows: 512, cols: 1024, copies: 8 * layers)
    let down = Weights(type: type, rows: 1024, cols: 512, copies: 4 * layers)
    let x = UnsafeMutablePointer<Float>.allocate(capacity: 1024)  // (1024)
    let h = UnsafeMutablePointer<Float>.allocate(capacity: 8 * 512)  // (8, 512)
    let y = UnsafeMutablePointer<Float>.allocate(capacity: 4 * 1024)  // (4, 1024)
    defer { x.deallocate(); h.deallocate(); y.deallocate() }
    for c in 0..<1024 { x[c] = Float(c % 7) * 0.1 - 0.3 }
    for i in 0..<8 * 512 { h[i] = Float(i % 5) * 0.1 - 0.2 }
    let t = best(runs: 5) {
        for l in 0..<layers {
            Kernels.matvecGroup((0..<8).map { MatvecJob(upGate.matrices[8 * l + $0], input: x, output: h + 512 * $0) }, pool: pool)
            Kernels.matvecGroup((0..<4).map { MatvecJob(down.matrices[4 * l + $0], input: h + 512 * $0, output: y + 1024 * $0) },
                                pool: pool)
        }
    }
    return Double(layerBytes * layers) / t / 1e9
}

/// Prefill GFLOP/s for `tokens` tokens on one `(rows, cols)` matrix.
func prefillGFLOPs(_ type: WeightType, rows: Int, cols: Int, tokens: Int, pool: ThreadPool) -> Double {
    // QB_PREFILL_BYTES spreads the weights over copies of about that many bytes in total, so
    // each matmul reads its weights from memory as in a model.
    let bytes = rows * type.rowBytes(cols: cols)
    let copies = max(1, (Int(ProcessInfo.processInfo.environment["QB_PREFILL_BYTES"] ?? "") ?? 0) / bytes)
    let w = Weights(type: type, rows: rows, cols: cols, copies: copies)
    let x = UnsafeMutablePointer<Float>.allocate(capacity: tokens * cols)  // (tokens, cols)
    let y = UnsafeMutablePointer<Float>.allocate(capacity: tokens * rows)  // (tokens, rows)
    defer { x.deallocate(); y.deallocate() }
    for i in 0..<tokens * cols { x[i] = Float(i % 7) * 0.1 - 0.3 }
    let reps = max(1, 200_000_000 / (rows * cols * tokens))
    let t = best(runs: 5) {
        for r in 0..<reps { Kernels.matmul(w.matrices[r % copies], input: x, output: y, tokens: tokens, pool: pool) }
    }
    return 2 * Double(rows * cols * tokens * reps) / t / 1e9
}

let shapes = [(512, 1024), (1024, 512), (4096, 4096)]
let args = CommandLine.arguments.dropFirst()
if args.first == "gemm", args.count == 6 {
    // `quant-bench gemm M N K T|N THREADS`: the training GEMM, left operand transposed (T) or not.
    let v = Array(args)
    let m = Int(v[1])!, n = Int(v[2])!, k = Int(v[3])!, transposed = v[4] == "T"
    let pool = ThreadPool(threadCount: Int(v[5])!)
    let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k)  // (m, k) or (k, m)
    let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n)  // (k, n)
    let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)  // (m, n)
    for i in 0..<m * k { a[i] = Float(i % 7) * 0.1 }
    for i in 0..<k * n { b[i] = Float(i % 5) * 0.1 }
    let strided = transposed ? StridedMatrix(a, rowStride: 1, kStride: m) : StridedMatrix(a, rowStride: k, kStride: 1)
    let reps = max(1, 400_000_000 / (m * n * k))
    let g = (0..<5).map { _ in
        let t = best(runs: 3) {
            for _ in 0..<reps {
                Kernels.gemm(m: m, n: n, k: k, a: strided, b: b, ldb: n, c: c, ldc: n, accumulate: true, pool: pool)
            }
        }
        return 2 * Double(m * n * k * reps) / t / 1e9
    }.sorted()
    print("gemm \(m)x\(n)x\(k) \(transposed ? "T" : "N") threads \(pool.threadCount): \(String(format: "%.1f", g[2])) GFLOP/s")
    exit(0)
}
if args.first == "deltanet", args.count >= 2, let threads = Int(Array(args)[1]) {
    // `quant-bench deltanet THREADS [TOKENS...]`: tokens/s of one gated DeltaNet layer's delta
    // rule, both forms, at Qwen3-Next-80B's shape, over `layers` distinct states (as a model's
    // layers are; together larger than the L2 caches).
    let heads = DeltaNetHeads(keyHeads: 16, valueHeads: 32, keyDim: 128, valueDim: 128)
    let pool = ThreadPool(threadCount: threads), layers = 36, longest = 512
    /// `count` floats uniform in `low ... high`, 64-byte aligned as a `FloatBuffer` is.
    func filled(_ count: Int, _ low: Float, _ high: Float) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
        var state: UInt64 = 0x9E37_79B9
        for i in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            p[i] = low + (high - low) * Float(state >> 40) / Float(1 << 24)
        }
        return p
    }
    let query = filled(longest * heads.keyWidth, -1, 1), key = filled(longest * heads.keyWidth, -1, 1)  // (longest, keyWidth)
    let value = filled(longest * heads.valueWidth, -1, 1)  // (longest, valueWidth)
    let logDecay = filled(longest * heads.valueHeads, -1, 0), beta = filled(longest * heads.valueHeads, 0, 1)  // (longest, valueHeads)
    let states = filled(layers * heads.stateCount, -0.1, 0.1)  // (layers, valueHeads, keyDim, valueDim)
    let output = filled(longest * heads.valueWidth, 0, 0)  // (longest, valueWidth)
    typealias Form = (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                      UnsafePointer<Float>, Int, DeltaNetHeads, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                      ThreadPool) -> Void
    let forms: [(String, Form)] = [("recurrent", Kernels.gatedDeltaRuleRecurrent), ("chunked", Kernels.gatedDeltaRuleChunked)]
    print("gated delta rule, 16/32 heads x 128 x 128, \(layers) layer states, threads \(pool.threadCount): tokens/s per layer")
    let tokenCounts = args.count > 2 ? args.dropFirst(2).compactMap { Int($0) } : [1, 64, 512]
    for tokens in tokenCounts {
        var line = "  tokens \(tokens)".padding(toLength: 14, withPad: " ", startingAt: 0)
        for (name, run) in forms {
            let reps = max(4, 1024 / tokens)
            let t = best(runs: 5) {
                for r in 0..<reps {
                    run(query, key, value, logDecay, beta, tokens, heads, states + (r % layers) * heads.stateCount, output, pool)
                }
            }
            line += "  \(name) " + String(format: "%9.0f", Double(tokens * reps) / t)
        }
        print(line)
    }
    exit(0)
}
if args.first == "prefill", args.count == 6, let type = WeightType(rawValue: Array(args)[1]) {
    // `quant-bench prefill TYPE ROWS COLS TOKENS THREADS`: one prefill matmul shape.
    let n = args.dropFirst(2).compactMap { Int($0) }
    let pool = ThreadPool(threadCount: n[3])
    let g = (0..<5).map { _ in prefillGFLOPs(type, rows: n[0], cols: n[1], tokens: n[2], pool: pool) }.sorted()
    print("\(type) \(n[0])x\(n[1]) tokens \(n[2]) threads \(n[3]): \(String(format: "%.1f", g[2])) GFLOP/s (median of 5)")
    exit(0)
}
if args.first == "quantize", args.count == 2, let type = GGMLType.allCases.first(where: { $0.description == Array(args)[1] }) {
    // `quantize-bench quantize TYPE`: the reference quantiser (`moe quantize`'s) on one thread,
    // million weights per second of CPU time, median of 5 (random normal-ish weights).
    var state: UInt64 = 0x9E37_79B9
    let values = (0..<(1 << 20)).map { _ -> Float in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
    }
    var rates: [Double] = []
    for _ in 0..<5 {
        var t0 = timespec(), t1 = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0)
        _ = try GGMLQuants.quantize(values, to: type)
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1)
        let seconds = Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) * 1e-9
        rates.append(Double(values.count) / seconds / 1e6)
    }
    print("quantize \(type): \(String(format: "%.2f", rates.sorted()[2])) M weights/s per CPU second (1 thread)")
    exit(0)
}
if args.first == "forms", args.count == 5, let type = WeightType(rawValue: Array(args)[1]) {
    // `quant-bench forms TYPE ROWS COLS TOKENS`: every applicable `Kernels.matmul` form on one
    // thread, in alternating rounds, timed by the thread's CPU time (so other processes on a
    // busy machine do not count): median GFLOP/s per form.
    let n = args.dropFirst(2).compactMap { Int($0) }
    let (rows, cols, tokens) = (n[0], n[1], n[2])
    let pool = ThreadPool(threadCount: 1)
    var forms: [MatmulForm] = [.matvec, .panels, .dotProducts]
    if type.isBlockQuantized { forms.append(.matvecPerToken) }
    if [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .mxfp4].contains(type) { forms.append(.integerTiles) }
    let w = Weights(type: type, rows: rows, cols: cols, copies: 1)
    let x = UnsafeMutablePointer<Float>.allocate(capacity: tokens * cols)  // (tokens, cols)
    let y = UnsafeMutablePointer<Float>.allocate(capacity: tokens * rows)  // (tokens, rows)
    for i in 0..<tokens * cols { x[i] = Float(i % 7) * 0.1 - 0.3 }
    let reps = max(1, 100_000_000 / (rows * cols * tokens))
    func threadSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
    var samples = [MatmulForm: [Double]]()
    for _ in 0..<7 {
        for form in forms {
            let start = threadSeconds()
            for _ in 0..<reps { Kernels.matmul(w.matrices[0], input: x, output: y, tokens: tokens, form: form, pool: pool) }
            samples[form, default: []].append(2 * Double(rows * cols * tokens * reps) / (threadSeconds() - start) / 1e9)
        }
    }
    print("\(type) \(rows)x\(cols) tokens \(tokens), 1 thread, GFLOP/s per CPU second (median of 7):")
    for form in forms { print("  \(form.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(String(format: "%7.1f", samples[form]!.sorted()[3]))") }
    exit(0)
}
if let name = args.first, let type = WeightType(rawValue: name) {
    // `quant-bench TYPE [threads]`: only the decode matvec of one type (for profiling).
    let pool = ThreadPool(threadCount: args.dropFirst().first.flatMap { Int($0) } ?? 1)
    for (rows, cols) in shapes {
        print("\(type) \(rows)x\(cols): \(String(format: "%.1f", matvecGBs(type, rows: rows, cols: cols, pool: pool))) GB/s")
    }
    print("\(type) expert groups: \(String(format: "%.1f", expertGroupGBs(type, pool: pool))) GB/s")
    exit(0)
}
let threadCounts = args.compactMap { Int($0) }.isEmpty ? [1, 2] : args.compactMap { Int($0) }
let types = [WeightType.bf16] + WeightType.allCases.filter { $0.isBlockQuantized }

for threads in threadCounts {
    let pool = ThreadPool(threadCount: threads)
    print("threads \(threads): bandwidth \(String(format: "%.1f", MemoryBandwidth.measureRead(pool: pool))) GB/s")
    print("  decode matvec GB/s      " + shapes.map { "\($0.0)x\($0.1)".padding(toLength: 11, withPad: " ", startingAt: 0) }.joined())
    for type in types {
        let cells = shapes.map { String(format: "%11.1f", matvecGBs(type, rows: $0.0, cols: $0.1, pool: pool)) }
        print("    " + type.rawValue.padding(toLength: 21, withPad: " ", startingAt: 0) + cells.joined())
    }
    print("  MoE expert groups (4 experts' gate+up, then down) GB/s")
    for type in types {
        print("    " + type.rawValue.padding(toLength: 21, withPad: " ", startingAt: 0)
              + String(format: "%11.1f", expertGroupGBs(type, pool: pool)))
    }
    print("  prefill GFLOP/s         512x1024/16  512x1024/128  4096x4096/16  4096x4096/128")
    for type in types {
        let cells = [(512, 1024, 16), (512, 1024, 128), (4096, 4096, 16), (4096, 4096, 128)].map {
            String(format: "%13.1f", prefillGFLOPs(type, rows: $0.0, cols: $0.1, tokens: $0.2, pool: pool))
        }
        print("    " + type.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0) + cells.joined())
    }
}
