/// Training MoE and dense transformers from scratch: forward and backward passes, AdamW, load balancing.
public enum MoETraining {}
