import COpenBLAS

/// The f32 matrix products, through OpenBLAS. The only file that imports the C library.
/// Weight matrices are row-major `[rows, rowLength]`, the way ggml stores them (ggml shape `[rowLength, rows]`).
enum BLAS {
    /// out[D] = W[D, N] · x[N]
    static func matvec(_ out: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                       rows d: Int, columns n: Int) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(d), Int32(n), 1, w, Int32(n), x, 1, 0, out, 1)
    }

    /// out[T, D] = x[T, N] · W[D, N]ᵀ, with row strides (leading dimensions) for views into wider buffers.
    static func matmulTransposed(_ out: UnsafeMutablePointer<Float>, outStride: Int,
                                 _ x: UnsafePointer<Float>, xStride: Int,
                                 _ w: UnsafePointer<Float>, wStride: Int,
                                 t: Int, n: Int, d: Int, scale: Float = 1) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(d), Int32(n),
                    scale, x, Int32(xStride), w, Int32(wStride), 0, out, Int32(outStride))
    }

    /// out[T, D] = a[T, N] · b[N, D], with row strides.
    static func matmul(_ out: UnsafeMutablePointer<Float>, outStride: Int,
                       _ a: UnsafePointer<Float>, aStride: Int,
                       _ b: UnsafePointer<Float>, bStride: Int,
                       t: Int, n: Int, d: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(d), Int32(n),
                    1, a, Int32(aStride), b, Int32(bStride), 0, out, Int32(outStride))
    }
}

/// The OpenBLAS behind the engine's matrix products (process-wide settings).
public enum MatrixThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }

    /// The kernel family OpenBLAS picked. Debian's 0.3.21 does not recognise recent Xeons and falls back to
    /// "Prescott" (SSE3, about 5x slower here) unless OPENBLAS_CORETYPE (e.g. SkylakeX) is set before start.
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
