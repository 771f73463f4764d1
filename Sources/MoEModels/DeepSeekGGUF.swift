extension ModelConfig {
    /// DeepSeek-V2/V3 as llama.cpp's `deepseek2` files describe them: the latent attention
    /// shape (`attention.{q,kv}_lora_rank`, `attention.key_length_mla` / `value_length_mla`,
    /// or in older files `attention.key_length` / `value_length`), interleaved rotary pairs,
    /// `leading_dense_block_count`, shared experts (`expert_shared_count` x
    /// `expert_feed_forward_length`), routing as llama.cpp runs it (`expert_gating_func`: 1
    /// softmax, 2 sigmoid; groups `expert_group_count` / `expert_group_used_count` scored by
    /// their two best experts; `expert_weights_norm`, `expert_weights_scale`) and YaRN with
    /// DeepSeek's softmax mscale (`rope.scaling.yarn_log_multiplier` = 0.1 x `mscale_all_dim`).
    mutating func readDeepSeek(gguf f: GGUFFields) throws {
        let rope = try f.int("rope.dimension_count")
        let key = f.optionalInt("attention.key_length_mla") ?? f.optionalInt("attention.key_length") ?? 0
        let value = f.optionalInt("attention.value_length_mla") ?? f.optionalInt("attention.value_length") ?? 0
        guard rope % 2 == 0, key > rope else {
            throw f.fail("attention.key_length_mla", "expected more than rope.dimension_count (\(rope)), even rotary part; found \(key)")
        }
        guard value > 0 else { throw f.fail("attention.value_length_mla", "missing or not a positive size") }
        // V2-Lite files carry no q_lora_rank; a file with attn_q_a has a query bottleneck of its rows.
        var queryRank = f.optionalInt("attention.q_lora_rank").flatMap { $0 > 0 ? $0 : nil }
        if queryRank == nil, let t = f.file.tensor(named: "blk.0.attn_q_a.weight"), t.shape.count == 2 { queryRank = t.shape[0] }
        useLatentAttention(LatentAttentionConfig(
            queryRank: queryRank, latentRank: try f.int("attention.kv_lora_rank"), noPositionDim: key - rope, ropeDim: rope,
            valueDim: value))
        ropeInterleaved = true
        if case .yarn(var yarn) = self.rope.scaling {
            // llama.cpp's deepseek2 leaves cos/sin unscaled unless the file says otherwise, and
            // multiplies the softmax scale by mscale(factor, mscale_all_dim)^2.
            let mscaleAllDim = (f.double("rope.scaling.yarn_log_multiplier") ?? 0) / 0.1
            yarn.mscale = mscaleAllDim
            yarn.mscaleAllDim = mscaleAllDim
            yarn.explicitAttentionFactor = f.double("rope.scaling.yarn_attn_factor")
            self.rope.scaling = .yarn(yarn)
            attentionScale *= Float(yarn.softmaxScaleFactor)
        }
        guard var block = moe else { return }
        let shared = f.optionalInt("expert_shared_count") ?? 0
        block.sharedExpertIntermediateSize = shared > 0 ? shared * block.expertIntermediateSize : nil
        block.sharedExpertGated = false
        let groups = f.optionalInt("expert_group_count") ?? 1
        let used = f.optionalInt("expert_group_used_count") ?? groups
        guard groups >= 1, block.expertCount % groups == 0, block.expertCount / groups >= (groups > 1 ? 2 : 1) else {
            throw f.fail("expert_group_count", "must divide the \(block.expertCount) experts into groups of at least 2, found \(groups)")
        }
        guard (1...groups).contains(used), block.topK <= used * (block.expertCount / groups) else {
            throw f.fail("expert_group_used_count", "expected 1...\(groups) groups holding at least expert_used_count (\(block.topK)) experts, found \(used)")
        }
        let gating = f.optionalInt("expert_gating_func") ?? 1
        guard gating == 1 || gating == 2 else {
            throw f.fail("expert_gating_func", "unsupported gating function \(gating) (supported: 1 softmax, 2 sigmoid)")
        }
        if gating == 1 { modelType = "deepseek_v2" }
        block.routing = .grouped(GroupedRouting(
            scoring: gating == 2 ? .sigmoid : .softmax, groups: groups, topGroups: used, groupScore: .sumOfTopTwo,
            renormalize: f.bool("expert_weights_norm") ?? false, scale: Float(f.double("expert_weights_scale") ?? 1)))
        moe = block
    }
}
