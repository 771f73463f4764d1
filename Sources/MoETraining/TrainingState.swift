import Foundation
import MoEFormats
import MoEKernels

/// The optimizer, RNG and settings part of a checkpoint (what `--resume` needs beyond the
/// weights).
enum TrainingState {
    /// Writes AdamW's moments and the router biases as `training_state.safetensors`.
    static func writeTensors(_ t: Trainer, to folder: String) throws {
        let count = t.model.params.count
        let bias = t.model.routerBias.flatMap { $0 }
        var tensors = [
            TensorData(name: "adamw.m", dtype: .F32, shape: [count], bytes: TensorCoding.f32Bytes(t.optimizer.m.base, count: count)),
            TensorData(name: "adamw.v", dtype: .F32, shape: [count], bytes: TensorCoding.f32Bytes(t.optimizer.v.base, count: count)),
        ]
        if !bias.isEmpty {
            let bytes = bias.withUnsafeBufferPointer { p in p.baseAddress.map { TensorCoding.f32Bytes($0, count: bias.count) } ?? [] }
            tensors.append(TensorData(name: "router_bias", dtype: .F32, shape: [bias.count], bytes: bytes))
        }
        try SafetensorsWriter.write(tensors, to: folder + "/training_state.safetensors")
    }

    /// Writes step, RNG state and the run's settings as `training_state.json`.
    static func writeJSON(_ t: Trainer, to folder: String) throws {
        let c = t.config, s = c.shape, l = c.loss
        let fields: [(String, String)] = [
            ("step", "\(t.step)"), ("data_rng_state", "\"\(t.dataRNG.state)\""), ("seed", "\"\(c.seed)\""),
            ("vocab_size", "\(s.vocabSize)"), ("hidden", "\(s.hidden)"), ("layers", "\(s.layers)"), ("heads", "\(s.heads)"),
            ("kv_heads", "\(s.kvHeads)"), ("head_dim", "\(s.headDim)"), ("ffn_hidden", "\(s.ffnHidden)"),
            ("experts", "\(s.experts)"), ("top_k", "\(s.topK)"), ("shared_expert_hidden", "\(s.sharedExpertHidden)"),
            ("context", "\(s.context)"),
            ("rope_theta", "\(s.ropeTheta)"), ("rms_norm_eps", "\(s.rmsNormEps)"),
            ("aux_loss_coef", "\(l.auxLossCoef)"), ("z_loss_coef", "\(l.zLossCoef)"), ("balance", "\"\(l.balance.rawValue)\""),
            ("pooled_aux_loss", "\(l.pooledAuxLoss)"), ("capacity_factor", l.capacityFactor.map { "\($0)" } ?? "null"),
            ("bias_update_rate", "\(l.biasUpdateRate)"),
            ("steps", "\(c.steps)"), ("batch", "\(c.batch)"), ("seq", "\(c.seq)"), ("grad_accum", "\(c.gradAccum)"),
            ("lr", "\(c.lr)"), ("warmup", "\(c.warmup)"), ("min_lr_ratio", "\(c.minLRRatio)"),
            ("weight_decay", "\(c.weightDecay)"), ("beta1", "\(c.beta1)"), ("beta2", "\(c.beta2)"),
            ("grad_clip", "\(c.gradClip)"), ("init_std", "\(c.initStd)"),
        ]
        let text = "{\n" + fields.map { "  \(JSONEncoding.quoted($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
        try FileIO.writeAtomically(text, to: folder + "/training_state.json")
    }

    private static func json(_ folder: String) throws -> [String: Any] {
        let path = folder + "/training_state.json"
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw TrainingError.checkpoint("cannot read \(path)") }
        return json
    }

    /// The settings saved in `folder`.
    static func readConfig(folder: String) throws -> TrainingConfig {
        let j = try json(folder)
        func int(_ k: String) throws -> Int {
            guard let v = j[k] as? Int else { throw TrainingError.checkpoint("training_state.json: \(k) missing") }
            return v
        }
        func float(_ k: String) throws -> Float {
            guard let v = j[k] as? Double else { throw TrainingError.checkpoint("training_state.json: \(k) missing") }
            return Float(v)
        }
        guard let seedText = j["seed"] as? String, let seed = UInt64(seedText),
              let balanceText = j["balance"] as? String, let balance = BalanceMode(rawValue: balanceText),
              let pooled = j["pooled_aux_loss"] as? Bool, let theta = j["rope_theta"] as? Double
        else { throw TrainingError.checkpoint("training_state.json: seed, balance, pooled_aux_loss or rope_theta malformed") }
        let shape = ModelShape(vocabSize: try int("vocab_size"), hidden: try int("hidden"), layers: try int("layers"),
                               heads: try int("heads"), kvHeads: try int("kv_heads"), headDim: try int("head_dim"),
                               ffnHidden: try int("ffn_hidden"), experts: try int("experts"), topK: try int("top_k"),
                               sharedExpertHidden: j["shared_expert_hidden"] as? Int ?? 0, context: try int("context"),
                               ropeTheta: theta, rmsNormEps: try float("rms_norm_eps"))
        let loss = LossOptions(auxLossCoef: try float("aux_loss_coef"), zLossCoef: try float("z_loss_coef"), balance: balance,
                               pooledAuxLoss: pooled, capacityFactor: (j["capacity_factor"] as? Double).map(Float.init),
                               biasUpdateRate: try float("bias_update_rate"))
        return TrainingConfig(shape: shape, loss: loss, steps: try int("steps"), batch: try int("batch"), seq: try int("seq"),
                              gradAccum: try int("grad_accum"), lr: try float("lr"), warmup: try int("warmup"),
                              minLRRatio: try float("min_lr_ratio"), weightDecay: try float("weight_decay"),
                              beta1: try float("beta1"), beta2: try float("beta2"), gradClip: try float("grad_clip"),
                              initStd: try float("init_std"), seed: seed)
    }

    /// Restores the optimizer, step, RNG and router biases saved in `folder` into `t`.
    static func restore(_ t: Trainer, folder: String) throws {
        let j = try json(folder)
        guard let step = j["step"] as? Int, let rngText = j["data_rng_state"] as? String, let rng = UInt64(rngText) else {
            throw TrainingError.checkpoint("training_state.json: step or data_rng_state malformed")
        }
        let store = try TensorStore(file: folder + "/training_state.safetensors")
        let count = t.model.params.count
        for (name, buffer) in [("adamw.m", t.optimizer.m), ("adamw.v", t.optimizer.v)] {
            guard let view = store.tensor(name), view.shape == [count] else {
                throw TrainingError.checkpoint("training_state.safetensors: \(name) missing or of the wrong size")
            }
            try TensorCoding.decode(view, into: buffer.base)
        }
        if t.config.shape.isMoE {
            let s = t.config.shape
            guard let view = store.tensor("router_bias"), view.shape == [s.layers * s.experts] else {
                throw TrainingError.checkpoint("training_state.safetensors: router_bias missing")
            }
            var flat = [Float](repeating: 0, count: s.layers * s.experts)
            try flat.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                try TensorCoding.decode(view, into: base)
            }
            t.model.routerBias = (0..<s.layers).map { Array(flat[$0 * s.experts..<($0 + 1) * s.experts]) }
        }
        t.optimizer.step = step
        t.dataRNG = SplitMix64(seed: rng)
    }
}
