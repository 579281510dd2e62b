/// How llama-server batches a prompt, which decides llama.cpp's rounding (its kernels depend on the batch size).
/// A model with sliding-window layers is prefilled in pieces that stop 516 and 4 tokens before the prompt's end,
/// where the server checkpoints its cache (server-context.cpp, `checkpoint_offsets`, llama.cpp 0.3.36); other
/// models in one batch (of 512-token ubatches, which `Numerics.ggml` follows on its own).
public enum LlamaServerBatching {
    /// The prompt positions where llama-server starts a new batch.
    public static func promptCuts(promptLength count: Int, config: ModelConfig) -> [Int] {
        guard config.slidingWindow != nil, config.localLayers.contains(true) else { return [] }
        return [count - 516, count - 4].filter { $0 > 0 }
    }
}
