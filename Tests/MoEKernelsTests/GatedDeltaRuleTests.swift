import Foundation
import XCTest
@testable import MoEKernels

/// Random inputs of the gated delta rule for `tokens` tokens.
private struct DeltaRuleInputs {
    let heads: DeltaNetHeads
    let tokens: Int
    /// `(tokens, keyHeads * keyDim)`
    let query: [Float]
    /// `(tokens, keyHeads * keyDim)`
    let key: [Float]
    /// `(tokens, valueHeads * valueDim)`
    let value: [Float]
    /// `(tokens, valueHeads)`, mostly mild decays with a few strong ones
    let logDecay: [Float]
    /// `(tokens, valueHeads)`
    let beta: [Float]

    init(_ heads: DeltaNetHeads, tokens: Int, rng: inout SplitMix64) {
        self.heads = heads
        self.tokens = tokens
        query = rng.floats(tokens * heads.keyWidth, in: -2...2)
        key = rng.floats(tokens * heads.keyWidth, in: -2...2)
        value = rng.floats(tokens * heads.valueWidth, in: -2...2)
        logDecay = (0..<tokens * heads.valueHeads).map { _ in
            rng.next() % 16 == 0 ? Float.random(in: -8 ... -1, using: &rng) : Float.random(in: -0.3...0, using: &rng)
        }
        beta = rng.floats(tokens * heads.valueHeads, in: 0...1)
    }

    /// Tokens `range` of these inputs.
    func slice(_ range: Range<Int>) -> DeltaRuleInputs {
        DeltaRuleInputs(heads: heads, tokens: range.count,
                        query: Array(query[(range.lowerBound * heads.keyWidth)..<(range.upperBound * heads.keyWidth)]),
                        key: Array(key[(range.lowerBound * heads.keyWidth)..<(range.upperBound * heads.keyWidth)]),
                        value: Array(value[(range.lowerBound * heads.valueWidth)..<(range.upperBound * heads.valueWidth)]),
                        logDecay: Array(logDecay[(range.lowerBound * heads.valueHeads)..<(range.upperBound * heads.valueHeads)]),
                        beta: Array(beta[(range.lowerBound * heads.valueHeads)..<(range.upperBound * heads.valueHeads)]))
    }

    /// These inputs with every log decay set to `logDecay`.
    func withLogDecay(_ logDecay: Float) -> DeltaRuleInputs {
        DeltaRuleInputs(heads: heads, tokens: tokens, query: query, key: key, value: value,
                        logDecay: [Float](repeating: logDecay, count: self.logDecay.count), beta: beta)
    }

    private init(heads: DeltaNetHeads, tokens: Int, query: [Float], key: [Float], value: [Float], logDecay: [Float], beta: [Float]) {
        self.heads = heads
        self.tokens = tokens
        self.query = query
        self.key = key
        self.value = value
        self.logDecay = logDecay
        self.beta = beta
    }
}

/// The entry points under test.
private enum DeltaRuleForm: CaseIterable {
    case recurrent, chunked, dispatched
}

final class GatedDeltaRuleTests: XCTestCase {
    /// Value heads twice the key heads; key and value widths that differ, 12 and 76 not
    /// multiples of 8 (76 = the recurrence's 64-column block, an 8-column one and a padded 4).
    private let shapes = [
        DeltaNetHeads(keyHeads: 2, valueHeads: 4, keyDim: 8, valueDim: 12),
        DeltaNetHeads(keyHeads: 1, valueHeads: 2, keyDim: 12, valueDim: 76),
    ]

    /// Largest relative L2 error of outputs and states, f32 against the Double reference or
    /// one f32 form against another (observed: below 1e-6).
    private let tolerance = 5e-6

