/// How a router turns its logits into the chosen experts and their mixing weights
/// (DESIGN.md §3).
public enum RoutingRule: Sendable, Equatable {
    /// Softmax over all experts, keep the top k; if `renormalize`, divide the kept
    /// probabilities by their sum (Mixtral always; Qwen-MoE / OLMoE per `norm_topk_prob`).
    case softmaxTopK(renormalize: Bool)
    /// Keep the top k logits, softmax over just those (Granite-MoE).
    case topKSoftmax
    /// DeepSeek's routing: scores per ``GroupedRouting/Scoring``, experts chosen (by score
    /// plus selection bias) among the best `topGroups` of `groups` equal groups, weighted by
    /// their unbiased scores, optionally renormalised, times a scaling factor.
    case grouped(GroupedRouting)
}

/// DeepSeek-V2/V3 routing (DESIGN.md §3): the scores, the group limit and the weights' scale.
public struct GroupedRouting: Sendable, Equatable {
    /// How router logits become scores.
    public enum Scoring: Sendable, Equatable {
        /// `sigmoid(logit)` per expert (DeepSeek-V3).
        case sigmoid
        /// Softmax over all experts (DeepSeek-V2).
        case softmax
    }

    /// How a group of experts is scored when choosing groups.
    public enum GroupScore: Sendable, Equatable {
        /// The sum of its two best (biased) scores (DeepSeek-V3).
        case sumOfTopTwo
        /// Its best score (DeepSeek-V2's `group_limited_greedy`).
        case max
    }

    /// Score function.
    public var scoring: Scoring
    /// Equal groups the experts are split into, in order (`n_group`; 1 = no group limit).
    public var groups: Int
    /// Groups whose experts may be chosen (`topk_group`).
    public var topGroups: Int
    /// Group scoring.
    public var groupScore: GroupScore
    /// Whether the chosen experts' scores are divided by their sum (`norm_topk_prob`).
    public var renormalize: Bool
    /// Multiplier of the weights (`routed_scaling_factor`).
    public var scale: Float

    /// A rule choosing among `topGroups` of `groups` groups.
    public init(scoring: Scoring, groups: Int, topGroups: Int, groupScore: GroupScore, renormalize: Bool, scale: Float) {
        self.scoring = scoring
        self.groups = groups
        self.topGroups = topGroups
        self.groupScore = groupScore
        self.renormalize = renormalize
        self.scale = scale
    }
}

/// The sparse feed-forward block's shape and routing.
public struct MoEConfig: Sendable, Equatable {
    /// Routed experts per MoE layer.
    public var expertCount: Int
    /// Experts each token is sent to.
    public var topK: Int
    /// Hidden size of one routed expert's SwiGLU.
    public var expertIntermediateSize: Int
    /// Hidden size of the always-on shared expert, if the family has one.
    public var sharedExpertIntermediateSize: Int?
    /// Whether the shared expert's output is scaled by `sigmoid(shared_expert_gate . x)`.
    public var sharedExpertGated: Bool
    /// Routing variant.
    public var routing: RoutingRule
    /// Whether the router's linear layer has a bias (`<router>.bias`, GPT-OSS), added to the
    /// logits before routing.
    public var routerBias = false
    /// The routed experts' feed-forward.
    public var expertActivation = ExpertActivation.swiGLU
    /// Whether the routed experts' matrices are stored in MXFP4 (`<name>_blocks` +
    /// `<name>_scales`, a config whose `quantization_config.quant_method` is `mxfp4`).
    public var expertsMXFP4 = false

    /// A block of `expertCount` experts of width `expertIntermediateSize`, `topK` per token.
    public init(expertCount: Int, topK: Int, expertIntermediateSize: Int, sharedExpertIntermediateSize: Int? = nil,
                sharedExpertGated: Bool = false, routing: RoutingRule) {
        self.expertCount = expertCount
        self.topK = topK
        self.expertIntermediateSize = expertIntermediateSize
        self.sharedExpertIntermediateSize = sharedExpertIntermediateSize
        self.sharedExpertGated = sharedExpertGated
        self.routing = routing
    }
}
