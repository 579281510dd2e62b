/// The fast kernels. Signatures put outputs first, then inputs, then sizes; shapes use T tokens, N output
/// rows, K input columns, C channels, FF feed-forward width, NH heads, NKV key/value heads, HS head size.
/// Every function here has a naive twin with the same signature in `NaiveKernel`, which the tests hold it to.
///
/// A decode step of an int8 Llama layer, with weights loaded once and buffers allocated once:
///
///     // load: wqkv = Q8Matrix(stacking: [wq, wk, wv]); wGateUp = Q8Matrix(stacking: [wGate, wUp])
///     Kernel.rmsNorm(x256, residual, attentionNorm, rows: 1, columns: C, epsilon: eps)  // f32 -> int8
///     Kernel.matMul(qkv, wqkv, x256, pool: pool)                      // q, k, v from one quantization
///     Kernel.rope(qkv, ropeTable, startPosition: p, tokens: 1, heads: NH + NKV, headSize: HS)
///     // copy k and v into the cache at position p
///     Kernel.attention(attended, qkv, keys, values, startPosition: p, tokens: 1,
///                      heads: NH, kvHeads: NKV, headSize: HS, pool: pool)
///     x256.quantize(attended, rows: 1); Kernel.matMul(projected, wo, x256, pool: pool)
///     // residual += projected
///     Kernel.rmsNorm(x256, residual, ffnNorm, rows: 1, columns: C, epsilon: eps)
///     Kernel.matMul(gateUp, wGateUp, x256, pool: pool)
///     Kernel.swiGLU(x768, gateUp, gateUp + FF, rows: 1, columns: FF)  // f32 -> int8
///     Kernel.matMul(projected, wDown, x768, pool: pool)               // residual += projected
///
/// Prefill is the same calls with T rows; `matMul` then reuses each weight load for up to 8 tokens.
/// The instruction set comes from `KernelPath.active` (CPUID, or `DISTILLERY_KERNELS`).
public enum Kernel {}

/// Plain loops with the same signatures as `Kernel`, the reference the fast kernels are tested against.
public enum NaiveKernel {}
