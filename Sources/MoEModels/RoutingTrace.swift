/// Collects which experts each MoE layer chose, for load statistics (`moe bench`, training
/// health) and for tests of the routing itself.
public final class RoutingTrace: @unchecked Sendable {
    /// Per layer, per expert: how many token slots chose it. `(layers, experts)`
    public private(set) var counts: [[Int]]
    /// Per layer: the chosen experts of the most recent forward pass, `(tokens * topK)`.
    public private(set) var lastChoice: [[Int]]

    /// An empty trace for `layers` layers of `experts` experts.
    public init(layers: Int, experts: Int) {
        counts = Array(repeating: Array(repeating: 0, count: experts), count: layers)
        lastChoice = Array(repeating: [], count: layers)
    }

    /// Adds one forward pass's choices for `layer`.
    func record(layer: Int, experts: [Int], topK: Int) {
        lastChoice[layer] = experts
        for e in experts { counts[layer][e] += 1 }
    }

    /// Balance statistics of every layer that routed at least one token.
    public var loads: [(layer: Int, load: ExpertLoad)] {
        counts.enumerated().filter { $0.element.reduce(0, +) > 0 }.map { ($0.offset, ExpertLoad(counts: $0.element)) }
    }
}
