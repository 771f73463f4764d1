import MoEKernels
@testable import MoETraining
import XCTest

/// Backward passes against central finite differences of the loss.
///
/// The model computes in f32, so each check is a directional derivative: a random direction
/// over one tensor (which sums many gradient entries into a number well above f32 noise),
/// with a step of unit norm times `eps`, small enough that no top-k choice flips.
final class GradientCheckTests: XCTestCase {
    func testMoEGradientsMatchFiniteDifferences() throws {
        try check(TestModels.moeShape, options: LossOptions(auxLossCoef: 0.1, zLossCoef: 0.01))
    }

    func testPooledAuxLossGradientsMatchFiniteDifferences() throws {
        try check(TestModels.moeShape, options: LossOptions(auxLossCoef: 0.5, zLossCoef: 0, pooledAuxLoss: true))
    }

    func testCapacityDroppingGradientsMatchFiniteDifferences() throws {
        try check(TestModels.moeShape, options: LossOptions(auxLossCoef: 0.01, capacityFactor: 0.6))
    }

    func testSharedExpertGradientsMatchFiniteDifferences() throws {
        let names = LayerTensorNames(layer: 1, layout: .qwen2MoE)
        let layout = ParameterLayout(shape: TestModels.sharedExpertShape)
        for name in [names.sharedExpert.gate, names.sharedExpert.up, names.sharedExpert.down, names.sharedExpertGate] {
            XCTAssertNotNil(layout.slot(name), name)
        }
        try check(TestModels.sharedExpertShape, options: LossOptions(auxLossCoef: 0.1, zLossCoef: 0.01))
    }

    func testSharedExpertWithCapacityDroppingGradientsMatchFiniteDifferences() throws {
        try check(TestModels.sharedExpertShape, options: LossOptions(auxLossCoef: 0.01, capacityFactor: 0.6))
    }

    func testDenseGradientsMatchFiniteDifferences() throws {
        try check(TestModels.denseShape, options: LossOptions())
    }

    private func check(_ shape: ModelShape, options: LossOptions) throws {
        let model = try TestModels.model(shape, options: options)
        let (inputs, targets) = TestModels.batch(vocab: shape.vocabSize, batch: 2, seq: 6)
        _ = try model.forward(inputs: inputs, targets: targets, batch: 2, seq: 6)
        let routing = model.moeActivations.map(\.chosen)
        model.grads.zero()
        model.backward()
        var rng = SplitMix64(seed: 99)
        let eps: Float = 1e-2
        for slot in model.params.layout.slots {
            let p = model.params.base + slot.offset, g = model.grads.base + slot.offset
            let raw = (0..<slot.count).map { _ in Float(rng.nextNormal()) }
            let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let direction = raw.map { $0 / norm }
            var analytic: Double = 0
            for i in 0..<slot.count { analytic += Double(direction[i]) * Double(g[i]) }
            let saved = Array(UnsafeBufferPointer(start: p, count: slot.count))
            for i in 0..<slot.count { p[i] = saved[i] + eps * direction[i] }
            let plus = try model.forward(inputs: inputs, targets: targets, batch: 2, seq: 6).total
            XCTAssertEqual(model.moeActivations.map(\.chosen), routing, "\(slot.name): routing flipped")
            for i in 0..<slot.count { p[i] = saved[i] - eps * direction[i] }
            let minus = try model.forward(inputs: inputs, targets: targets, batch: 2, seq: 6).total
            for i in 0..<slot.count { p[i] = saved[i] }
            let numeric = (Double(plus) - Double(minus)) / (2 * Double(eps))
            let tolerance = 1e-2 * abs(analytic) + 5e-5
            XCTAssertEqual(numeric, analytic, accuracy: tolerance, "\(slot.name)")
        }
    }
}
