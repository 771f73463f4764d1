/// How routers are kept balanced.
public enum BalanceMode: String, Sendable, CaseIterable {
    /// Switch/transformers auxiliary load-balancing loss.
    case aux
    /// DeepSeek-V3 auxiliary-loss-free balancing: a per-expert bias added to the scores used
    /// for selection (not to the mixing weights), nudged after every step toward equal load.
    case bias
    /// No balancing.
    case none
}

/// The terms of the training loss beyond cross-entropy, and routing options.
public struct LossOptions: Sendable, Equatable {
    /// Coefficient of the load-balancing loss (used with `.aux`).
    public var auxLossCoef: Float
    /// Coefficient of the router z-loss `mean(logsumexp(z)^2)`.
    public var zLossCoef: Float
    /// Balancing method.
    public var balance: BalanceMode
    /// Pool `f` and `P` over all layers before the product, as transformers'
    /// `load_balancing_loss_func` does; otherwise the loss is the mean of per-layer losses.
    public var pooledAuxLoss: Bool
    /// If set, each expert takes at most `ceil(capacityFactor * tokens * topK / experts)`
    /// assignments per layer, in token order; the rest are dropped (their weight is lost).
    public var capacityFactor: Float?
    /// Bias step of `.bias` balancing.
    public var biasUpdateRate: Float

    /// Creates options; the defaults are the trainer's defaults.
    public init(auxLossCoef: Float = 0.01, zLossCoef: Float = 0.001, balance: BalanceMode = .aux,
                pooledAuxLoss: Bool = false, capacityFactor: Float? = nil, biasUpdateRate: Float = 0.001) {
        self.auxLossCoef = auxLossCoef
        self.zLossCoef = zLossCoef
        self.balance = balance
        self.pooledAuxLoss = pooledAuxLoss
        self.capacityFactor = capacityFactor
        self.biasUpdateRate = biasUpdateRate
    }

    /// The aux coefficient in effect (0 unless balancing by the aux loss).
    var effectiveAuxCoef: Float { balance == .aux ? auxLossCoef : 0 }
}
