import GGUF
import Kernels
import Tensors

/// How a model of this module rounds its intermediate values and which kernels run its weight products.
public enum Numerics: Sendable {
    /// f32 everywhere over the dequantized weights: the mathematical reference.
    case float32
    /// llama.cpp's CPU arithmetic (x86 with AVX-512, as its release builds run here), operation for operation, to
    /// compare with its outputs to the last bit: each weight product quantizes its input to the weight's dot-product
    /// format (Q8_0 for Q8_0/Q5_0 weights, Q8_K for K-quants) and sums in ggml's kernel order, which depends on the
    /// batch (`GGMLBatchRow`); keys and values are stored as f16; attention runs ggml's flash-attention kernels
    /// (one-query below 64 batch rows, tiled above); GELU goes through ggml's f16 table; RMSNorm sums in double and
    /// RoPE is fused as GCC compiles it. Tested to reproduce llama.cpp's log-probs to 1e-3 and its greedy ids on the
    /// student fixture and on the Gemma 3 teacher. The batched forward runs token by token in this mode, each
    /// token rounded as its row of llama.cpp's batch would be.
    case ggml

    /// The arithmetic of one token's forward; `batchRow` places it in llama.cpp's batch (`.ggml` only).
    func arithmetic(state: InferenceState, batchRow: GGMLBatchRow = .alone) -> any ReferenceArithmetic {
        switch self {
        case .float32: PlainArithmetic(state: state)
        case .ggml: LlamaCppArithmetic(state: state, batchRow: batchRow)
        }
    }

    /// Whether the weight loader keeps the file's K-quant blocks beside the f32 values.
    var keepsFileBlocks: Bool { self == .ggml }
}

/// What ggml does to an activation vector before its dot products with one weight type.
enum ActivationRounding: Sendable {
    case none, f16, bf16, q8_0, q8_K

    init(weightType: GGMLType) {
        switch weightType {
        case .f16: self = .f16
        case .bf16: self = .bf16
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1: self = .q8_0
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: self = .q8_K
        default: self = .none
        }
    }

    /// out[n] = x[n] as the dot product will see it. `n` is a multiple of the block size (checked at load).
    func round(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        switch self {
        case .none: out.update(from: x, count: n)
        case .f16: for i in 0..<n { out[i] = Float(Float16(x[i])) }
        case .bf16: for i in 0..<n { out[i] = Quantization.bf16ToFloat(Quantization.floatToBF16(x[i])) }
        case .q8_0: for b in 0..<n / 32 { Self.roundQ8_0(out + 32 * b, x + 32 * b) }
        case .q8_K: for b in 0..<n / 256 { Self.roundQ8_K(out + 256 * b, x + 256 * b) }
        }
    }

    /// ggml's x86 quantize_row_q8_0: scale max|x|/127 stored as f16, q = round-half-even(x * 127/max|x|).
    private static func roundQ8_0(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>) {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = Float(Float16(amax / 127))
        let inverse: Float = amax != 0 ? 127 / amax : 0
        for j in 0..<32 { out[j] = (x[j] * inverse).rounded(.toNearestOrEven) * d }
    }

    /// ggml's quantize_row_q8_K_ref: the signed extreme maps to -127, f32 scale, q clamped to 127.
    private static func roundQ8_K(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>) {
        let block = KQuantDotLikeGGML.Q8KRow(x, count: 256)
        for j in 0..<256 { out[j] = Float(block.quants[j]) * block.scales[0] }
    }
}

extension SIMD16 where Scalar == Float {
    /// The lanes summed as `_mm512_reduce_add_ps` adds them: halves added until one lane is left.
    var halvingSum: Float { (lowHalf + highHalf).halvingSum }
}

extension SIMD8 where Scalar == Float {
    /// The lanes summed as ggml's `hsum_float_8` adds them: halves added until one lane is left.
    var halvingSum: Float {
        let four = lowHalf + highHalf, two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}
