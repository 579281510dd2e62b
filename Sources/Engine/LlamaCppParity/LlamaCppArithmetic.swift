import GGUF
import Kernels
import Tensors

/// llama.cpp's CPU arithmetic for one token, operation for operation (`Numerics.ggml`): each weight product
/// quantizes its input to the weight's dot-product format and sums in ggml's kernel order, which depends on
/// where the token sits in llama.cpp's batch; keys and values are stored as f16; attention runs ggml's
/// flash-attention kernels; GELU goes through ggml's f16 table; RoPE builds its angles and rotates as ggml does.
struct LlamaCppArithmetic: ReferenceArithmetic {
    /// [max(C, NH * HS, FF, 2 * HS)] inputs rounded as ggml would.
    let scratch: UnsafeMutablePointer<Float>
    let cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>
    let batchRow: GGMLBatchRow
    /// Where llama.cpp's batch holds this row, which picks its K-quant kernel.
    let productRow: KQuantDotLikeGGML.BatchRow

    init(state: InferenceState, batchRow: GGMLBatchRow) {
        scratch = state.rounded.pointer
        cos = state.ropeCos.pointer
        sin = state.ropeSin.pointer
        self.batchRow = batchRow
        productRow = batchRow.row
    }

    private init(_ other: Self, productRow: KQuantDotLikeGGML.BatchRow) {
        scratch = other.scratch
        cos = other.cos
        sin = other.sin
        batchRow = other.batchRow
        self.productRow = productRow
    }

    var lastFeedForward: Self { Self(self, productRow: batchRow.lastFeedForwardRow) }

    func product(_ out: UnsafeMutablePointer<Float>, _ w: Matrix, _ x: UnsafePointer<Float>) {
        if let bytes = w.fileBlocks, w.fileType == .q4_K || w.fileType == .q6_K {
            let input = KQuantDotLikeGGML.Q8KRow(x, count: w.columns)
            let rowBytes = w.columns / w.fileType.blockSize * w.fileType.bytesPerBlock
            bytes.withUnsafeBytes { blocks in
                for row in 0..<w.rows {
                    let r = blocks.baseAddress! + row * rowBytes
                    out[row] = w.fileType == .q4_K ? KQuantDotLikeGGML.dotQ4_K(r, input, in: productRow)
                                                   : KQuantDotLikeGGML.dotQ6_K(r, input, in: productRow)
                }
            }
            return
        }
        let rounding = ActivationRounding(weightType: w.fileType)
        var input = x
        if rounding != .none {
            rounding.round(scratch, x, w.columns)
            input = UnsafePointer(scratch)
        }
        if rounding == .q8_0 {
            for row in 0..<w.rows { out[row] = Self.dotLikeGGMLQ8_0(w.pointer + row * w.columns, input, w.columns) }
        } else {
            BLAS.matvec(out, w.pointer, input, rows: w.rows, columns: w.columns)
        }
    }

    func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int, base: Float, config: ModelConfig) {
        RoPELikeGGML.angles(cos: cos, sin: sin, position: position, base: base, dimensionCount: config.ropeDimensionCount)
        RoPELikeGGML.rotate(x, heads: heads, headSize: config.headSize, dimensionCount: config.ropeDimensionCount,
                            style: config.ropeStyle, cos: cos, sin: sin)
    }

    /// ggml's KV cache stores f16.
    func cache(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { row[i] = Float(Float16(row[i])) }
    }

    /// One-query flash attention below 64 batch rows, the tiled kernel from 64 up, as ggml chooses.
    func attend(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, cache: KVCache, layer: Int,
                position: Int, window: Int?, state: InferenceState) {
        let attend = batchRow.row.count >= 64 ? Attention.attendLikeGGMLTiled : Attention.attendLikeGGML
        attend(out, q, cache, layer, position, window, scratch, state.config)
    }

    func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        GELULikeGGML.geglu(gate, up, n)
    }

    /// ggml's x86 `ggml_vec_dot_q8_0_q8_0` in its own summation order, so the result does not depend on which
    /// kernel OpenBLAS picks for this CPU (its FMA and SSE kernels differ by an ulp, which the chaotic fixture
    /// amplifies past 1e-3). Each of 8 lanes takes 4 consecutive values of every 32-value block; the lane's
    /// integer sum times the product of the two block scales is fused into the lane's accumulator; then
    /// `hsum_float_8`. Both operands are Q8_0 values dequantized exactly, so the 4-term sums are exact in Double
    /// and `Float(acc + sum)` is the FMA's single rounding.
    static func dotLikeGGMLQ8_0(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        for block in stride(from: 0, to: n, by: 32) {
            for lane in 0..<8 {
                let i = block + 4 * lane
                var sum = Double(w[i]) * Double(x[i])
                for j in 1..<4 { sum += Double(w[i + j]) * Double(x[i + j]) }
                acc[lane] = Float(Double(acc[lane]) + sum)
            }
        }
        return acc.halvingSum
    }
}