    /// The recurrence transcribed in Double: per token and value head, L2-normalise the key
    /// head's q and k (q also times 1/sqrt(keyDim)), `S *= exp(g)`, `delta = beta (v - S^T k)`,
    /// `S += k delta^T`, `o = S^T q`. Returns `(tokens, valueHeads * valueDim)`; `state` is
    /// `(valueHeads, keyDim, valueDim)`.
    private func reference(_ x: DeltaRuleInputs, state: inout [Double]) -> [Double] {
        let heads = x.heads, dk = heads.keyDim, dv = heads.valueDim
        let group = heads.valueHeads / heads.keyHeads
        var output = [Double](repeating: 0, count: x.tokens * heads.valueWidth)
        func normalised(_ v: [Float], _ offset: Int) -> [Double] {
            let row = v[offset..<(offset + dk)].map(Double.init)
            let inv = 1 / (row.reduce(0) { $0 + $1 * $1 } + 1e-6).squareRoot()
            return row.map { $0 * inv }
        }
        for t in 0..<x.tokens {
            for h in 0..<heads.valueHeads {
                let keyOffset = t * heads.keyWidth + (h / group) * dk
                let k = normalised(x.key, keyOffset)
                let q = normalised(x.query, keyOffset).map { $0 / Double(dk).squareRoot() }
                let decay = Foundation.exp(Double(x.logDecay[t * heads.valueHeads + h]))
                let beta = Double(x.beta[t * heads.valueHeads + h])
                let s = h * dk * dv
                for i in 0..<dk * dv { state[s + i] *= decay }
                for j in 0..<dv {
                    var kv = 0.0
                    for i in 0..<dk { kv += state[s + i * dv + j] * k[i] }
                    let delta = beta * (Double(x.value[t * heads.valueWidth + h * dv + j]) - kv)
                    var o = 0.0
                    for i in 0..<dk {
                        state[s + i * dv + j] += k[i] * delta
                        o += state[s + i * dv + j] * q[i]
                    }
                    output[t * heads.valueWidth + h * dv + j] = o
                }
            }
        }
        return output
    }

    /// One call of `form` on `x`, updating `state`; returns the output.
    private func run(
        _ form: DeltaRuleForm, _ x: DeltaRuleInputs, state: inout [Float], pool: ThreadPool = TestPools.byThreads[2]!
    ) -> [Float] {
        var output = [Float](repeating: .nan, count: x.tokens * x.heads.valueWidth)
        state.withUnsafeMutableBufferPointer { s in
            output.withUnsafeMutableBufferPointer { o in
                let call = switch form {
                case .recurrent: Kernels.gatedDeltaRuleRecurrent
                case .chunked: Kernels.gatedDeltaRuleChunked
                case .dispatched: Kernels.gatedDeltaRule
                }
                call(x.query, x.key, x.value, x.logDecay, x.beta, x.tokens, x.heads, s.baseAddress!, o.baseAddress!, pool)
            }
        }
        return output
    }

    func testEachFormMatchesReference() {
        var rng = SplitMix64(seed: 70)
        for heads in shapes {
            for tokens in [1, 65, 130] {
                let x = DeltaRuleInputs(heads, tokens: tokens, rng: &rng)
                let fresh = [Float](repeating: 0, count: heads.stateCount)
                for start in tokens == 65 ? [fresh, rng.floats(heads.stateCount)] : [fresh] {
                    var expectedState = start.map(Double.init)
                    let expected = reference(x, state: &expectedState)
                    for form in DeltaRuleForm.allCases {
                        var state = start
                        let output = run(form, x, state: &state)
                        let label = "\(form) \(heads) tokens \(tokens)"
                        XCTAssertLessThan(relativeError(output, expected), tolerance, label)
                        XCTAssertLessThan(relativeError(state, expectedState), tolerance, label)
                    }
                }
            }
        }
    }

