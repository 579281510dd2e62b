import Kernels

/// The arithmetic of a reference model's one-token forward, injected so that the forward reads as plain math
/// (llama2.c style) whatever rounds it: `PlainArithmetic` computes in f32; `LlamaCppArithmetic`
/// (LlamaCppParity/) rounds every step as llama.cpp's CPU backend does.
protocol ReferenceArithmetic {
    /// out[D] = W[D, N] · x[N]
    func product(_ out: UnsafeMutablePointer<Float>, _ w: Matrix, _ x: UnsafePointer<Float>)

    /// The arithmetic of the last layer's feed-forward block (llama.cpp runs it on fewer rows).
    var lastFeedForward: Self { get }

    /// Turns the first R channels of each of `heads` heads of x[heads, HS] by RoPE at `position` with `base`.
    func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int, base: Float, config: ModelConfig)

    /// A key or value row just written, as the KV cache keeps it.
    func cache(_ row: UnsafeMutablePointer<Float>, _ n: Int)

    /// out[NH, HS] = attention of q[NH, HS] over the cached positions the query at `position` sees.
    func attend(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, cache: KVCache, layer: Int,
                position: Int, window: Int?, state: InferenceState)

    /// gate[n] = gelu(gate) * up
    func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int)
}

/// f32 math over the dequantized weights: the mathematical reference.
struct PlainArithmetic: ReferenceArithmetic {
    /// Holds one position's RoPE angles.
    let cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>

    init(state: InferenceState) {
        cos = state.ropeCos.pointer
        sin = state.ropeSin.pointer
    }

    func product(_ out: UnsafeMutablePointer<Float>, _ w: Matrix, _ x: UnsafePointer<Float>) {
        BLAS.matvec(out, w.pointer, x, rows: w.rows, columns: w.columns)
    }

    var lastFeedForward: Self { self }

    func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int, base: Float, config: ModelConfig) {
        RoPETable.angles(cos: cos, sin: sin, position: position, base: base, dimensions: config.ropeDimensionCount)
        Kernel.rope(x, heads: heads, headSize: config.headSize, dimensions: config.ropeDimensionCount,
                    style: config.ropeStyle, cos: cos, sin: sin)
    }

    func cache(_ row: UnsafeMutablePointer<Float>, _ n: Int) {}

    func attend(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, cache: KVCache, layer: Int,
                position: Int, window: Int?, state: InferenceState) {
        Attention.attend(out, q, cache: cache, layer: layer, position: position, window: window, state: state)
    }

    func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) { Ops.geglu(gate, up, n) }
}
