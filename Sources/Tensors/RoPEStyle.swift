/// Which pairs of a head's channels rotary position embedding turns together: the engine, the f32 reference
/// and the trainer all read it from the model's architecture.
public enum RoPEStyle: Sendable, Codable {
    /// (x[2i], x[2i+1]): llama.cpp's "normal" mode, used for LLaMA (its converter permutes Q/K to match).
    case adjacentPairs
    /// (x[i], x[i + R/2]): GPT-NeoX style, used by Gemma.
    case halves
}