    func testNoDecayAndDecaysThatVanish() {
        var rng = SplitMix64(seed: 75)
        let heads = shapes[1], tokens = 70
        let random = DeltaRuleInputs(heads, tokens: tokens, rng: &rng)
        for logDecay: Float in [0, -0.01, -20, -100] {
            let x = random.withLogDecay(logDecay)
            let start = rng.floats(heads.stateCount)
            var expectedState = start.map(Double.init)
            let expected = reference(x, state: &expectedState)
            for form in [DeltaRuleForm.recurrent, .chunked] {
                var state = start
                let output = run(form, x, state: &state)
                XCTAssertLessThan(relativeError(output, expected), tolerance, "\(form) g \(logDecay)")
                XCTAssertLessThan(relativeError(state, expectedState), tolerance, "\(form) g \(logDecay)")
            }
        }
    }

    func testChunkedEqualsRecurrentAtChunkBoundaries() {
        var rng = SplitMix64(seed: 71)
        for heads in shapes {
            for tokens in [1, 63, 64, 65, 130, 200] {
                let x = DeltaRuleInputs(heads, tokens: tokens, rng: &rng)
                let start = rng.floats(heads.stateCount)
                var recurrentState = start, chunkedState = start
                let recurrent = run(.recurrent, x, state: &recurrentState)
                let chunked = run(.chunked, x, state: &chunkedState)
                let label = "\(heads) tokens \(tokens)"
                XCTAssertLessThan(relativeError(chunked, recurrent.map(Double.init)), tolerance, label)
                XCTAssertLessThan(relativeError(chunkedState, recurrentState.map(Double.init)), tolerance, label)
            }
        }
    }

    func testPrefillInTwoPiecesEqualsOnePiece() {
        var rng = SplitMix64(seed: 72)
        for heads in shapes {
            let x = DeltaRuleInputs(heads, tokens: 140, rng: &rng)
            let start = rng.floats(heads.stateCount)
            for form in [DeltaRuleForm.chunked, .dispatched] {
                var wholeState = start
                let whole = run(form, x, state: &wholeState)
                for split in [64, 70] {
                    var state = start
                    let pieces = run(form, x.slice(0..<split), state: &state) + run(form, x.slice(split..<140), state: &state)
                    let label = "\(form) \(heads) split \(split)"
                    XCTAssertLessThan(relativeError(pieces, whole.map(Double.init)), tolerance, label)
                    XCTAssertLessThan(relativeError(state, wholeState.map(Double.init)), tolerance, label)
                }
            }
        }
    }

    func testDecodeTokenByTokenEqualsPrefill() {
        var rng = SplitMix64(seed: 73)
        for heads in shapes {
            let x = DeltaRuleInputs(heads, tokens: 100, rng: &rng)
            var state = [Float](repeating: 0, count: heads.stateCount)
            var decoded = run(.dispatched, x.slice(0..<70), state: &state)
            for t in 70..<100 { decoded += run(.dispatched, x.slice(t..<t + 1), state: &state) }
            for form in [DeltaRuleForm.dispatched, .chunked] {
                var prefillState = [Float](repeating: 0, count: heads.stateCount)
                let prefill = run(form, x, state: &prefillState)
                XCTAssertLessThan(relativeError(decoded, prefill.map(Double.init)), tolerance, "\(form) \(heads)")
                XCTAssertLessThan(relativeError(state, prefillState.map(Double.init)), tolerance, "\(form) \(heads)")
            }
        }
    }

    func testResultsDoNotDependOnThreadCount() {
        var rng = SplitMix64(seed: 74)
        let heads = shapes[0]
        for tokens in [3, 100] {
            let x = DeltaRuleInputs(heads, tokens: tokens, rng: &rng)
            let start = rng.floats(heads.stateCount)
            for form in [DeltaRuleForm.recurrent, .chunked] {
                var serialState = start
                let serial = run(form, x, state: &serialState, pool: TestPools.byThreads[1]!)
                for pool in TestPools.all {
                    var state = start
                    XCTAssertEqual(run(form, x, state: &state, pool: pool), serial, "\(form) threads \(pool.threadCount)")
                    XCTAssertEqual(state, serialState, "\(form) threads \(pool.threadCount)")
                }
            }
        }
    }
}
