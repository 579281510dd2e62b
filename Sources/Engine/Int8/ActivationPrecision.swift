/// How the int8 engine quantizes each row's activations before its products.
public enum ActivationPrecision: Sendable {
    /// One int8 block per 32 values with an f16 scale on every row: llama.cpp's Q8_0 arithmetic, which
    /// reproduces its log-probs on a first token to 1e-5.
    case q8_0
    /// Rows whose logits are read (every decoded token, a prompt's last, all rows when all logits are asked)
    /// add the correction term (`Q8Activations`): their activations carry ~16 bits, the rest of a prompt stays
    /// Q8_0. The logits then stay within 0.05 of the f32 reference's on the test fixture, where Q8_0 on every
    /// row (llama.cpp) is up to 0.1 away. Cost (Benchmarks/README.md): prefill none (one row per prompt), a
    /// one-sequence decode step ~8% (it mostly waits for weights), a step of 16 sequences up to 2x (bound by
    /// vpdpbusd, which the correction doubles).
    case correctedLogitRows
}

extension ActivationPrecision {
    /// "q8_0" or "corrected", as the command line spells them.
    public var name: String { self == .q8_0 ? "q8_0" : "corrected" }

    public init?(name: String) {
        switch name {
        case "q8_0": self = .q8_0
        case "corrected": self = .correctedLogitRows
        default: return nil
        }
    }
}
