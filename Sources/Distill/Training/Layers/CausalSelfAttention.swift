import COpenBLAS
import Tensors

/// Causal scaled dot-product attention with grouped-query heads: query head h reads key/value head
/// g = h / (NH / NKV). Per (batch, head) the two products are sgemm calls on strided views of q, k, v;
/// the upper triangle of each T x T block is computed and thrown away, which is cheaper than a scalar
/// causal loop. These products are small, so instead of OpenBLAS's threads inside each call, the
/// (batch, kv head) groups run in parallel with single-threaded calls; a group's query heads stay in one
/// task, so the dk and dv they share are summed in a fixed order. With a sliding window W (Gemma's local
/// layers) row t sees only positions t-W+1...t.
package enum CausalSelfAttention {
    /// q [B, T, NH, HS], k and v [B, T, NKV, HS] (q and k already rotated)
    /// att [B, NH, T, T]: softmax(q k^T / sqrt(HS)) with zeros above the diagonal, kept for backward
    /// out [B, T, NH, HS] = att @ v
    package static func forward(
        _ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
        _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
        _ B: Int, _ T: Int, _ NH: Int, _ NKV: Int, _ HS: Int, window: Int? = nil
    ) {
        let scale = 1 / Float(HS).squareRoot()
        let ldq = Int32(NH * HS), ldkv = Int32(NKV * HS), T32 = Int32(T)
        forEachGroup(B, NH, NKV) { b, g, h in
            let qOffset = b * T * NH * HS + h * HS, kvOffset = b * T * NKV * HS + g * HS
            let attbh = att + (b * NH + h) * T * T
            // scores [T, T] = q_h [T, HS] @ k_g^T * scale
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T32, T32, Int32(HS),
                        scale, q + qOffset, ldq, k + kvOffset, ldkv, 0, attbh, T32)
            causalSoftmax(attbh, T, window: window)
            // out_h [T, HS] = att [T, T] @ v_g [T, HS]
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T32, Int32(HS), T32,
                        1, attbh, T32, v + kvOffset, ldkv, 0, out + qOffset, ldq)
        }
    }

    /// Mirrors forward from the bottom up, per (batch, head):
    ///   datt = dout_h @ v_g^T                 dv_g += att^T @ dout_h
    ///   dscores = att * (datt - rowsum(att * datt))        (softmax backward)
    ///   dq_h += dscores @ k_g * scale         dk_g += dscores^T @ q_h * scale
    /// dk and dv accumulate over the NH / NKV query heads that share them.
    /// scratch [B, NKV, T, T]: one T x T block per group holds datt, then dscores.
    package static func backward(
        _ dq: UnsafeMutablePointer<Float>, _ dk: UnsafeMutablePointer<Float>, _ dv: UnsafeMutablePointer<Float>,
        _ scratch: UnsafeMutablePointer<Float>,
        _ dout: UnsafePointer<Float>,
        _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ att: UnsafePointer<Float>,
        _ B: Int, _ T: Int, _ NH: Int, _ NKV: Int, _ HS: Int, window: Int? = nil
    ) {
        let scale = 1 / Float(HS).squareRoot()
        let ldq = Int32(NH * HS), ldkv = Int32(NKV * HS), T32 = Int32(T)
        forEachGroup(B, NH, NKV) { b, g, h in
            let qOffset = b * T * NH * HS + h * HS, kvOffset = b * T * NKV * HS + g * HS
            let attbh = att + (b * NH + h) * T * T, datt = scratch + (b * NKV + g) * T * T
            let doutbh = dout + qOffset
            // through out_h = att @ v_g
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T32, T32, Int32(HS),
                        1, doutbh, ldq, v + kvOffset, ldkv, 0, datt, T32)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T32, Int32(HS), T32,
                        1, attbh, T32, doutbh, ldq, 1, dv + kvOffset, ldkv)
            // through the softmax
            causalSoftmaxBackward(datt, attbh, T, window: window)
            // through scores = q_h @ k_g^T * scale
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T32, Int32(HS), T32,
                        scale, datt, T32, k + kvOffset, ldkv, 1, dq + qOffset, ldq)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T32, Int32(HS), T32,
                        scale, datt, T32, q + qOffset, ldq, 1, dk + kvOffset, ldkv)
        }
    }

    /// Calls body(b, g, h) for every query head h, the heads of one (b, g) group in order on one thread.
    private static func forEachGroup(_ B: Int, _ NH: Int, _ NKV: Int, _ body: (Int, Int, Int) -> Void) {
        BLASThreads.with(1) {
            Parallel.forEachChunk(rows: B * NKV, minimumRowsPerChunk: 1) { groups in
                for group in groups {
                    let b = group / NKV, g = group % NKV
                    for h in (g * NH / NKV)..<((g + 1) * NH / NKV) { body(b, g, h) }
                }
            }
        }
    }

    /// Row t of scores [T, T] becomes the softmax over the columns it sees (0...t, or the last `window`
    /// of them); the other columns become 0.
    package static func causalSoftmax(_ scores: UnsafeMutablePointer<Float>, _ T: Int, window: Int? = nil) {
        for t in 0..<T {
            let first = firstVisible(t, window), seen = t + 1 - first
            let row = scores + t * T, visible = row + first
            let m = VectorMath.max(visible, seen)
            let sum = VectorMath.expScaledShifted(visible, visible, scale: 1, shift: m, seen)
            VectorMath.scale(visible, visible, 1 / sum, seen)
            row.update(repeating: 0, count: first)
            (row + t + 1).update(repeating: 0, count: T - t - 1)
        }
    }

    /// In place: datt [T, T] becomes dscores = att * (datt - sum_j att_j datt_j), zero where att is masked.
    package static func causalSoftmaxBackward(_ datt: UnsafeMutablePointer<Float>, _ att: UnsafePointer<Float>, _ T: Int,
                                              window: Int? = nil) {
        for t in 0..<T {
            let first = firstVisible(t, window)
            let d = datt + t * T, a = att + t * T
            let weighted = VectorMath.dot(a + first, d + first, t + 1 - first)
            for j in first...t { d[j] = a[j] * (d[j] - weighted) }
            d.update(repeating: 0, count: first)
            (d + t + 1).update(repeating: 0, count: T - t - 1)
        }
    }

    /// The first position row t attends to.
    private static func firstVisible(_ t: Int, _ window: Int?) -> Int { window.map { max(0, t - $0 + 1) } ?? 0 }
}
